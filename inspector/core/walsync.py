"""Flushing a SQLite write-ahead log to the disk at a bounded interval after it changed.

With ``PRAGMA synchronous=NORMAL`` in WAL mode a commit is in the WAL file, in the
operating system's cache, when it returns: a crash of the program (even ``kill -9``) loses
none of it, but a power cut can lose what the disk has not yet been given. SQLite then
syncs only at checkpoints. :class:`WalSyncer` bounds that window: a thread flushes the WAL
at most ``interval`` seconds after a commit, the way Redis' ``appendfsync everysec`` does,
instead of one ``fdatasync`` inside every commit (``synchronous=FULL``), which cost about a
tenth of ``serve``'s throughput (docs/decisions.md).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

log = logging.getLogger(__name__)

# fdatasync where there is one (Linux); fsync elsewhere, which Windows only allows on a
# file opened for writing (nothing is written through it).
_sync = getattr(os, "fdatasync", os.fsync)
_OPEN_FLAGS = os.O_RDONLY if hasattr(os, "fdatasync") else os.O_RDWR


class WalSyncer:
    """Flushes ``wal_path`` to the disk within ``interval`` seconds of :meth:`changed`."""

    def __init__(self, wal_path: Path, interval: float) -> None:
        self.path = Path(wal_path)
        self.interval = interval
        #: flushes done (for tests and benchmarks)
        self.flushes = 0
        self._dirty = False
        self._stop = threading.Event()
        self._start_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._failed = False

    def changed(self) -> None:
        """Call after each commit; the thread starts with the first one."""
        self._dirty = True
        if self._thread is None:
            with self._start_lock:
                if self._thread is None and not self._stop.is_set():
                    self._thread = threading.Thread(
                        target=self._run, name="store-wal-sync", daemon=True
                    )
                    self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()

    def flush(self) -> None:
        """Flush now if anything changed since the last flush."""
        if not self._dirty:
            return
        # Cleared before the flush: a commit during it is flushed by the next one.
        self._dirty = False
        try:
            fd = os.open(self.path, _OPEN_FLAGS)
        except FileNotFoundError:
            return  # no WAL (the last connection checkpointed and removed it): all synced
        except OSError as exc:
            self._report(exc)
            return
        try:
            _sync(fd)
            self.flushes += 1
        except OSError as exc:
            self._report(exc)
        finally:
            os.close(fd)

    def _report(self, exc: OSError) -> None:
        if not self._failed:  # once: the disk's trouble shows elsewhere too
            self._failed = True
            log.error("could not flush %s to the disk: %s", self.path, exc.strerror or exc)

    def close(self) -> None:
        """Stop the thread and flush what is left."""
        self._stop.set()
        thread = self._thread
        if thread is not None:
            thread.join()
        self.flush()
