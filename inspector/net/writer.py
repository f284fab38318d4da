"""Group commit: many requests in flight share one SQLite transaction.

Each request awaits :meth:`CaptureWriter.write`, which returns only once its capture is
committed. While one transaction is being written (in a worker thread, so the event loop
keeps accepting requests), newly arriving captures queue up and go together in the next
one. That keeps "committed before answered" without one fsync per request.

The search index is not written in those transactions: once no capture arrived for
``index_delay`` seconds, the writer indexes what it stored (``CaptureStore.index_tail``),
at most ``index_batch`` captures per short transaction of its own, so a capture arriving
then waits for one such step at most. During a flood nothing is indexed (the flood's
throughput is the store's without an index) until the not yet indexed tail reaches
``index_backlog`` captures; from then on a step runs whenever no batch is waiting, which
keeps the tail about that long. Until a capture is indexed a search tests it by the scan
(docs/decisions.md, "A million captures").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from inspector.core.capture import Capture
from inspector.core.store import CaptureStore

log = logging.getLogger(__name__)

#: Work on a capture done in the writer's thread just before it is stored.
Prepare = Callable[[Capture], None]


class CaptureWriter:
    """Writes captures to the store in batches; ``added`` events are emitted on the loop."""

    def __init__(
        self,
        store: CaptureStore,
        *,
        max_batch: int = 512,
        index_batch: int = 500,
        index_delay: float = 0.5,
        index_backlog: int = 50_000,
    ) -> None:
        self.store = store
        self.max_batch = max_batch
        #: captures indexed per step when idle (0: the writer leaves the index alone)
        self.index_batch = index_batch
        self.index_delay = index_delay
        self.index_backlog = index_backlog
        #: set when the tail reaches the backlog: the indexer stops waiting for quiet
        self._backlogged = asyncio.Event()
        self._indexer: asyncio.Task[None] | None = None
        self._index_wanted = False
        self._unindexed = 0
        self._closed = False
        self._pending: list[tuple[Capture, Prepare | None, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self.batches = 0
        self.written = 0

    def write(self, capture: Capture, prepare: Prepare | None = None) -> asyncio.Future[None]:
        """Queue a capture; the future is done once it is durable, or has the store's error.

        ``prepare`` runs on the capture in the writer's thread just before it is stored
        (the listener defers vendor detection there when it does not change the answer).
        A plain function, not a coroutine: one less frame per request to await.
        """
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        self._pending.append((capture, prepare, fut))
        if self._flusher is None or self._flusher.done():
            self._flusher = loop.create_task(self._flush(), name="capture-writer-flush")
        # A cancelled request cancels only its own future: its capture stays queued and is
        # committed with the others (the flusher skips futures that are already done).
        return fut

    async def _flush(self) -> None:
        while self._pending:
            batch = self._pending[: self.max_batch]
            del self._pending[: len(batch)]
            captures = [c for c, _, _ in batch]
            try:
                await asyncio.to_thread(self._store, batch)
            except Exception as exc:
                log.error("could not store %d capture(s): %s", len(batch), exc)
                for _, _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            self.batches += 1
            self.written += len(captures)
            self._unindexed += len(captures)
            for _, _, fut in batch:
                if not fut.done():
                    fut.set_result(None)
            self.store.added.emit(captures)
        self._schedule_indexing()

    def _busy(self) -> bool:
        return bool(self._pending) or (self._flusher is not None and not self._flusher.done())

    def _schedule_indexing(self) -> None:
        self._index_wanted = True
        if self._unindexed >= self.index_backlog:
            self._backlogged.set()
        if self.index_batch <= 0 or self._closed:
            return
        if self._indexer is None or self._indexer.done():
            loop = asyncio.get_running_loop()
            self._indexer = loop.create_task(self._index(), name="capture-writer-index")

    async def _index(self) -> None:
        """Index the captures stored since the last step, a step at a time while no batch
        is waiting (a batch that arrives meanwhile waits for the step in progress only;
        the flush that writes it calls this again when it is done): after a quiet
        ``index_delay``, or at once past ``index_backlog``."""
        written = -1
        while self._unindexed < self.index_backlog and written != self.written:
            written = self.written
            self._backlogged.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._backlogged.wait(), self.index_delay)
            if self._busy():
                return
        while self._index_wanted and not self._busy():
            self._index_wanted = False
            try:
                count = await asyncio.to_thread(self.store.index_tail, self.index_batch)
            except Exception as exc:  # searches scan the tail meanwhile; the next flush retries
                log.warning("indexing captures for search failed: %s", exc)
                return
            self._unindexed = max(0, self._unindexed - count)
            if count >= self.index_batch:
                self._index_wanted = True  # more may be waiting

    async def stop_indexing(self) -> None:
        """Index no more (a step in progress finishes in its thread; the store's close
        waits for it)."""
        self._closed = True
        task = self._indexer
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _store(self, batch: list[tuple[Capture, Prepare | None, asyncio.Future[None]]]) -> None:
        # In the worker thread: prepare the batch, then one transaction for all of it.
        for capture, prepare, _ in batch:
            if prepare is not None:
                try:
                    prepare(capture)
                except Exception as exc:  # never lose a capture over its analysis
                    log.exception("preparing a capture failed")
                    capture.notes.append(f"internal error while processing: {type(exc).__name__}")
        self.store.add_many([c for c, _, _ in batch], emit=False)

    async def drain(self) -> None:
        """Wait until every queued capture is written."""
        while self._flusher is not None and not self._flusher.done():
            await asyncio.shield(self._flusher)
