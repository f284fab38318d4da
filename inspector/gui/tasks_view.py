"""The Tasks view: every submitted vendor task and its timeline of callbacks.

One top-level row per task (newest first); its children are the timeline of
:func:`inspector.core.tasks.timeline`: submitted, then every callback with its latency
since submission, status and validation badge. Rows are updated in place, so expansion
and selection survive the refreshes that new captures trigger. "Fetch result" asks the
vendor (through the services object) for the task's result and previews it.
"""

from __future__ import annotations

import asyncio
import enum
import json
import logging
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.core.capture import Capture
from inspector.core.secrets import SecretStoreError
from inspector.core.submission import credential_fields
from inspector.core.tasks import SIMULATED, Task, callback_status, is_callback_of, timeline
from inspector.core.vendors import find_vendor
from inspector.gui.credentials_dialog import ask_credentials
from inspector.gui.error_log import log_failure
from inspector.gui.latency_strip import LatencyStrip
from inspector.gui.services import AppServices, TaskResultView
from inspector.gui.theme import colours, set_tone, signals
from inspector.gui.widgets import plain_label

log = logging.getLogger(__name__)


class TaskColumn(enum.IntEnum):
    """The tasks tree's columns, left to right.

    A task's timeline rows (its children) reuse them: the latency under ``VENDOR``, what
    happened under ``TASK_ID``, the validation badge under ``STATUS``.
    """

    VENDOR = 0
    TASK_ID = 1
    FILE = 2
    SUBMITTED = 3
    STATUS = 4
    CALLBACKS = 5


#: The header titles, in :class:`TaskColumn` order.
COLUMNS = ("Vendor", "Task id", "File", "Submitted", "Status", "Callbacks")
#: Starting widths in pixels (the last column takes the rest).
COLUMN_WIDTHS = {
    # "Celantur v2 (simulated)" needs ~160: cut, it is in the cell's tooltip, so that
    # Status and Callbacks, shown next, fit a narrow dock.
    TaskColumn.VENDOR: 120,
    TaskColumn.TASK_ID: 230,
    TaskColumn.FILE: 130,
    TaskColumn.SUBMITTED: 150,
    TaskColumn.STATUS: 90,
    TaskColumn.CALLBACKS: 72,
}
#: Shown first, left to right, so that a narrow dock shows them: the rest follow.
FIRST_COLUMNS = (TaskColumn.VENDOR, TaskColumn.STATUS, TaskColumn.CALLBACKS)
#: Where a timeline row shows its validation badge.
BADGE_COLUMN = TaskColumn.STATUS
#: How long captures may keep arriving before the tree is refreshed once for all of them.
REFRESH_DELAY_MS = 200
#: The preview's largest size; the image is scaled down to fit, keeping its ratio.
PREVIEW_WIDTH, PREVIEW_HEIGHT = 480, 360
_TASK_ROLE = Qt.ItemDataRole.UserRole
EMPTY_TEXT = (
    "No tasks yet: tasks you submit to a vendor appear here, with their callbacks. To try it "
    "without an account or a tunnel: Vendors → Submit test task…, Send to: Sandbox."
)


def _one_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else exc.__class__.__name__


def task_status(task: Task, callbacks: list[Capture]) -> str:
    """The latest status a callback reported, else the task's own ("submitted")."""
    for capture in reversed(callbacks):
        status = callback_status(capture)
        if status:
            return status
    return task.status


def task_row(task: Task, callbacks: list[Capture]) -> list[str]:
    """The top-level row's cells, in :data:`COLUMNS` order."""
    vendor = find_vendor(task.vendor)
    name = vendor.short_name if vendor is not None else task.vendor
    return [
        f"{name} ({SIMULATED})" if task.sandbox else name,
        task.task_id,
        task.file_name,
        task.submitted_at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
        task_status(task, callbacks),
        str(len(callbacks)),
    ]


def timeline_rows(task: Task, callbacks: list[Capture]) -> list[list[str]]:
    """The children's cells: latency, what happened, and the validation badge."""
    rows = []
    for entry in timeline(task, callbacks):
        rows.append([f"+{entry.seconds:.2f} s", entry.label, "", "", entry.validation or "", ""])
    return rows


class _Relay(QObject):
    """Brings core events (plain callbacks) into Qt; queued if one comes from a thread."""

    captures_added = Signal()
    task_saved = Signal()


def _colour_badge(child: QTreeWidgetItem, badge: str) -> None:
    """A callback's validation badge in its colour (valid, invalid; others plain)."""
    known = badge in ("valid", "invalid")
    color = colours().validation(badge) if known else None
    child.setForeground(BADGE_COLUMN, QBrush(QColor(color)) if color else QBrush())


