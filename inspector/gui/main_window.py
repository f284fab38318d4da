"""The main window: live capture list, filter box, detail pane, status bar, and the docks
(endpoints, tasks, messages). The actions, menus, the empty list's page and the saved layout
live in their own modules (capture_actions, capture_delete, transfer_actions,
tunnel_indicator, view_menu, help_menu, context_menus, empty_state, layout_state); this module
builds the window from them and wires menus, toolbars and selection. Everything the window
tells the user goes through :func:`~inspector.gui.message_log.say`.
"""

from __future__ import annotations

import asyncio
from functools import partial

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
    QDockWidget,
    QLabel,
    QLineEdit,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolBar,
    QWidget,
)

from inspector.core.capture import Capture
from inspector.core.endpoints import Endpoint
from inspector.core.store import CaptureFilter, CaptureStore
from inspector.core.tasks import Task
from inspector.core.vendors import all_vendors
from inspector.core.words import plural
from inspector.gui import workers
from inspector.gui.capture_actions import CaptureActions
from inspector.gui.capture_delete import DeleteActions
from inspector.gui.capture_model import CaptureTableModel
from inspector.gui.columns import capture_columns, tooltips_for_cut_text
from inspector.gui.context_menus import (
    ContextMenu,
    EndpointActions,
    TaskActions,
    capture_entries,
    fill_menu,
)
from inspector.gui.detail import DetailPane
from inspector.gui.empty_state import EmptyState
from inspector.gui.endpoints_panel import EndpointsPanel
from inspector.gui.filter_combos import filter_combos
from inspector.gui.help_menu import HelpMenu
from inspector.gui.layout_state import WindowLayout, size_side_dock
from inspector.gui.loop_tasks import LoopTasks
from inspector.gui.message_log import MessageLog, follow_status_tooltip, messages_dock, say
from inspector.gui.selection import (
    first_selected_row,
    selected_count,
    selected_rows,
    selected_spans,
)
from inspector.gui.services import AppServices
from inspector.gui.settings_dialog import SettingsDialog
from inspector.gui.submit_dialog import SubmitDialog
from inspector.gui.tasks_view import TasksView
from inspector.gui.traffic_chart import add_traffic_dock
from inspector.gui.transfer_actions import TransferActions
from inspector.gui.tray import Tray
from inspector.gui.tunnel_indicator import TunnelIndicator
from inspector.gui.view_menu import ViewMenu, save_theme
from inspector.gui.widgets import make_action

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
        self.messages = MessageLog(self)
        self.loop_tasks = LoopTasks(lambda message: say(self, message, level="error"))
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
        self.table.setTabKeyNavigation(False)
        self.table.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.path_room = capture_columns(self.table)

        self.detail = DetailPane()
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.table)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setObjectName("list-detail-splitter")
        splitter.addWidget(self.list_stack)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        self.setCentralWidget(splitter)
        self.splitter = splitter

        self.endpoints_panel = EndpointsPanel(
            services.endpoints, self.local_url, lambda: self.services.public_url
        )
        self.endpoints_panel.message.connect(lambda m: say(self, m))
        tooltips_for_cut_text(self.endpoints_panel.view)
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
        tooltips_for_cut_text(self.tasks_view.tree)
        self.messages_dock, self.messages_view = messages_dock(self, self.messages)
        self.submit_dialog: SubmitDialog | None = None
        self._shown_once = False
        self.settings_dialog: SettingsDialog | None = None
        self.captures = CaptureActions(
            self, store, services, self.detail, self.selected_captures, self.loop_tasks
        )
        self.captures.open_endpoint_draft = self._open_endpoint_draft
        self.transfers = TransferActions(
            self,
            store,
            self.model,
            lambda: self.model.seqs_in(selected_spans(self.table)),
            self._update_counts,
            self.captures.reveal_secrets,
        )
        self.tunnel_indicator = TunnelIndicator(
            self,
            services,
            self.loop_tasks,
            self.endpoints_panel.public_url_changed,
            self.open_settings,
        )
        self.tunnel_indicator.changed.connect(self.tunnel_changed)
        self.quitting = False
        self.tray = Tray(self, services, self.tunnel_indicator, self.quit, icon=icon)
        self.traffic, self.traffic_dock = add_traffic_dock(self, store, self.tasks_dock)
        self.deleting = DeleteActions(self, store, self.model, self.table)
        self.deleting.deleted.connect(
            lambda _n: self._on_selection_changed(QItemSelection(), QItemSelection())
        )
        # Clear all empties the search index; what it kept is indexed again meanwhile.
        self.deleting.deleted.connect(lambda _n: services.index_in_background())
        self.help = HelpMenu(self, services.data_dir)
        self.layout_state = WindowLayout(
            self,
            services.data_dir,
            splitters={"list-detail": splitter, "tasks": self.tasks_view.splitter},
            headers={
                "captures": self.table.horizontalHeader(),
                "endpoints": self.endpoints_panel.view.horizontalHeader(),
                "tasks": self.tasks_view.tree.header(),
                "messages": self.messages_view.table.horizontalHeader(),
            },
            roomy={"captures": self.path_room},
        )
        self._build_toolbar()
        self._build_menus()
        self._build_status_bar()
        self.empty_state = EmptyState(
            self.local_url,
            send_sample=lambda: self.send_sample(all_vendors()[0].id),
            tunnel_action=self.tunnel_indicator.toggle_action,
            clear_filter=self.clear_filter,
            on_copied=lambda text: say(self, f"Copied {text}", 3000),
        )
        self.list_stack.addWidget(self.empty_state)

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DEBOUNCE_MS)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.filter_edit.textChanged.connect(self._filter_timer.start)
        self.validation_combo.currentIndexChanged.connect(self.apply_filter)
        self.vendor_combo.currentIndexChanged.connect(self.apply_filter)
        self.via_combo.currentIndexChanged.connect(self.apply_filter)
        self.detail.vendor.task_filter_requested.connect(self._on_task_filter_requested)
        self._unsubscribe_tunnel = services.tunnel.subscribe(self.tunnel_indicator.show_status)
        self._unsubscribe_warned = services.warned.connect(
            lambda message: say(self, f"Warning: {message}", level="warning")
        )
        self.tunnel_indicator.show_status(services.tunnel.status)

        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.model.rowsAboutToBeInserted.connect(self._on_rows_about_to_be_inserted)
        self.model.rowsInserted.connect(self._on_rows_inserted)
        self.model.counts_changed.connect(self._update_counts)
        self.empty_state.follow(self.model, self.list_stack, self.table)
        self._scroll_before_insert = 0
        self._loading_id: str | None = None
        self._update_counts()
        self._update_actions()
        self._layout_restored = self.layout_state.restore()
        # Refused requests store nothing, so no store event tells us: look once a second.
        self._stats_timer = QTimer(self)
        self._stats_timer.setInterval(1000)
        self._stats_timer.timeout.connect(self._update_counts)
        self._stats_timer.start()

    # -- construction -------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        transfers, captures = self.transfers, self.captures
        file_menu.addAction(transfers.import_action)
        file_menu.addAction(transfers.export_all_action)
        file_menu.addAction(transfers.export_shown_action)
        file_menu.addAction(transfers.export_selected_action)
        file_menu.addAction(captures.reveal_action)  # also in Capture: one shared choice
        file_menu.addSeparator()
        file_menu.addAction(make_action(self, "Settings…", self.open_settings, "Ctrl+,"))
        file_menu.addSeparator()
        file_menu.addAction(make_action(self, "Quit", self.quit, "Ctrl+Q"))
        capture_menu = self.menuBar().addMenu("&Capture")
        capture_menu.addAction(captures.replay_action)
        capture_menu.addAction(captures.edit_replay_action)
        capture_menu.addAction(captures.compare_action)
        capture_menu.addAction(captures.pin_action)
        capture_menu.addAction(captures.new_endpoint_action)
        capture_menu.addSeparator()
        for action in captures.copy_actions.values():
            capture_menu.addAction(action)
        capture_menu.addAction(captures.reveal_action)
        capture_menu.addAction(self.tray.pause_action)
        capture_menu.addSeparator()
        capture_menu.addAction(self.deleting.delete_action)
        capture_menu.addAction(self.deleting.clear_action)
        self.capture_menu = capture_menu
        self.endpoint_actions = EndpointActions(self, self.endpoints_panel)
        endpoints_menu = self.menuBar().addMenu("&Endpoints")
        fill_menu(endpoints_menu, self.endpoint_actions.entries())
        samples = self.menuBar().addMenu("&Vendors")
        samples.setToolTipsVisible(True)
        self.sample_actions: dict[tuple[str, str], QAction] = {}
        for vendor in all_vendors():
            sub = samples.addMenu(vendor.title)
            for event in vendor.events:
                action = make_action(
                    self, event, lambda _=False, v=vendor.id, e=event: self.send_sample(v, e)
                )
                sub.addAction(action)
                self.sample_actions[(vendor.id, event)] = action
        samples.addSeparator()
        self.submit_action = make_action(
            self,
            "Submit test task…",
            self.open_submit,
            "Ctrl+T",
            "Send a file to a vendor's API with your webhook URL and follow its callbacks",
        )
        samples.addAction(self.submit_action)
        self.task_actions = TaskActions(self, self.tasks_view, self.submit_action)
        samples.addAction(self.task_actions.fetch_action)
        samples.addAction(self.task_actions.callbacks_action)
        tunnel_menu = self.menuBar().addMenu("&Tunnel")
        tunnel_menu.addAction(self.tunnel_indicator.toggle_action)
        tunnel_menu.addAction(self.tunnel_indicator.copy_url_action)
        tunnel_menu.addSeparator()
        tunnel_menu.addAction(self.tunnel_indicator.settings_action)
        self.view_menu = ViewMenu(
            self,
            self.menuBar().addMenu("&View"),
            docks=[self.endpoints_dock, self.tasks_dock, self.traffic_dock],
            messages_dock=self.messages_dock,
            toolbars=[self.main_toolbar, self.filter_toolbar],
            theme=self.services.settings.theme,
            theme_chosen=lambda theme: save_theme(self, self.services, theme),
        )
        self.help.fill(self.menuBar().addMenu("&Help"))
        self.capture_context = ContextMenu(
            self.table, partial(capture_entries, self.captures, self.deleting)
        )
        self.table.addActions([*captures.context_actions(), self.deleting.delete_action])
        self.addAction(make_action(self, "Clear the filter", self.clear_filter, "Esc"))

    def _build_toolbar(self) -> None:
        bar = QToolBar("Main")
        bar.setObjectName("main-toolbar")
        self.main_toolbar = bar
        bar.setMovable(False)
        self.addToolBar(bar)
        bar.addAction(self.captures.replay_action)
        bar.addAction(self.captures.edit_replay_action)
        bar.addAction(self.captures.compare_action)
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
        bar.addAction(self.tunnel_indicator.toggle_action)
        bar.addAction(self.tunnel_indicator.copy_url_action)
        # Filters get a row of their own so nothing hides behind the overflow arrow.
        self.addToolBarBreak()
        bar = QToolBar("Filter")
        bar.setObjectName("filter-toolbar")
        self.filter_toolbar = bar
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
        find = QAction("Go to the filter", self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(lambda: self.filter_edit.setFocus())
        self.addAction(find)
        self.vendor_combo, self.validation_combo, self.via_combo = filter_combos()
        bar.addWidget(self.vendor_combo)
        bar.addWidget(self.validation_combo)
        bar.addWidget(self.via_combo)

    def _build_status_bar(self) -> None:
        self.count_label = QLabel("")
        self.count_label.setObjectName("count")
        self.statusBar().addPermanentWidget(self.tunnel_indicator.label)
        self.statusBar().addPermanentWidget(self.tunnel_indicator.settings_button)
        self.statusBar().addPermanentWidget(self.count_label)
        follow_status_tooltip(self)
        say(self, f"Listening on {self.local_url}", 0)

    # -- behaviour ----------------------------------------------------------------------
    def copy_local_url(self) -> None:
        QGuiApplication.clipboard().setText(self.local_url)
        say(self, f"Copied {self.local_url}", 3000)

    def current_filter(self) -> CaptureFilter:
        return CaptureFilter(
            text=self.filter_edit.text().strip(),
            validation=self.validation_combo.currentData(),
            vendor=self.vendor_combo.currentData(),
            via=self.via_combo.currentData(),
        )

    def apply_filter(self) -> None:
        # Searched in a worker (the model drops an older search when a newer one starts);
        # the selection is put back when the rows arrive.
        self._filter_timer.stop()
        selected = self.selected_capture_id()

        def reselect() -> None:
            if selected and self.select_capture(selected):
                return
            # The capture shown is now hidden (or none was selected): the pane shows
            # nothing rather than a capture the list no longer has.
            self.table.clearSelection()
            self.detail.clear()

        self.model.request_filter(self.current_filter(), then=reselect)

    def clear_filter(self) -> None:
        """Show every capture again: no text, any vendor, validation and origin (Esc)."""
        self.filter_edit.clear()
        for combo in (self.vendor_combo, self.validation_combo, self.via_combo):
            combo.setCurrentIndex(0)
        self.apply_filter()

    def selected_capture_id(self) -> str | None:
        row = first_selected_row(self.table)
        if row is None:
            return None
        capture = self.model.capture_at(row)
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

    # -- dialogs --------------------------------------------------------------------------
    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(
            self.services.settings,
            self.services.secrets,
            self.services.data_dir,
            self.services.install_agent,
            parent=self,
        )
        dialog.accepted.connect(
            lambda: say(
                self, "Settings saved; tunnel settings apply the next time the tunnel starts"
            )
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        self.settings_dialog = dialog
        return dialog

    def _open_endpoint_draft(self, draft: Endpoint) -> None:
        self.endpoints_dock.show()
        self.endpoints_dock.raise_()
        self.endpoints_panel.add_endpoint_from(draft)

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

    # -- samples --------------------------------------------------------------------------
    def send_sample(self, vendor: str, event: str | None = None) -> asyncio.Future[list[str]]:
        async def go() -> list[str]:
            lines = await self.services.simulate(vendor, event)
            say(self, f"Sample {vendor} {event or ''}: " + "; ".join(lines))
            return lines

        return self.loop_tasks.spawn(go(), f"sending the {vendor} sample")

    # -- selection and the detail pane ------------------------------------------------------
    def selected_captures(self) -> list[Capture]:
        """Selected captures (without bodies), top to bottom."""
        out = []
        for row in selected_rows(self.table):
            capture = self.model.capture_at(row)
            if capture is not None:
                out.append(capture)
        return out

    def _update_actions(self) -> None:
        selected = selected_count(self.table)
        self.captures.update_enabled(selected)
        self.transfers.update_enabled(selected)
        self.deleting.update_enabled(selected)

    def _on_selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        self._update_actions()
        row = first_selected_row(self.table)
        if row is None:
            self.detail.clear()
            return
        summary = self.model.capture_at(row)
        if summary is None:
            return
        if self.detail.capture is not None and self.detail.capture.id == summary.id:
            return
        if summary.body_size > LOAD_IN_WORKER_BYTES:
            # Reading many MiB from SQLite on the UI thread stalls the loop (docs/performance.md).
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
        text = (
            plural(total, "capture", grouped=True)
            if shown == total
            else f"{shown:,} of {total:,} shown"
        )
        refused = self.services.rate_limited_count()
        if refused:
            text += f" · {refused:,} rate-limited (429)"
        if self.services.capture_paused:
            text += f" · capture paused, {self.services.paused_count():,} refused (503)"
        if self.model.searching:
            text += " · searching…"
        indexing = self.services.index_status()
        if indexing:
            text += f" · {indexing}"
        self.count_label.setText(text)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown_once:
            # Dock sizes only apply to a laid-out window: give the list the room first
            # (unless the user's own layout was restored).
            self._shown_once = True
            if not self._layout_restored:
                # After the first layout: during showEvent the dock's size hint still wins.
                QTimer.singleShot(0, partial(size_side_dock, self, self.endpoints_dock))

    def quit(self) -> None:
        """Close the window and stop listening, even when closing would hide it in the tray."""
        self.quitting = True
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.quitting and self.tray.hide_on_close(event):
            return
        self.tray.detach()
        self.traffic.detach()
        self.layout_state.save()
        self._filter_timer.stop()  # a pending filter must not read the store after it closed
        self.deleting.detach()
        self.transfers.cancel()
        self.loop_tasks.cancel_all()
        self._unsubscribe_tunnel()
        self._unsubscribe_warned()
        self.tasks_view.detach()
        self.model.detach()
        super().closeEvent(event)
        self.closed.emit()
