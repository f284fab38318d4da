"""Coroutines the window starts on the qasync loop (replays, samples, the tunnel)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from inspector.gui.error_log import log_failure

T = TypeVar("T")


class LoopTasks:
    """Keeps the started coroutines until they end: a failure is reported in one line, and
    the ones still running are cancelled when the window closes."""

    def __init__(self, report: Callable[[str], None]) -> None:
        self._report = report
        self._running: set[asyncio.Future[Any]] = set()

    def spawn(self, coro: Coroutine[Any, Any, T], what: str) -> asyncio.Future[T]:
        """Run ``coro``; ``what`` names it in the failure report ("replay failed: ...")."""
        task = asyncio.ensure_future(coro)
        self._running.add(task)

        def done(t: asyncio.Future[T]) -> None:
            self._running.discard(t)
            exc = None if t.cancelled() else t.exception()
            if exc is not None:
                # The user reads one line; the log and the terminal get the traceback.
                log_failure(what, exc)
                self._report(f"{what} failed: {exc or exc.__class__.__name__}")

        task.add_done_callback(done)
        return task

    def cancel_all(self) -> None:
        for task in list(self._running):
            task.cancel()
