"""The main window: live capture list, filter box, detail pane, status bar, and the
actions on captures (replay, edit and replay, copy as, compare, export, import).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QItemSelection,
    QModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QIcon, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressDialog,
    QSplitter,
    QTableView,
    QToolBar,
    QWidget,
)

from inspector.core.capture import Capture
from inspector.core.simulate import vendor_events
from inspector.core.snippets import snippet
from inspector.core.store import CaptureFilter, CaptureStore, ReplayRecord
from inspector.core.tasks import Task
from inspector.gui import workers
from inspector.gui.capture_model import CaptureTableModel, Column
from inspector.gui.detail import DetailPane
from inspector.gui.dialogs import DiffDialog, EditReplayDialog, Resigner
from inspector.gui.endpoints_panel import EndpointsPanel
from inspector.gui.meaning import VENDOR_TITLES
from inspector.gui.services import AppServices, TunnelView
from inspector.gui.settings_dialog import SettingsDialog
from inspector.gui.submit_dialog import SubmitDialog
from inspector.gui.tasks_view import TasksView
from inspector.gui.transfer import ExportJob, ImportJob, TransferJob

TUNNEL_COLOURS = {"off": "#8a8a8a", "starting": "#b86e00", "online": "#1b7f3b", "error": "#b3261e"}
SNIPPET_LABELS = (
    ("curl", "cURL"),
    ("httpie", "HTTPie"),
    ("requests", "Python requests"),
    ("aiohttp", "Python aiohttp"),
)

#: Starting widths in pixels; the path column takes the rest.
COLUMN_WIDTHS = {
    Column.TIME: 95,
    Column.METHOD: 65,
    Column.STATUS: 55,
    Column.VENDOR: 75,
    Column.EVENT: 140,
    Column.VALIDATION: 70,
    Column.FORWARD: 70,
    Column.SIZE: 70,
}
FILTER_DEBOUNCE_MS = 200
LOAD_IN_WORKER_BYTES = 4 * 1024 * 1024


def _read_capture(store: CaptureStore, capture_id: str, report: workers.Progress) -> Capture | None:
    return store.get(capture_id)


class MainWindow(QMainWindow):
    """One window per data directory; closing it stops the listener."""

    #: emitted once the window has closed (the app then shuts the services down)
    closed = Signal()
    #: emitted after the tunnel indicator changed
    tunnel_changed = Signal()

    def __init__(
        self,
        store: CaptureStore,
        services: AppServices,
        *,
        icon: QIcon | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.services = services
        self.local_url = services.local_url
        self._tasks: set[asyncio.Future[Any]] = set()
        self._job: TransferJob | None = None
        self.progress: QProgressDialog | None = None
        self.setWindowTitle("Webhook Inspector")
        if icon is not None:
            self.setWindowIcon(icon)
        self.resize(1280, 780)

        self.model = CaptureTableModel(store, self)
        self.table = QTableView()
        self.table.setObjectName("capture-table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setStretchLastSection(False)
        hh.setSectionResizeMode(Column.PATH, QHeaderView.ResizeMode.Stretch)
        for column, width in COLUMN_WIDTHS.items():
            self.table.setColumnWidth(column, width)

        self.detail = DetailPane()
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        self.setCentralWidget(splitter)

        self.endpoints_panel = EndpointsPanel(
            services.endpoints, self.local_url, lambda: self.services.public_url
        )
        self.endpoints_panel.message.connect(lambda m: self.statusBar().showMessage(m, 5000))
        dock = QDockWidget("Endpoints", self)
        dock.setObjectName("endpoints-dock")
        dock.setWidget(self.endpoints_panel)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetClosable
            | QDockWidget.DockWidgetFeature.DockWidgetMovable
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.endpoints_dock = dock
        self.tasks_view = TasksView(services)
        self.tasks_view.show_callbacks_requested.connect(self._on_task_filter_requested)
        tasks_dock = QDockWidget("Tasks", self)
        tasks_dock.setObjectName("tasks-dock")
        tasks_dock.setWidget(self.tasks_view)
        tasks_dock.setFeatures(dock.features())
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, tasks_dock)
        self.tabifyDockWidget(dock, tasks_dock)
        dock.raise_()
        self.tasks_dock = tasks_dock
        self.submit_dialog: SubmitDialog | None = None
        self._shown_once = False
        self.settings_dialog: SettingsDialog | None = None
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DEBOUNCE_MS)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.filter_edit.textChanged.connect(self._filter_timer.start)
        self.validation_combo.currentIndexChanged.connect(self.apply_filter)
        self.vendor_combo.currentIndexChanged.connect(self.apply_filter)
        self.detail.vendor.task_filter_requested.connect(self._on_task_filter_requested)
        self._unsubscribe_tunnel = services.tunnel.subscribe(self._on_tunnel_status)
        self._unsubscribe_warned = services.warned.connect(
            lambda message: self.statusBar().showMessage(f"Warning: {message}", 30_000)
        )
        self._on_tunnel_status(services.tunnel.status)

        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.model.rowsAboutToBeInserted.connect(self._on_rows_about_to_be_inserted)
        self.model.rowsInserted.connect(self._on_rows_inserted)
        self.model.counts_changed.connect(self._update_counts)
        self._scroll_before_insert = 0
        self._loading_id: str | None = None
        self.last_job_message = ""
        self._update_counts()
        self._update_actions()
        # Refused requests store nothing, so no store event tells us: look once a second.
        self._stats_timer = QTimer(self)
        self._stats_timer.setInterval(1000)
        self._stats_timer.timeout.connect(self._update_counts)
        self._stats_timer.start()

    # -- construction -------------------------------------------------------------------
    def _action(
        self, text: str, slot: object, shortcut: str | None = None, tip: str = ""
    ) -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setToolTip(tip)
            action.setStatusTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        self.replay_action = self._action(
            "Replay",
            self.replay_selected,
            "Ctrl+R",
            "Send the selected capture again to the listener",
        )
        self.edit_replay_action = self._action(
            "Edit and replay…", self.edit_and_replay, "Ctrl+E", "Change the request, then send it"
        )
        self.pin_action = self._action(
            "Pin / unpin",
            self.toggle_pin,
            "Ctrl+P",
            "Pinned captures are kept when the store's size cap removes the oldest",
        )
        self.compare_action = self._action(
            "Compare",
            self.compare_selected,
            "Ctrl+D",
            "Diff the bodies and headers of two captures",
        )
        self.import_action = self._action("Import…", self.import_file, "Ctrl+O")
        self.export_all_action = self._action("Export all…", lambda: self.export_captures("all"))
        self.export_shown_action = self._action(
            "Export shown…", lambda: self.export_captures("shown")
        )
        self.export_selected_action = self._action(
            "Export selected…", lambda: self.export_captures("selected")
        )
        self.tunnel_action = self._action(
            "Start tunnel", self.toggle_tunnel, tip="Expose the listener on a public HTTPS URL"
        )
        self.copy_public_action = self._action(
            "Copy public URL", self.copy_public_url, tip="Copy the tunnel's public URL"
        )
        self.copy_public_action.setEnabled(False)
        self.reveal_action = QAction("Reveal secrets in copies", self)
        self.reveal_action.setCheckable(True)
        self.copy_actions = {
            kind: self._action(f"Copy as {label}", lambda _=False, k=kind: self.copy_as(k))
            for kind, label in SNIPPET_LABELS
        }

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(self.import_action)
        file_menu.addAction(self.export_all_action)
        file_menu.addAction(self.export_shown_action)
        file_menu.addAction(self.export_selected_action)
        file_menu.addSeparator()
        file_menu.addAction(self._action("Settings…", self.open_settings, "Ctrl+,"))
        file_menu.addAction(self.endpoints_dock.toggleViewAction())
        file_menu.addSeparator()
        file_menu.addAction(self._action("Quit", self.close, "Ctrl+Q"))
        capture_menu = self.menuBar().addMenu("&Capture")
        capture_menu.addAction(self.replay_action)
        capture_menu.addAction(self.edit_replay_action)
        capture_menu.addAction(self.compare_action)
        capture_menu.addAction(self.pin_action)
        capture_menu.addSeparator()
        for action in self.copy_actions.values():
            capture_menu.addAction(action)
        capture_menu.addAction(self.reveal_action)
        self.capture_menu = capture_menu
        samples = self.menuBar().addMenu("&Vendors")
        samples.setToolTipsVisible(True)
        self.sample_actions: dict[tuple[str, str], QAction] = {}
        for vendor, title in VENDOR_TITLES.items():
            sub = samples.addMenu(title)
            for event in vendor_events(vendor):
                action = self._action(
                    event, lambda _=False, v=vendor, e=event: self.send_sample(v, e)
                )
                sub.addAction(action)
                self.sample_actions[(vendor, event)] = action
        samples.addSeparator()
        self.submit_action = self._action(
            "Submit test task…",
            self.open_submit,
            "Ctrl+T",
            "Send a file to a vendor's API with your webhook URL and follow its callbacks",
        )
        samples.addAction(self.submit_action)
        samples.addAction(self.tasks_dock.toggleViewAction())
        tunnel_menu = self.menuBar().addMenu("&Tunnel")
        tunnel_menu.addAction(self.tunnel_action)
        tunnel_menu.addAction(self.copy_public_action)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for action in (
            self.replay_action,
            self.edit_replay_action,
            self.compare_action,
            self.pin_action,
        ):
            self.table.addAction(action)
        for action in self.copy_actions.values():
            self.table.addAction(action)

    def _build_toolbar(self) -> None:
        bar = QToolBar("Main")
        bar.setObjectName("main-toolbar")
        bar.setMovable(False)
        self.addToolBar(bar)
        bar.addAction(self.replay_action)
        bar.addAction(self.edit_replay_action)
        bar.addAction(self.compare_action)
        bar.addSeparator()
        self.url_label = QLabel(f"  {self.local_url}  ")
        self.url_label.setObjectName("local-url")
        self.url_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar.addWidget(QLabel("Listening on"))
        bar.addWidget(self.url_label)
        copy = QAction("Copy URL", self)
        copy.setToolTip("Copy the local listener URL")
        copy.triggered.connect(self.copy_local_url)
        bar.addAction(copy)
        bar.addSeparator()
        bar.addAction(self.tunnel_action)
        bar.addAction(self.copy_public_action)
        # Filters get a row of their own so nothing hides behind the overflow arrow.
        self.addToolBarBreak()
        bar = QToolBar("Filter")
        bar.setObjectName("filter-toolbar")
        bar.setMovable(False)
        self.addToolBar(bar)
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("filter")
        self.filter_edit.setPlaceholderText("Filter path, headers, body…  (Ctrl+F)")
        self.filter_edit.setToolTip(
            "Shows captures whose request line, headers, vendor or first 64 KiB of body "
            "contain this text (case is ignored)"
        )
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setMinimumWidth(320)
        bar.addWidget(self.filter_edit)
        find = QAction(self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(lambda: self.filter_edit.setFocus())
        self.addAction(find)
        self.validation_combo = QComboBox()
        self.validation_combo.setObjectName("validation-filter")
        for label, value in (
            ("Any validation", None),
            ("Valid", "valid"),
            ("Invalid", "invalid"),
            ("Missing", "missing"),
            ("Unchecked", "unchecked"),
        ):
            self.validation_combo.addItem(label, value)
        self.vendor_combo = QComboBox()
        self.vendor_combo.setObjectName("vendor-filter")
        self.vendor_combo.addItem("Any vendor", None)
        for vendor, title in VENDOR_TITLES.items():
            self.vendor_combo.addItem(title, vendor)
        bar.addWidget(self.vendor_combo)
        bar.addWidget(self.validation_combo)

    def _build_status_bar(self) -> None:
        self.count_label = QLabel("")
        self.count_label.setObjectName("count")
        self.tunnel_label = QLabel("")
        self.tunnel_label.setObjectName("tunnel-indicator")
        self.tunnel_label.setTextFormat(Qt.TextFormat.PlainText)
        self.statusBar().addPermanentWidget(self.tunnel_label)
        self.statusBar().addPermanentWidget(self.count_label)
        self.statusBar().showMessage(f"Listening on {self.local_url}")

    # -- behaviour ----------------------------------------------------------------------
    def copy_local_url(self) -> None:
        QGuiApplication.clipboard().setText(self.local_url)
        self.statusBar().showMessage(f"Copied {self.local_url}", 3000)

    def current_filter(self) -> CaptureFilter:
        return CaptureFilter(
            text=self.filter_edit.text().strip(),
            validation=self.validation_combo.currentData(),
            vendor=self.vendor_combo.currentData(),
        )

    def apply_filter(self) -> None:
        self._filter_timer.stop()
        selected = self.selected_capture_id()
        self.model.set_filter(self.current_filter())
        if selected:
            self.select_capture(selected)

    def selected_capture_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        capture = self.model.capture_at(rows[0].row())
        return capture.id if capture else None

    def select_capture(self, capture_id: str) -> bool:
        capture = self.store.get(capture_id, with_body=False)
        if capture is None:
            return False
        row = self.model.row_of_seq(capture.seq)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def _on_task_filter_requested(self, task_id: str) -> None:
        self.filter_edit.setText(task_id)
        self.apply_filter()

    # -- tunnel ---------------------------------------------------------------------------
    def _on_tunnel_status(self, status: TunnelView) -> None:
        state, url, reason, warning = status.state, status.public_url, status.reason, status.warning
        colour = TUNNEL_COLOURS.get(state, "#8a8a8a")
        if state == "online":
            text = f"● Tunnel online: {url}" + (f" ({warning})" if warning else "")
        elif state == "starting":
            text = "● Tunnel starting…"
        elif state == "error":
            text = f"● Tunnel error: {reason}"
        else:
            text = "● Tunnel off"
        self.tunnel_label.setText(text)
        self.tunnel_label.setToolTip(reason or url or "")
        self.tunnel_label.setStyleSheet(f"color: {colour};")
        self.tunnel_state = state
        self.tunnel_action.setText(
            "Stop tunnel" if state in ("online", "starting") else "Start tunnel"
        )
        self.copy_public_action.setEnabled(state == "online" and bool(url))
        self.endpoints_panel.public_url_changed()
        if state == "online" and self.services.url_changed_from:
            stale = ", ".join(self.services.endpoints_with_stale_url())
            self.statusBar().showMessage(
                f"The public URL changed (was {self.services.url_changed_from}): update the "
                f"webhook URL registered at your vendors" + (f" for {stale}" if stale else ""),
                30_000,
            )
        elif state == "error":
            self.statusBar().showMessage(f"Tunnel: {reason}. Still listening locally.", 30_000)
        self.tunnel_changed.emit()

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(
            self.services.settings,
            self.services.secrets,
            self.services.data_dir,
            self.services.install_agent,
            parent=self,
        )
        dialog.accepted.connect(
            lambda: self.statusBar().showMessage(
                "Settings saved; tunnel settings apply the next time the tunnel starts", 8000
            )
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.settings_dialog = dialog
        return dialog

    def open_submit(self) -> SubmitDialog:
        dialog = SubmitDialog(self.services, self)

        def on_submitted(task: Task) -> None:
            self.tasks_view.set_api_base(dialog.api_base(), vendor=task.vendor)
            self.tasks_dock.show()
            self.tasks_dock.raise_()

        dialog.submitted.connect(on_submitted)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.submit_dialog = dialog
        return dialog

    def toggle_tunnel(self) -> None:
        if self.tunnel_state in ("online", "starting"):
            self._spawn(self.services.stop_tunnel(), "stopping the tunnel")
        else:
            self._spawn(self.services.start_tunnel(), "starting the tunnel")

    def copy_public_url(self) -> None:
        url = self.services.public_url
        if url:
            QGuiApplication.clipboard().setText(url)
            self.statusBar().showMessage(f"Copied {url}", 3000)

    # -- samples --------------------------------------------------------------------------
    def send_sample(self, vendor: str, event: str | None = None) -> asyncio.Future[Any]:
        async def go() -> list[str]:
            lines = await self.services.simulate(vendor, event)
            self.statusBar().showMessage(
                f"Sample {vendor} {event or ''}: " + "; ".join(lines), 8000
            )
            return lines

        return self._spawn(go(), f"sending the {vendor} sample")

    def selected_captures(self) -> list[Capture]:
        """Selected captures (without bodies), top to bottom."""
        rows = sorted(i.row() for i in self.table.selectionModel().selectedRows())
        out = []
        for row in rows:
            capture = self.model.capture_at(row)
            if capture is not None:
                out.append(capture)
        return out

    def _update_actions(self) -> None:
        n = len(self.table.selectionModel().selectedRows())
        self.replay_action.setEnabled(n >= 1)
        self.pin_action.setEnabled(n >= 1)
        self.edit_replay_action.setEnabled(n == 1)
        self.compare_action.setEnabled(n == 2)
        self.export_selected_action.setEnabled(n >= 1)
        for action in self.copy_actions.values():
            action.setEnabled(n == 1)

    # -- replay ---------------------------------------------------------------------------
    def _spawn(self, coro: Coroutine[Any, Any, Any], what: str) -> asyncio.Future[Any]:
        task: asyncio.Future[Any] = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def done(t: asyncio.Future[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                self.statusBar().showMessage(f"{what} failed: {t.exception()}", 8000)

        task.add_done_callback(done)
        return task

    def toggle_pin(self) -> None:
        selected = self.selected_captures()
        if not selected:
            return
        pin = not all(c.pinned for c in selected)
        self.store.set_pinned([c.id for c in selected], pin)
        verb = "Pinned" if pin else "Unpinned"
        self.statusBar().showMessage(f"{verb} {len(selected)} capture(s)", 5000)

    def replay_selected(self) -> None:
        for summary in self.selected_captures():
            capture = self.store.get(summary.id)
            if capture is None:
                continue
            if capture.truncated:
                self.statusBar().showMessage(
                    f"#{capture.seq} was truncated (over the body limit): not replayed", 8000
                )
                continue
            self._spawn(self._replay_and_report(capture), "replay")

    async def _replay_and_report(self, capture: Capture) -> ReplayRecord:
        record = await self.services.replay(capture, None)
        if record.error:
            self.statusBar().showMessage(f"Replay of #{capture.seq} failed: {record.error}", 8000)
        else:
            self.statusBar().showMessage(
                f"Replayed #{capture.seq}: {record.status} in {record.latency_ms or 0:.0f} ms", 8000
            )
        if self.detail.capture is not None and self.detail.capture.id == capture.id:
            self.detail.show_replays(self.store.replays_of(capture.id))
        return record

    def edit_and_replay(self) -> EditReplayDialog | None:
        selected = self.selected_captures()
        if len(selected) != 1:
            return None
        capture = self.store.get(selected[0].id)
        if capture is None:
            return None
        resign: Resigner | None = self.services.resigner_for(capture)
        dialog = EditReplayDialog(
            capture, self.local_url, self.services.replay, resign=resign, parent=self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.edit_dialog = dialog
        return dialog

    def compare_selected(self) -> DiffDialog | None:
        selected = self.selected_captures()
        if len(selected) != 2:
            self.statusBar().showMessage("Select exactly two captures to compare", 5000)
            return None
        older, newer = sorted(selected, key=lambda c: c.seq)
        a, b = self.store.get(older.id), self.store.get(newer.id)
        if a is None or b is None:
            return None
        dialog = DiffDialog(a, b, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        self.diff_dialog = dialog
        return dialog

    def copy_as(self, kind: str) -> str | None:
        selected = self.selected_captures()
        if len(selected) != 1:
            return None
        capture = self.store.get(selected[0].id)
        if capture is None:
            return None
        text = snippet(capture, kind, reveal=self.reveal_action.isChecked())  # type: ignore[arg-type]
        QGuiApplication.clipboard().setText(text)
        masked = "" if self.reveal_action.isChecked() else " (secrets masked)"
        self.statusBar().showMessage(f"Copied #{capture.seq} as {kind}{masked}", 5000)
        return text

    # -- export / import ------------------------------------------------------------------
    def _ids_for(self, which: str) -> list[str]:
        if which == "selected":
            return [c.id for c in sorted(self.selected_captures(), key=lambda c: c.seq)]
        flt = self.model.filter if which == "shown" else None
        return [c.id for c in self.store.list(limit=0, flt=flt, newest_first=False)]

    def export_captures(self, which: str, path: Path | None = None, fmt: str | None = None) -> None:
        ids = self._ids_for(which)
        if not ids:
            self.statusBar().showMessage("Nothing to export", 5000)
            return
        if path is None:
            name, chosen = QFileDialog.getSaveFileName(
                self,
                "Export captures",
                "captures.har",
                "HAR 1.2 (*.har);;Webhook Inspector JSON (*.json)",
            )
            if not name:
                return
            path = Path(name)
            fmt = "json" if "JSON" in chosen or path.suffix == ".json" else "har"
        self._start_job(ExportJob(self.store, ids, path, fmt or "har", mask=False), "Exporting")

    def import_file(self, path: Path | None = None) -> None:
        if path is None:
            name, _ = QFileDialog.getOpenFileName(
                self, "Import captures", "", "HAR or JSON export (*.har *.json);;All files (*)"
            )
            if not name:
                return
            path = Path(name)
        self._start_job(ImportJob(self.store, path), "Importing", reload=True)

    def _start_job(self, job: TransferJob, label: str, reload: bool = False) -> None:
        if self._job is not None:
            self.statusBar().showMessage("Another import or export is running", 5000)
            return
        self._job = job
        progress = QProgressDialog(f"{label}…", "Cancel", 0, 0, self)
        progress.setWindowTitle(label)
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)
        progress.canceled.connect(job.cancel)
        self.progress = progress

        def on_progress(done: int, total: int) -> None:
            progress.setMaximum(max(total, 1))
            progress.setValue(min(done, max(total, 1)))

        def finish(ok: bool, message: str) -> None:
            self._job = None
            progress.reset()
            progress.deleteLater()
            self.progress = None
            if reload:
                self.model.set_filter(self.model.filter)
                self.model.total = self.store.count()
                self._update_counts()
            self.statusBar().showMessage(message if ok else f"{label} failed: {message}", 10000)
            self.last_job_message = message

        def crashed(exc: BaseException) -> None:
            finish(False, f"unexpected error: {exc.__class__.__name__}: {exc}")

        workers.submit(job.run, lambda outcome: finish(*outcome), crashed, on_progress)

    def _on_selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        self._update_actions()
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.detail.clear()
            return
        summary = self.model.capture_at(rows[0].row())
        if summary is None:
            return
        if self.detail.capture is not None and self.detail.capture.id == summary.id:
            return
        if summary.body_size > LOAD_IN_WORKER_BYTES:
            # Reading many MiB from SQLite on the UI thread stalls the loop (~0.1 s at 25 MiB).
            self.detail.title.setText(f"loading {summary.body_size:,} bytes…")
            self._loading_id = summary.id
            workers.submit(partial(_read_capture, self.store, summary.id), self._on_capture_loaded)
            return
        full = self.store.get(summary.id)
        if full is not None:
            self._show_full(full)

    def _on_capture_loaded(self, capture: Capture | None) -> None:
        if capture is not None and capture.id == self._loading_id:
            self._loading_id = None
            self._show_full(capture)

    def _show_full(self, full: Capture) -> None:
        self.detail.show_capture(full)
        self.detail.show_replays(self.store.replays_of(full.id))

    def _on_rows_about_to_be_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        self._scroll_before_insert = self.table.verticalScrollBar().value()

    def _on_rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        # Newest rows go on top. A user at the top follows them; a user who scrolled down
        # keeps looking at the same rows.
        if self._scroll_before_insert > 0:
            bar = self.table.verticalScrollBar()
            bar.setValue(self._scroll_before_insert + (last - first + 1))

    def _update_counts(self) -> None:
        shown = self.model.rowCount()
        total = self.model.total
        text = f"{total:,} captures" if shown == total else f"{shown:,} of {total:,} shown"
        refused = self.services.rate_limited_count()
        if refused:
            text += f" · {refused:,} rate-limited (429)"
        self.count_label.setText(text)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:
            # Dock sizes only apply to a laid-out window: give the list the room first.
            self._shown_once = True
            self.resizeDocks([self.endpoints_dock], [380], Qt.Orientation.Horizontal)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._job is not None:
            self._job.cancel()
        for task in list(self._tasks):
            task.cancel()
        self._unsubscribe_tunnel()
        self._unsubscribe_warned()
        self.tasks_view.detach()
        self.model.detach()
        super().closeEvent(event)
        self.closed.emit()
