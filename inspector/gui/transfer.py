"""Export and import, run in a worker thread (:mod:`inspector.gui.workers`), with progress
and cancel.

A job is plain Python: it never touches a Qt object, and reports progress through the
``report`` function it is given. Imported captures are stored without emitting the store's
``added`` event from the worker thread; the window reloads its list when the job has finished.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from inspector.core.capture import Capture
from inspector.core.formats import ImportCancelled, load_captures, write_export
from inspector.core.store import CaptureStore
from inspector.core.words import plural
from inspector.gui.workers import Progress

IMPORT_CHUNK = 1000

log = logging.getLogger(__name__)


def _no_report(done: int, total: int) -> None:
    pass


class TransferJob:
    """A cancellable job: ``run(report)`` returns (ok, message) and never raises."""

    def __init__(self) -> None:
        self.cancel_event = threading.Event()
        self._report: Progress = _no_report

    def cancel(self) -> None:
        self.cancel_event.set()

    def _progress(self, done: int, total: int) -> None:
        self._report(done, total)

    def run(self, report: Progress) -> tuple[bool, str]:
        self._report = report
        try:
            return True, self.work()
        except ImportCancelled as exc:
            return False, f"cancelled; {plural(len(exc.captures), 'capture')} read"
        except (ValueError, OSError) as exc:
            return False, str(exc)
        except Exception as exc:  # never a traceback for the user: it goes to the log
            log.error("%s failed", self.__class__.__name__, exc_info=True)
            return False, f"unexpected error: {exc.__class__.__name__}: {exc} (details in the log)"

    def work(self) -> str:
        raise NotImplementedError


class ExportJob(TransferJob):
    """Write captures (given by id, in order) to a file, atomically."""

    def __init__(
        self, store: CaptureStore, ids: Sequence[str], path: Path, fmt: str, mask: bool
    ) -> None:
        super().__init__()
        self.store, self.ids, self.path, self.fmt, self.mask = store, list(ids), path, fmt, mask

    def _captures(self) -> Iterator[Capture]:
        for cid in self.ids:
            if self.cancel_event.is_set():
                raise ImportCancelled([])
            capture = self.store.get(cid)
            if capture is not None:
                yield capture

    def work(self) -> str:
        tmp = self.path.with_name(f".{self.path.name}.partial")
        try:
            with open(tmp, "w", encoding="utf-8") as fh:
                count = write_export(
                    self._captures(),
                    fh,
                    self.fmt,  # type: ignore[arg-type]
                    mask_secrets=self.mask,
                    total=len(self.ids),
                    on_progress=self._progress,
                )
            tmp.replace(self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        secrets = "secrets masked" if self.mask else "secrets included"
        return f"exported {plural(count, 'capture')} to {self.path} ({secrets})"


class ImportJob(TransferJob):
    """Read a HAR or JSON export and add its captures to the store."""

    def __init__(self, store: CaptureStore, path: Path) -> None:
        super().__init__()
        self.store, self.path = store, path

    def work(self) -> str:
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            raise OSError(f"cannot read {self.path}: {exc.strerror}") from exc
        try:
            captures = load_captures(
                data,
                on_progress=lambda d, t: self._progress(d, 2 * t),
                cancel=self.cancel_event.is_set,
            )
        except ValueError as exc:
            raise ValueError(f"{self.path.name}: {exc}") from exc
        added = 0
        total = len(captures)
        for start in range(0, total, IMPORT_CHUNK):
            if self.cancel_event.is_set():
                return f"cancelled after importing {plural(added, 'capture')}"
            added += self.store.import_captures(captures[start : start + IMPORT_CHUNK], emit=False)
            self._progress(total + min(total, start + IMPORT_CHUNK), 2 * total)
        skipped = total - added
        extra = f" ({skipped} already in the store)" if skipped else ""
        return f"imported {plural(added, 'capture')} from {self.path.name}{extra}"
