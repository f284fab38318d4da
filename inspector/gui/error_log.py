"""Errors in the window reach the log and the terminal with their traceback; the user sees
one line.

Every place that tells the user something "failed" unexpectedly goes through
:func:`report`, which logs the exception with its traceback (to ``logs/inspector.log`` and,
for the desktop app, to stderr: :func:`log_to_stderr`) and returns the line to show. Two
hooks catch what no code handled: :func:`install_excepthook` for exceptions raised in Qt
slots (PySide6 hands them to ``sys.excepthook``) and :func:`install_loop_handler` for
asyncio tasks and callbacks that failed unseen.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable
from types import TracebackType
from typing import Any

log = logging.getLogger("inspector.gui")

#: the handler :func:`log_to_stderr` added, so that it is added once
_stderr_handler: logging.Handler | None = None


def one_line(exc: BaseException) -> str:
    """``Type: first line of the message`` (the type alone when there is no message)."""
    lines = str(exc).strip().splitlines()
    name = exc.__class__.__name__
    return f"{name}: {lines[0]}" if lines else name


def log_failure(what: str, exc: BaseException) -> None:
    """Log ``exc`` with its traceback as "``what`` failed" (the window shows its own line)."""
    log.error("%s failed", what, exc_info=(type(exc), exc, exc.__traceback__))


def report(what: str, exc: BaseException) -> str:
    """Log ``exc`` with its traceback as "``what`` failed"; the one line for the user."""
    log_failure(what, exc)
    return f"{what} failed: unexpected error: {one_line(exc)} (details in the log)"


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of each record."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


def log_to_stderr() -> logging.Handler:
    """Errors (with tracebacks) also go to the terminal the app was started from."""
    global _stderr_handler
    if _stderr_handler is None:
        handler = _StderrHandler()
        handler.setLevel(logging.ERROR)
        handler.setFormatter(logging.Formatter("webhook-inspector: %(levelname)s %(message)s"))
        logging.getLogger().addHandler(handler)
        _stderr_handler = handler
    return _stderr_handler


def stop_logging_to_stderr() -> None:
    """Undo :func:`log_to_stderr`."""
    global _stderr_handler
    if _stderr_handler is not None:
        logging.getLogger().removeHandler(_stderr_handler)
        _stderr_handler = None


def install_excepthook(say: Callable[[str], None]) -> Callable[[], None]:
    """Exceptions escaping Qt slots are logged and told in one line; returns the undo."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, exc, tb)
            return
        exc.__traceback__ = tb
        line = report("an action", exc)
        with contextlib.suppress(RuntimeError):  # the window is gone: the log has it
            say(line)

    sys.excepthook = hook

    def undo() -> None:
        if sys.excepthook is hook:
            sys.excepthook = previous

    return undo


def install_loop_handler(loop: asyncio.AbstractEventLoop) -> None:
    """Failures of asyncio tasks nobody awaited are logged with their traceback."""

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        message = context.get("message", "asyncio error")
        if isinstance(exc, BaseException):
            log.error("%s", message, exc_info=(type(exc), exc, exc.__traceback__))
        else:
            log.error("%s", message)

    loop.set_exception_handler(handler)
