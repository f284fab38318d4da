"""Export and import of captures from the window: the actions, the file dialogs, and one
job at a time in a worker thread behind a progress dialog."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QFileDialog, QMainWindow, QProgressDialog

from inspector.core.store import CaptureStore
from inspector.gui import workers
from inspector.gui.capture_model import CaptureTableModel
from inspector.gui.error_log import report
from inspector.gui.message_log import Level, say
from inspector.gui.transfer import ExportJob, ImportJob, TransferJob
from inspector.gui.widgets import make_action

#: Which captures an export writes: all stored, those the filter shows, or the selected.
Which = Literal["all", "shown", "selected"]


class TransferActions(QObject):
    """Export all/shown/selected captures (HAR or JSON) and import a file of them.

    ``selected`` gives the selected captures' seqs (a million of them when the user chose
    Ctrl+A: no capture is read for them on the UI thread), ``imported`` is called after an
    import changed the store (the window then updates its counts).
    """

    def __init__(
        self,
        window: QMainWindow,
        store: CaptureStore,
        model: CaptureTableModel,
        selected: Callable[[], list[int]],
        imported: Callable[[], None],
        reveal_secrets: Callable[[], bool] = lambda: False,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.store = store
        self.model = model
        self.selected = selected
        self.imported = imported
        #: the user's choice, shared with the copies: exports keep secrets only when true
        self.reveal_secrets = reveal_secrets
        self.job: TransferJob | None = None
        self.progress: QProgressDialog | None = None
        #: the outcome of the latest job, as told in the status bar
        self.last_job_message = ""
        # make_action calls the slot without the action's `checked` argument: it would
        # arrive here as the path.
        self.import_action = make_action(window, "Import…", self.import_file, "Ctrl+O")
        self.export_all_action = make_action(
            window, "Export all…", lambda: self.export_captures("all")
        )
        self.export_shown_action = make_action(
            window, "Export shown…", lambda: self.export_captures("shown")
        )
        self.export_selected_action = make_action(
            window, "Export selected…", lambda: self.export_captures("selected")
        )

    def update_enabled(self, selected: int) -> None:
        self.export_selected_action.setEnabled(selected >= 1)

    def _say(self, message: str, ms: int | None = None, level: Level = "info") -> None:
        say(self.window, message, ms, level)

    def export_captures(
        self, which: Which, path: Path | None = None, fmt: str | None = None
    ) -> None:
        """Export to ``path`` in ``fmt`` ("har" or "json"); asks for both when no path."""
        # The selected captures by seq, oldest first, each read by the job; all or the
        # shown ones by their filter, read by the job a few at a time.
        seqs: list[int] | None = None
        flt = self.model.filter if which == "shown" else None
        if which == "selected":
            seqs = sorted(self.selected())
            empty = not seqs
        else:
            empty = self.model.rowCount() == 0 if which == "shown" else self.model.total == 0
        if empty:
            self._say("Nothing to export", 5000)
            return
        if path is None:
            name, chosen = QFileDialog.getSaveFileName(
                self.window,
                "Export captures",
                "captures.har",
                "HAR 1.2 (*.har);;Webhook Inspector JSON (*.json)",
            )
            if not name:
                return
            path = Path(name)
            fmt = "json" if "JSON" in chosen or path.suffix == ".json" else "har"
        mask = not self.reveal_secrets()
        job = ExportJob(self.store, seqs, path, fmt or "har", mask=mask, flt=flt)
        self._start(job, "Exporting")

    def import_file(self, path: Path | None = None) -> None:
        """Import a HAR or JSON export; asks for the file when no path."""
        if path is None:
            name, _ = QFileDialog.getOpenFileName(
                self.window,
                "Import captures",
                "",
                "HAR or JSON export (*.har *.json);;All files (*)",
            )
            if not name:
                return
            path = Path(name)
        self._start(ImportJob(self.store, path), "Importing", reload=True)

    def cancel(self) -> None:
        """Cancel the running job, if any (the window is closing)."""
        if self.job is not None:
            self.job.cancel()

    def _start(self, job: TransferJob, label: str, reload: bool = False) -> None:
        if self.job is not None:
            self._say("Another import or export is running", 5000)
            return
        self.job = job
        progress = QProgressDialog(f"{label}…", "Cancel", 0, 0, self.window)
        progress.setWindowTitle(label)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)
        progress.canceled.connect(job.cancel)
        self.progress = progress

        def on_progress(done: int, total: int) -> None:
            progress.setMaximum(max(total, 1))
            progress.setValue(min(done, max(total, 1)))

        def finish(ok: bool, message: str) -> None:
            self.job = None
            progress.reset()
            progress.deleteLater()
            self.progress = None
            if reload:
                self.model.set_filter(self.model.filter)
                self.model.total = self.store.count()
                self.imported()
            self._say(
                message if ok else f"{label} failed: {message}",
                None if ok else 0,
                "info" if ok else "error",
            )
            self.last_job_message = message

        def crashed(exc: BaseException) -> None:
            self.job = None
            progress.reset()
            progress.deleteLater()
            self.progress = None
            self.last_job_message = report(label, exc)  # logged there, with the traceback
            self._say(self.last_job_message, 0, "error")

        workers.submit(job.run, lambda outcome: finish(*outcome), crashed, on_progress)
