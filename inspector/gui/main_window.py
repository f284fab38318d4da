"""The main window: live capture list, filter box, detail pane and status bar."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QIcon, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QSplitter,
    QTableView,
    QToolBar,
    QWidget,
)

from inspector.core.store import CaptureFilter, CaptureStore
from inspector.gui.capture_model import CaptureTableModel
from inspector.gui.detail import DetailPane

FILTER_DEBOUNCE_MS = 200


class MainWindow(QMainWindow):
    """One window per data directory; closing it stops the listener."""

    #: emitted once the window has closed (the app then shuts the services down)
    closed = Signal()

    def __init__(
        self,
        store: CaptureStore,
        local_url: str,
        *,
        icon: QIcon | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.store = store
        self.local_url = local_url
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
        hh.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for col, width in ((0, 100), (1, 70), (3, 60), (4, 90), (5, 150), (6, 80), (7, 80)):
            self.table.setColumnWidth(col, width)

        self.detail = DetailPane()
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        self.setCentralWidget(splitter)

        self._build_toolbar()
        self._build_status_bar()

        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DEBOUNCE_MS)
        self._filter_timer.timeout.connect(self.apply_filter)
        self.filter_edit.textChanged.connect(self._filter_timer.start)
        self.validation_combo.currentIndexChanged.connect(self.apply_filter)

        self.table.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.model.rowsAboutToBeInserted.connect(self._on_rows_about_to_be_inserted)
        self.model.rowsInserted.connect(self._on_rows_inserted)
        self.model.counts_changed.connect(self._update_counts)
        self._scroll_before_insert = 0
        self._update_counts()

    # -- construction -------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        bar = QToolBar("Main")
        bar.setObjectName("main-toolbar")
        bar.setMovable(False)
        self.addToolBar(bar)
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
        self.filter_edit = QLineEdit()
        self.filter_edit.setObjectName("filter")
        self.filter_edit.setPlaceholderText("Filter path, headers, body…  (Ctrl+F)")
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
        bar.addWidget(self.validation_combo)

    def _build_status_bar(self) -> None:
        self.count_label = QLabel("")
        self.count_label.setObjectName("count")
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

    def _on_selection_changed(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.detail.clear()
            return
        summary = self.model.capture_at(rows[0].row())
        if summary is None:
            return
        if self.detail.capture is not None and self.detail.capture.id == summary.id:
            return
        full = self.store.get(summary.id)
        if full is not None:
            self.detail.show_capture(full)

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
        self.count_label.setText(text)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.model.detach()
        super().closeEvent(event)
        self.closed.emit()
