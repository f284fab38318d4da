"""Blocking work off the GUI thread, with its outcome delivered back on the GUI thread.

The rule kept here: **no Qt object is created, used or freed by a worker thread.**

The pattern this replaces (a ``QRunnable`` subclass carrying a ``QObject`` of signals, started
on ``QThreadPool``) broke that rule in a way no line of our code showed: the pool deletes a
finished runnable in the worker thread, which frees its Python wrapper there, and with it the
signals object, which belongs to the GUI thread and may still have queued signals in flight
or be reached by the GUI thread's garbage collector. The result was a segmentation fault about
once in a few thousand jobs (one CI run died of it in an export/import test). 6,000 small
jobs with ``gc.collect()`` in between crashed the old pattern in 3 runs out of 3;
``tests/gui/test_workers.py`` puts this module under the same kind of load.

Here a worker is a plain Python thread running a plain callable. It reports through the
signals of one relay object that lives on the GUI thread for the whole process, and sends
only a job number and plain values: the callbacks stay on the GUI thread, in a table keyed
by job number. So ``work`` must not hold Qt objects (it is freed in the worker thread);
the callbacks may.
"""

from __future__ import annotations

import itertools
import logging
import os
import threading
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

T = TypeVar("T")
#: progress(done, total), callable from the worker thread
Progress = Callable[[int, int], None]

#: as many as cores, up to 4: each job may hold a body of many MiB and its decoded forms
MAX_WORKERS = max(2, min(4, os.cpu_count() or 2))

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Callbacks:
    on_done: Callable[[Any], None]
    on_failed: Callable[[BaseException], None] | None
    on_progress: Progress | None


class _Relay(QObject):
    """Lives on the GUI thread; its signals, emitted by workers, arrive there queued."""

    outcome = Signal(int, bool, object)
    progress = Signal(int, int, int)

    def __init__(self) -> None:
        super().__init__()
        self.jobs: dict[int, _Callbacks] = {}
        self.outcome.connect(self._on_outcome)
        self.progress.connect(self._on_progress)

    def _on_outcome(self, job: int, ok: bool, value: object) -> None:
        callbacks = self.jobs.pop(job, None)
        if callbacks is None:
            return
        try:
            if ok:
                callbacks.on_done(value)
                return
            assert isinstance(value, BaseException)
            if callbacks.on_failed is not None:
                callbacks.on_failed(value)
            else:
                log.error("background job failed", exc_info=value)
        except RuntimeError as exc:  # the widget waiting for it was closed meanwhile
            log.debug("outcome of job %d not delivered: %s", job, exc)

    def _on_progress(self, job: int, done: int, total: int) -> None:
        callbacks = self.jobs.get(job)
        if callbacks is not None and callbacks.on_progress is not None:
            try:
                callbacks.on_progress(done, total)
            except RuntimeError as exc:
                log.debug("progress of job %d not delivered: %s", job, exc)


class _Workers:
    def __init__(self) -> None:
        self.relay: _Relay | None = None
        self.pool = futures.ThreadPoolExecutor(MAX_WORKERS, thread_name_prefix="gui-worker")
        self.numbers = itertools.count(1)
        self.lock = threading.Lock()
        self.pending: set[futures.Future[None]] = set()


_workers = _Workers()


def submit(
    work: Callable[[Progress], T],
    on_done: Callable[[T], None],
    on_failed: Callable[[BaseException], None] | None = None,
    on_progress: Progress | None = None,
) -> None:
    """Run ``work(report)`` in a worker thread; call back on the GUI thread.

    Call from the GUI thread. ``on_done(result)`` or ``on_failed(exception)`` is called
    once; ``on_progress(done, total)`` each time ``work`` calls ``report``. Without
    ``on_failed``, an exception is logged.
    """
    workers = _workers
    if workers.relay is None:
        workers.relay = _Relay()
    relay = workers.relay
    job = next(workers.numbers)
    relay.jobs[job] = _Callbacks(on_done, on_failed, on_progress)
    outcome, progress = relay.outcome, relay.progress

    def report(done: int, total: int) -> None:
        progress.emit(job, done, total)

    def run() -> None:
        try:
            result: object = work(report)
        except BaseException as exc:  # handed to the GUI thread, which decides
            outcome.emit(job, False, exc)
        else:
            outcome.emit(job, True, result)

    future = workers.pool.submit(run)
    with workers.lock:
        workers.pending.add(future)
    future.add_done_callback(_forget)


def _forget(future: futures.Future[None]) -> None:
    with _workers.lock:
        _workers.pending.discard(future)


def wait_idle(timeout: float) -> bool:
    """Wait until no work is running (the callbacks may still be queued). True if idle."""
    with _workers.lock:
        pending = set(_workers.pending)
    _, not_done = futures.wait(pending, timeout)
    return not not_done
