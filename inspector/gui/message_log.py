"""The message log: what the window told the user, kept with its time and level.

The status bar shows one message for a few seconds; the log keeps them (View → Messages).
Everything the window says goes through :func:`say`, which shows the message in the status
bar (its tooltip holds the whole text, the bar may cut it) and adds it to the window's
:class:`MessageLog`, so no message is only ever seen in passing.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QMainWindow,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.gui.columns import tooltips_for_cut_text
from inspector.gui.theme import colours, signals

Level = Literal["info", "warning", "error"]

#: How many messages the log keeps (the oldest go first).
KEEP = 2000
#: How long a message stays in the status bar, by level (errors stay until replaced).
STATUS_MS: dict[Level, int] = {"info": 8000, "warning": 30_000, "error": 0}
_LOG_LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Message:
    """One message the window showed."""

    time: datetime
    level: Level
    text: str


class MessageLog(QObject):
    """The messages of one window, oldest first, at most :data:`KEEP` of them."""

    #: emitted with each new message
    added = Signal(object)
    #: emitted after :meth:`clear`
    cleared = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._messages: deque[Message] = deque(maxlen=KEEP)

    def add(self, text: str, level: Level = "info") -> Message:
        message = Message(datetime.now().astimezone(), level, text)
        self._messages.append(message)
        self.added.emit(message)
        return message

    def messages(self) -> list[Message]:
        return list(self._messages)

    def clear(self) -> None:
        self._messages.clear()
        self.cleared.emit()


def say(window: QMainWindow, text: str, ms: int | None = None, level: Level = "info") -> None:
    """Tell the user ``text``: in the status bar for ``ms`` milliseconds (by default, as
    long as its level asks) and in the window's message log, which keeps it."""
    messages = window.findChild(MessageLog)
    if messages is not None:
        messages.add(text, level)
    if level != "info":
        log.log(_LOG_LEVELS[level], "%s", text)
    bar = window.statusBar()
    bar.showMessage(text, STATUS_MS[level] if ms is None else ms)
    # The bar cuts a long message at the window's edge: the tooltip has all of it.
    bar.setToolTip(text)


def follow_status_tooltip(window: QMainWindow) -> None:
    """Clear the status bar's tooltip when its message goes away."""
    bar = window.statusBar()
    bar.messageChanged.connect(lambda text: bar.setToolTip(text))


def _colour_item(item: QTableWidgetItem, level: str) -> None:
    """Warnings and errors in the theme's colours; other levels in the text's own."""
    c = colours()
    colour = {"warning": c.warning, "error": c.error}.get(level)
    brush = QBrush(QColor(colour)) if colour is not None else None
    item.setData(Qt.ItemDataRole.ForegroundRole, brush)


class MessageLogView(QWidget):
    """The log as a table (time, level, message), newest at the bottom; Copy and Clear."""

    def __init__(self, messages: MessageLog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.messages = messages
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("messages-table")
        self.table.setHorizontalHeaderLabels(["Time", "Level", "Message"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.copy_button = QPushButton("Copy all")
        self.copy_button.clicked.connect(self.copy_all)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(messages.clear)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        for message in messages.messages():
            self._append(message)
        messages.added.connect(self._append)
        messages.cleared.connect(lambda: self.table.setRowCount(0))
        signals().changed.connect(self._on_theme_changed)

    def _on_theme_changed(self, _colours: object) -> None:
        for row in range(self.table.rowCount()):
            level = self.table.item(row, 1)
            for column in range(3):
                item = self.table.item(row, column)
                if item is not None:
                    _colour_item(item, level.text() if level is not None else "")

    def _append(self, message: Message) -> None:
        if self.table.rowCount() >= KEEP:
            self.table.removeRow(0)
        row = self.table.rowCount()
        self.table.insertRow(row)
        cells = (message.time.strftime("%H:%M:%S"), message.level, message.text)
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setToolTip(message.text if column == 2 else message.time.isoformat())
            _colour_item(item, message.level)
            self.table.setItem(row, column, item)
        # After the new row is laid out, or the view stops one row short of it.
        QTimer.singleShot(0, self.table.scrollToBottom)

    def rows(self) -> list[tuple[str, str, str]]:
        """The rows as shown: (time, level, message), oldest first."""
        out = []
        for row in range(self.table.rowCount()):
            cells = [self.table.item(row, c) for c in range(3)]
            texts = [c.text() if c is not None else "" for c in cells]
            out.append((texts[0], texts[1], texts[2]))
        return out

    def copy_all(self) -> None:
        lines = [
            f"{m.time.strftime('%Y-%m-%d %H:%M:%S')}  {m.level:<7}  {m.text}"
            for m in self.messages.messages()
        ]
        QGuiApplication.clipboard().setText("\n".join(lines))


def messages_dock(window: QMainWindow, messages: MessageLog) -> tuple[QDockWidget, MessageLogView]:
    """The Messages dock (hidden at first, under the list), and the view in it."""
    view = MessageLogView(messages)
    tooltips_for_cut_text(view.table)
    dock = QDockWidget("Messages", window)
    dock.setObjectName("messages-dock")
    dock.setWidget(view)
    dock.setFeatures(
        QDockWidget.DockWidgetFeature.DockWidgetClosable
        | QDockWidget.DockWidgetFeature.DockWidgetMovable
    )
    window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    dock.hide()
    return dock, view
