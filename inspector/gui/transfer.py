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
from inspector.core.formats import ImportCancelled, import_chunks, write_export
from inspector.core.store import CaptureFilter, CaptureStore
from inspector.core.words import plural
from inspector.gui.workers import Progress

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
    """Write captures to a file, atomically: those given by id (in that order), else every
    one ``flt`` matches (oldest first), read a few at a time so that memory stays bounded
    whatever the history's size."""

    def __init__(
        self,
        store: CaptureStore,
        ids: Sequence[str | int] | None,
        path: Path,
        fmt: str,
        mask: bool,
        flt: CaptureFilter | None = None,
    ) -> None:
        super().__init__()
        self.store, self.path, self.fmt, self.mask = store, path, fmt, mask
        self.ids = list(ids) if ids is not None else None
        self.flt = flt

    def _captures(self) -> Iterator[Capture]:
        if self.ids is None:
            source: Iterator[Capture | None] = iter(self.store.iter_captures(self.flt))
        else:
            source = (self.store.get(cid) for cid in self.ids)
        for capture in source:
            if self.cancel_event.is_set():
                raise ImportCancelled([])
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
                    total=len(self.ids) if self.ids is not None else self.store.count(self.flt),
                    on_progress=self._progress,
                )
            tmp.replace(self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        secrets = "secrets masked" if self.mask else "secrets included"
        return f"exported {plural(count, 'capture')} to {self.path} ({secrets})"


class ImportJob(TransferJob):
    """Read a HAR or JSON export incrementally and add its captures to the store, a chunk
    per transaction (an interrupted import keeps whole chunks)."""

    def __init__(self, store: CaptureStore, path: Path) -> None:
        super().__init__()
        self.store, self.path = store, path

    def work(self) -> str:
        added = read = 0
        try:
            for chunk in import_chunks(
                self.path, on_progress=self._per_mille, cancel=self.cancel_event.is_set
            ):
                added += self.store.import_captures(chunk, emit=False)
                read += len(chunk)
        except ImportCancelled:
            return f"cancelled after importing {plural(added, 'capture')}"
        except OSError as exc:
            raise OSError(f"cannot read {self.path}: {exc.strerror}") from exc
        except ValueError as exc:
            kept = f" ({plural(added, 'capture')} before it were imported)" if added else ""
            raise ValueError(f"{self.path.name}: {exc}{kept}") from exc
        skipped = read - added
        extra = f" ({skipped} already in the store)" if skipped else ""
        return f"imported {plural(added, 'capture')} from {self.path.name}{extra}"

    def _per_mille(self, done: int, total: int) -> None:
        # Bytes of files over 2 GiB do not fit the progress dialog's int.
        self._progress(done * 1000 // max(total, 1), 1000)
