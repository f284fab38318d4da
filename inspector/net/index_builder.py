"""Building the search index of the captures it does not hold, in a worker thread: an
upgraded store's older captures at start, what Clear all or a large Delete kept
afterwards. Searches scan those captures until it is done (docs/decisions.md, "A million
captures"); the window's status bar shows :meth:`IndexBuilder.status`, and ``serve``
prints the lines of :attr:`IndexBuilder.lines` on stderr."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

from inspector.core.events import Signal
from inspector.core.store import CaptureStore
from inspector.core.words import plural

log = logging.getLogger(__name__)


class IndexBuilder:
    """Runs :meth:`CaptureStore.build_index` in a worker thread, once at a time."""

    def __init__(self, store: CaptureStore) -> None:
        self.store = store
        #: (indexed, to index) while a build runs, else None
        self.progress: tuple[int, int] | None = None
        #: emitted on the loop with a line about a build: its start, each tenth, its end
        self.lines: Signal[str] = Signal("indexing")
        self._task: asyncio.Task[None] | None = None
        self._stop = threading.Event()

    def start(self) -> None:
        """Start a build unless one runs or :meth:`stop` was called (needs a running loop)."""
        if self._stop.is_set():
            return
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._build(), name="search-index")

    async def stop(self) -> None:
        """Stop after the batch being indexed (what is indexed stays) and start no more."""
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def status(self) -> str:
        """A few words while a build runs, else empty."""
        progress = self.progress
        if progress is None:
            return ""
        done, total = progress
        return f"indexing for search {100 * done // max(total, 1)} %"

    async def _build(self) -> None:
        pending = await asyncio.to_thread(self.store.index_pending)
        if not pending:
            return
        self.progress = (0, pending)
        loop = asyncio.get_running_loop()
        said = 0  # the last tenth announced

        def progress(done: int, total: int) -> None:  # in the worker thread
            nonlocal said
            self.progress = (done, total)
            tenth = 10 * done // max(total, 1)
            if said < tenth < 10:
                said = tenth
                loop.call_soon_threadsafe(self.lines.emit, f"search index: {tenth * 10} %")

        self.lines.emit(
            f"search index: indexing {plural(pending, 'capture')}; "
            "searches are slower until it is done"
        )
        try:
            complete = await asyncio.to_thread(
                self.store.build_index, on_progress=progress, stop=self._stop.is_set
            )
        except Exception as exc:  # the scan keeps serving; the next start tries again
            log.warning("building the search index failed: %s", exc)
            self.lines.emit(f"search index: stopped ({exc}); searches still work, slower")
        else:
            self.lines.emit(
                "search index: ready" if complete else "search index: stopped, goes on next time"
            )
        finally:
            self.progress = None
