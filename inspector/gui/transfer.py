"""Export and import in a worker thread, with progress and cancel.

The worker never touches a widget: it reports through a signal object (delivered queued,
on the GUI thread). Imported captures are stored without emitting the store's ``added``
event from the worker thread; the window reloads its list when the job has finished.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Signal

from inspector.core.capture import Capture
from inspector.core.formats import ImportCancelled, load_captures, write_export
from inspector.core.store import CaptureStore

IMPORT_CHUNK = 1000


class JobSignals(QObject):
    """progress(done, total), finished(message), failed(message)."""

    progress = Signal(int, int)
    finished = Signal(str)
    failed = Signal(str)


class TransferJob(QRunnable):
    """A cancellable background job reporting through :class:`JobSignals`."""

    def __init__(self) -> None:
        super().__init__()
        self.signals = JobSignals()
        self.cancel_event = threading.Event()

    def cancel(self) -> None:
        self.cancel_event.set()

    def _progress(self, done: int, total: int) -> None:
        self.signals.progress.emit(done, total)

    def run(self) -> None:
        try:
            message = self.work()
        except ImportCancelled as exc:
            self.signals.failed.emit(f"cancelled; {len(exc.captures)} captures were read")
        except (ValueError, OSError) as exc:
            self.signals.failed.emit(str(exc))
        except Exception as exc:  # never a traceback for the user
            self.signals.failed.emit(f"unexpected error: {exc.__class__.__name__}: {exc}")
        else:
            self.signals.finished.emit(message)

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
        return f"exported {count} captures to {self.path}"


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
                return f"cancelled after importing {added} captures"
            added += self.store.import_captures(captures[start : start + IMPORT_CHUNK], emit=False)
            self._progress(total + min(total, start + IMPORT_CHUNK), 2 * total)
        skipped = total - added
        extra = f" ({skipped} already in the store)" if skipped else ""
        return f"imported {added} captures from {self.path.name}{extra}"


def connect_job(
    job: TransferJob,
    on_progress: Callable[[int, int], None],
    on_finished: Callable[[str], None],
    on_failed: Callable[[str], None],
) -> None:
    job.signals.progress.connect(on_progress)
    job.signals.finished.connect(on_finished)
    job.signals.failed.connect(on_failed)
