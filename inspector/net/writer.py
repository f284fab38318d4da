"""Group commit: many requests in flight share one SQLite transaction.

Each request awaits :meth:`CaptureWriter.write`, which returns only once its capture is
committed. While one transaction is being written (in a worker thread, so the event loop
keeps accepting requests), newly arriving captures queue up and go together in the next
one. That keeps "committed before answered" without one fsync per request.
"""

from __future__ import annotations

import asyncio
import logging

from inspector.core.capture import Capture
from inspector.core.store import CaptureStore

log = logging.getLogger(__name__)


class CaptureWriter:
    """Writes captures to the store in batches; ``added`` events are emitted on the loop."""

    def __init__(self, store: CaptureStore, *, max_batch: int = 512) -> None:
        self.store = store
        self.max_batch = max_batch
        self._pending: list[tuple[Capture, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self.batches = 0
        self.written = 0

    async def write(self, capture: Capture) -> None:
        """Queue a capture and return once it is durable. Raises the store's error, if any."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        self._pending.append((capture, fut))
        if self._flusher is None or self._flusher.done():
            self._flusher = loop.create_task(self._flush(), name="capture-writer-flush")
        # A cancelled request cancels only its own future: its capture stays queued and is
        # committed with the others (the flusher skips futures that are already done).
        await fut

    async def _flush(self) -> None:
        while self._pending:
            batch = self._pending[: self.max_batch]
            del self._pending[: len(batch)]
            captures = [c for c, _ in batch]
            try:
                await asyncio.to_thread(self.store.add_many, captures, emit=False)
            except Exception as exc:
                log.error("could not store %d capture(s): %s", len(batch), exc)
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            self.batches += 1
            self.written += len(captures)
            for _, fut in batch:
                if not fut.done():
                    fut.set_result(None)
            self.store.added.emit(captures)

    async def drain(self) -> None:
        """Wait until every queued capture is written."""
        while self._flusher is not None and not self._flusher.done():
            await asyncio.shield(self._flusher)
