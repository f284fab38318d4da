"""Deleting captures: the selected ones (Delete key, context menu) or all (Clear all…).

Both ask first; pinned captures stay unless the user ticks "Also delete pinned captures".
The deletion runs in a worker thread, a batch per transaction (a million rows take
seconds), behind a progress dialog that can cancel it; the list follows when it is done.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QMainWindow,
    QProgressDialog,
    QVBoxLayout,
    QWidget,
)

from inspector.core.store import CaptureStore
from inspector.gui import workers
from inspector.gui.capture_model import CaptureTableModel
from inspector.gui.message_log import say
from inspector.gui.selection import selected_count, selected_spans
from inspector.gui.widgets import make_action, plain_label

#: Up to this many deleted captures leave the list one by one (selection and scrolling
#: stay); more, and the list is read again from the store, cheaper than diffing them.
ROWS_ONE_BY_ONE = 5000


def _captures(n: int) -> str:
    return f"{n:,} capture" + ("" if n == 1 else "s")


class ConfirmDelete(QDialog):
    """Asks before deleting; offers to delete the pinned captures too when there are any."""

    def __init__(self, title: str, question: str, pinned: int | None, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("confirm-delete")
        self.setWindowTitle(title)
        self.question = plain_label(question, selectable=False)
        # ``pinned`` None: not counted (counting scans the table: ~1.5 s at a million rows).
        if pinned is None:
            pinned_ones = "pinned captures"
        else:
            pinned_ones = "the pinned capture" if pinned == 1 else f"the {pinned:,} pinned captures"
        self.include_pinned = QCheckBox(f"Also delete {pinned_ones}")
        self.include_pinned.setVisible(pinned != 0)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.delete_button = buttons.addButton(
            "Delete", QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.delete_button.clicked.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.question)
        layout.addWidget(self.include_pinned)
        layout.addWidget(buttons)
        self.setMinimumWidth(360)


class DeleteActions(QObject):
    """Delete (selected) and Clear all…, enabled for what is selected in ``table``."""

    #: emitted with the number deleted, after the list followed
    deleted = Signal(int)

    def __init__(
        self,
        window: QMainWindow,
        store: CaptureStore,
        model: CaptureTableModel,
        table: QAbstractItemView,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.store = store
        self.model = model
        self.table = table
        self.dialog: ConfirmDelete | None = None
        self.progress: QProgressDialog | None = None
        self._cancel = False
        self._detached = False
        self.running = False
        self.delete_action = make_action(
            window,
            "Delete…",
            self.delete_selected,
            tip="Delete the selected captures from the store (asks first)",
        )
        self.delete_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        # The table has the focus when Delete is meant; a text field keeps its own Delete.
        self.delete_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.clear_action = make_action(
            window,
            "Clear all…",
            self.clear_all,
            tip="Delete every capture (pinned ones stay unless you ask; asks first)",
        )

    def selected_seqs(self) -> list[int]:
        """The selected captures' numbers (no row is read from the store)."""
        return self.model.seqs_in(selected_spans(self.table))

    def update_enabled(self, selected: int) -> None:
        self.delete_action.setEnabled(selected >= 1 and not self.running)
        self.clear_action.setEnabled(not self.running)

    # -- asking -------------------------------------------------------------------------
    def delete_selected(self) -> ConfirmDelete | None:
        seqs = self.selected_seqs()
        if not seqs or self.running:
            return None
        # A few rows are looked up by number; a huge selection is not counted.
        pinned = self.store.pinned_count(seqs) if len(seqs) <= ROWS_ONE_BY_ONE else None
        question = f"Delete the {_captures(len(seqs))} selected? This cannot be undone."
        return self._ask("Delete captures", question, pinned, seqs)

    def clear_all(self) -> ConfirmDelete | None:
        if self.running:
            return None
        # The list's count, as the window shows it: counting the store's rows reads a
        # million of them (~0.3 s on the UI thread, more when the file is not cached).
        total = self.model.total or self.store.count()
        if total == 0:
            say(self.window, "No captures to delete")
            return None
        question = (
            f"Delete all {_captures(total)}? This cannot be undone. Pinned captures are "
            "kept unless you tick the box below."
        )
        return self._ask("Clear all captures", question, None, None)

    def _ask(
        self, title: str, question: str, pinned: int | None, seqs: list[int] | None
    ) -> ConfirmDelete:
        dialog = ConfirmDelete(title, question, pinned, self.window)
        self.dialog = dialog

        def finished(code: int) -> None:
            self.dialog = None
            dialog.deleteLater()
            if code == QDialog.DialogCode.Accepted.value:
                self._start(seqs, keep_pinned=not dialog.include_pinned.isChecked())

        dialog.finished.connect(finished)
        # Window-modal open(), not exec(): the listener keeps running on the loop.
        dialog.open()
        return dialog

    # -- deleting -------------------------------------------------------------------------
    def _start(self, seqs: list[int] | None, *, keep_pinned: bool) -> None:
        self.running = True
        self._cancel = False
        self.update_enabled(selected_count(self.table))
        progress = QProgressDialog("Deleting captures…", "Cancel", 0, 0, self.window)
        progress.setWindowTitle("Deleting")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(400)
        progress.canceled.connect(self.cancel)
        self.progress = progress
        # The list takes out a few rows one by one; after more, it reads the store again.
        ids: list[str] | None = [] if seqs is not None and len(seqs) <= ROWS_ONE_BY_ONE else None
        work = partial(_delete, self.store, seqs, keep_pinned, lambda: self._cancel, ids)

        def on_progress(done: int, total: int) -> None:
            progress.setMaximum(max(total, 1))
            progress.setValue(min(done, max(total, 1)))

        def finish(n: int, error: str = "") -> None:
            if self._detached:
                return  # the window closed; the store may be closed too
            self.running = False
            self.progress = None
            progress.reset()
            progress.deleteLater()
            # Announced here, on the UI thread, for the list and the counts.
            if ids:
                self.store.removed.emit(ids)
            elif n or error:
                self.model.set_filter(self.model.filter)
                self.model.total = self.store.count()
                self.model.counts_changed.emit()
            self.update_enabled(selected_count(self.table))
            if error:
                say(self.window, f"Deleting failed: {error}", level="error")
                return
            stopped = " (cancelled: the rest are kept)" if self._cancel else ""
            say(self.window, f"Deleted {_captures(n)}{stopped}")
            self.deleted.emit(n)

        def crashed(exc: BaseException) -> None:
            finish(0, f"{exc.__class__.__name__}: {exc}")

        workers.submit(work, finish, crashed, on_progress)

    def cancel(self) -> None:
        """Stop after the batch being deleted (what was deleted stays deleted)."""
        self._cancel = True

    def detach(self) -> None:
        """The window is closing: stop, and touch neither the list nor the store after."""
        self._detached = True
        self.cancel()


def _delete(
    store: CaptureStore,
    seqs: list[int] | None,
    keep_pinned: bool,
    cancelled: Callable[[], bool],
    ids: list[str] | None,
    report: workers.Progress,
) -> int:
    return store.delete(
        seqs, keep_pinned=keep_pinned, progress=report, cancelled=cancelled, ids=ids
    )
