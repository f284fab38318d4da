"""Group commit: many requests in flight share one SQLite transaction.

Each request awaits :meth:`CaptureWriter.write`, which returns only once its capture is
committed. While one transaction is being written (in a worker thread, so the event loop
keeps accepting requests), newly arriving captures queue up and go together in the next
one. That keeps "committed before answered" without one fsync per request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from inspector.core.capture import Capture
from inspector.core.store import CaptureStore

log = logging.getLogger(__name__)

#: Work on a capture done in the writer's thread just before it is stored.
Prepare = Callable[[Capture], None]


class CaptureWriter:
    """Writes captures to the store in batches; ``added`` events are emitted on the loop."""

    def __init__(self, store: CaptureStore, *, max_batch: int = 512) -> None:
        self.store = store
        self.max_batch = max_batch
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
            for _, _, fut in batch:
                if not fut.done():
                    fut.set_result(None)
            self.store.added.emit(captures)

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