class TasksView(QWidget):
    """Submitted tasks with their callbacks; fetch and preview a task's result."""

    #: the vendor's task id, for the capture list's filter
    show_callbacks_requested = Signal(str)

    def __init__(
        self, services: AppServices, parent: QWidget | None = None, *, api_base: str | None = None
    ) -> None:
        super().__init__(parent)
        self._fetching = False
        self.services = services
        self.api_base = api_base
        #: per-vendor API base overrides (a sandbox double per vendor)
        self.api_bases: dict[str, str | None] = {}
        self.fetch_task: asyncio.Future[TaskResultView] | None = None
        #: the task whose result (or error) the result area shows
        self._result_for: str | None = None
        self._items: dict[str, QTreeWidgetItem] = {}
        self._tasks: dict[str, Task] = {}
        signals().changed.connect(self._on_theme_changed)
        self._callbacks: dict[str, list[Capture]] = {}
        #: the selected task's callback latencies, drawn
        self.latency = LatencyStrip()

        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in COLUMN_WIDTHS.items():
            self.tree.setColumnWidth(column, width)
        for visual, column in enumerate(FIRST_COLUMNS):
            header.moveSection(header.visualIndex(column), visual)
        self.tree.itemSelectionChanged.connect(self._on_tree_selection_changed)

        self.fetch_button = QPushButton("Fetch result")
        self.fetch_button.clicked.connect(self.fetch_selected)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_fetch)
        self.callbacks_button = QPushButton("Show callbacks")
        self.callbacks_button.clicked.connect(self._on_callbacks_clicked)
        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setTextVisible(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.fetch_button)
        buttons.addWidget(self.busy)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.callbacks_button)
        buttons.addStretch(1)

        self.result_label = plain_label()
        self.error_label = plain_label()
        set_tone(self.error_label, "error")
        self.image_label = QLabel()
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image_label.setMinimumHeight(120)
        self.json_view = QPlainTextEdit()
        self.json_view.setReadOnly(True)
        self.json_view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        result = QWidget()
        result_layout = QVBoxLayout(result)
        result_layout.setContentsMargins(0, 0, 0, 0)
        result_layout.addWidget(self.latency)
        result_layout.addLayout(buttons)
        result_layout.addWidget(self.result_label)
        result_layout.addWidget(self.error_label)
        result_layout.addWidget(self.image_label, 1)
        result_layout.addWidget(self.json_view, 1)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.tree)
        splitter.addWidget(result)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_DELAY_MS)
        self._refresh_timer.timeout.connect(self.refresh)
        self._relay = _Relay(self)
        self._relay.captures_added.connect(self._on_captures_added)
        self._relay.task_saved.connect(self.refresh)
        relay = self._relay
        tasks = self._tasks
        # The core's signals hold plain callables: they must not outlive this widget (nor
        # hold it). Only callbacks of a listed task make the view read the store: a flood
        # of unrelated requests costs the UI thread nothing here.
        self._unsubscribe: list[Callable[[], None]] = [
            services.store.added.connect(
                lambda captures: (
                    relay.captures_added.emit()
                    if tasks and any(is_callback_of(c, tasks.values()) for c in captures)
                    else None
                )
            ),
            services.task_saved.connect(lambda _task: relay.task_saved.emit()),
        ]
        unsubscribe = self._unsubscribe
        self.destroyed.connect(lambda *_: _run_all(unsubscribe))

        self._show_result(None)
        self._set_fetching(False)
        self.refresh()

    # -- following the store ------------------------------------------------------------------
    def detach(self) -> None:
        """Stop following the app (call before the store closes)."""
        _run_all(self._unsubscribe)
        self._refresh_timer.stop()
        self.cancel_fetch()

    def _on_captures_added(self) -> None:
        # Many captures may arrive in a burst: refresh at most once per interval.
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def _on_theme_changed(self, _colours: object) -> None:
        # The badges' colours are set per row: set again from the rows' own text.
        for item in self._items.values():
            for i in range(item.childCount()):
                child = item.child(i)
                if child is not None:
                    _colour_badge(child, child.text(BADGE_COLUMN))

    def refresh(self) -> None:
        """Re-read the tasks and their callbacks; rows are updated in place."""
        self._refresh_timer.stop()
        tasks = self.services.store.tasks()  # newest first; a local SQLite read
        seen: set[str] = set()
        for index, task in enumerate(tasks):
            seen.add(task.id)
            callbacks = self.services.store.task_callbacks(task)
            item = self._items.get(task.id)
            if item is None:
                item = QTreeWidgetItem()
                item.setData(TaskColumn.VENDOR, _TASK_ROLE, task.id)
                self.tree.insertTopLevelItem(index, item)
                self._items[task.id] = item
            self._tasks[task.id] = task
            self._callbacks[task.id] = callbacks
            _set_texts(item, task_row(task, callbacks))
            self._set_children(item, timeline_rows(task, callbacks))
        for task_key in [k for k in self._items if k not in seen]:
            item = self._items.pop(task_key)
            self._tasks.pop(task_key, None)
            self._callbacks.pop(task_key, None)
            self.tree.takeTopLevelItem(self.tree.indexOfTopLevelItem(item))
        if not tasks and not self.is_fetching():
            self.result_label.setText(EMPTY_TEXT)
        elif self.result_label.text() == EMPTY_TEXT:
            self.result_label.setText("")
        self._update_buttons()

    def _set_children(self, item: QTreeWidgetItem, rows: list[list[str]]) -> None:
        while item.childCount() > len(rows):
            item.takeChild(item.childCount() - 1)
        for index, cells in enumerate(rows):
            child = item.child(index) if index < item.childCount() else None
            if child is None:
                child = QTreeWidgetItem()
                item.addChild(child)
            _set_texts(child, cells)
            _colour_badge(child, cells[BADGE_COLUMN])

    # -- selection ------------------------------------------------------------------------------
    def task_ids(self) -> list[str]:
        """The vendors' task ids, top to bottom."""
        return [self._task_of(item).task_id for item in self._top_items()]

    def _top_items(self) -> list[QTreeWidgetItem]:
        items = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [item for item in items if item is not None]

    def _task_of(self, item: QTreeWidgetItem) -> Task:
        return self._tasks[str(item.data(TaskColumn.VENDOR, _TASK_ROLE))]

    def _item_for(self, task_id: str) -> QTreeWidgetItem | None:
        for item in self._top_items():
            if self._task_of(item).task_id == task_id:
                return item
        return None

    def row_texts(self, task_id: str) -> list[str]:
        """The task's row as shown, in :data:`COLUMNS` order ([] when not listed)."""
        item = self._item_for(task_id)
        return [] if item is None else [item.text(c) for c in range(len(COLUMNS))]

    def timeline_texts(self, task_id: str) -> list[str]:
        """The task's timeline rows as shown: ``+1.23 s  label  [badge]``."""
        item = self._item_for(task_id)
        if item is None:
            return []
        out = []
        for i in range(item.childCount()):
            child = item.child(i)
            if child is None:
                continue
            badge = child.text(BADGE_COLUMN)
            latency, what = child.text(TaskColumn.VENDOR), child.text(TaskColumn.TASK_ID)
            out.append(f"{latency}  {what}" + (f"  [{badge}]" if badge else ""))
        return out

    def select_task(self, task_id: str) -> None:
        item = self._item_for(task_id)
        if item is None:
            raise KeyError(task_id)
        self.tree.setCurrentItem(item)

    def is_expanded(self, task_id: str) -> bool:
        item = self._item_for(task_id)
        return item is not None and item.isExpanded()

    def selected_task(self) -> Task | None:
        item = self.tree.currentItem()
        if item is None or not item.isSelected():
            return None
        parent = item.parent()
        while parent is not None:
            item, parent = parent, parent.parent()
        return self._task_of(item)

    def _on_tree_selection_changed(self) -> None:
        # A result or a red error belongs to the task it was fetched for.
        selected = self.selected_task()
        shown = self._result_for
        other = selected is None or selected.task_id != shown
        if not self.is_fetching() and shown is not None and other:
            self._show_result(None)
            self._result_for = None
        self._update_buttons()

    def _update_buttons(self) -> None:
        task = self.selected_task()
        has = task is not None
        callbacks = self._callbacks.get(task.id, []) if task is not None else []
        self.latency.set_entries(timeline(task, callbacks) if task is not None else [])
        self.fetch_button.setEnabled(has and not self.is_fetching())
        self.callbacks_button.setEnabled(has)

    def _on_callbacks_clicked(self) -> None:
        task = self.selected_task()
        if task is not None:
            self.show_callbacks_requested.emit(task.task_id)

    # -- results -------------------------------------------------------------------------------
    def set_api_base(self, base: str | None, *, vendor: str | None = None) -> None:
        """Where results are fetched from: for every vendor, or for one (None: the real API)."""
        if vendor is None:
            self.api_base = base
        else:
            self.api_bases[vendor] = base

    def is_fetching(self) -> bool:
        # Until the done callback has shown the outcome, not merely until the task finished
        # (asyncio runs done callbacks a loop turn later).
        return self._fetching

    def fetch_selected(self) -> None:
        """Ask the vendor for the selected task's result; shown when it arrives."""
        task = self.selected_task()
        if task is None or self.is_fetching():
            return
        base = self.api_bases.get(task.vendor, self.api_base)
        self._show_result(None)
        self._result_for = task.task_id
        self.result_label.setText(f"fetching the result of task {task.task_id}…")
        self._set_fetching(True)
        self.fetch_task = asyncio.ensure_future(self._fetch(task, base))
        self.fetch_task.add_done_callback(self._on_fetched)

    async def _fetch(self, task: Task, base: str | None) -> TaskResultView:
        """Fetch; a missing credential is asked for first (and kept when the user says so).
        A sandbox task needs none: its simulation has its own."""
        fields = () if task.sandbox else credential_fields(task.vendor)
        known = self.services.credentials(task.vendor)
        typed: dict[str, str] = {}
        if any(not known.get(c.name) for c in fields):
            answer = await ask_credentials(task.vendor, fields, known, self)
            if answer is None:
                raise asyncio.CancelledError
            typed, remember = answer
            if remember:
                try:
                    self.services.save_credentials(task.vendor, typed)
                except (SecretStoreError, OSError) as exc:  # the fetch goes on regardless
                    log.warning("could not keep the %s credentials: %s", task.vendor, exc)
        return await self.services.fetch_result(task, base, typed or None)

    def cancel_fetch(self) -> None:
        if self.is_fetching() and self.fetch_task is not None and not self.fetch_task.done():
            self.fetch_task.cancel()

    def _set_fetching(self, fetching: bool) -> None:
        self._fetching = fetching
        self.busy.setVisible(fetching)
        self.cancel_button.setVisible(fetching)
        self._update_buttons()

    def _on_fetched(self, future: asyncio.Future[TaskResultView]) -> None:
        self._set_fetching(False)
        if future.cancelled():
            self._show_result(None)
            self.result_label.setText("fetch cancelled")
            return
        exc = future.exception()
        if exc is not None:
            self._show_result(None)
            log_failure("fetching a task's result", exc)
            self.error_label.setText(_one_line(exc))
            self.error_label.setVisible(True)
            return
        self._show_result(future.result())

    def _show_result(self, result: TaskResultView | None) -> None:
        """Show a task's result (kind image/json/pending), or clear the area for None."""
        self.result_label.setText("")
        self.error_label.setText("")
        self.error_label.setVisible(False)
        self.image_label.clear()
        self.image_label.setVisible(False)
        self.json_view.clear()
        self.json_view.setVisible(False)
        if result is None:
            return
        if result.kind == "pending":
            self.result_label.setText(f"not finished yet: {result.status or 'unknown status'}")
            return
        if result.kind == "image":
            pixmap = QPixmap()
            if not pixmap.loadFromData(result.data):
                self.result_label.setText(
                    f"the result ({len(result.data):,} bytes) is not an image this app can show"
                )
                return
            self.result_label.setText(
                f"{result.status}: {pixmap.width()}x{pixmap.height()} image, "
                f"{len(result.data):,} bytes"
            )
            if pixmap.width() > PREVIEW_WIDTH or pixmap.height() > PREVIEW_HEIGHT:
                pixmap = pixmap.scaled(
                    PREVIEW_WIDTH,
                    PREVIEW_HEIGHT,
                    Qt.AspectRatioMode.KeepAspectRatio,
                    Qt.TransformationMode.SmoothTransformation,
                )
            self.image_label.setPixmap(pixmap)
            self.image_label.setVisible(True)
            return
        self.result_label.setText(f"{result.status or 'result'}: {result.source}")
        try:
            text = json.dumps(result.value, indent=2, ensure_ascii=False, sort_keys=True)
        except (TypeError, ValueError):
            text = repr(result.value)
        self.json_view.setPlainText(text)  # plain text: vendor data is never rendered
        self.json_view.setVisible(True)

    def result_text(self) -> str:
        """What the result area says: its status line, then the JSON when one is shown."""
        parts = [self.result_label.text()]
        if self.json_view.isVisibleTo(self):
            parts.append(self.json_view.toPlainText())
        return "\n".join(p for p in parts if p)

    def error_text(self) -> str:
        return self.error_label.text()

    def has_image(self) -> bool:
        pixmap = self.image_label.pixmap()
        return pixmap is not None and not pixmap.isNull()


def _set_texts(item: QTreeWidgetItem, cells: list[str]) -> None:
    for column, text in enumerate(cells):
        if item.text(column) != text:
            item.setText(column, text)


def _run_all(callbacks: list[Callable[[], None]]) -> None:
    while callbacks:
        callbacks.pop()()
