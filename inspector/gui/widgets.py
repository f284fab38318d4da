"""Small widgets, widget factories and styles shared by the panes and dialogs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QFont, QFontDatabase, QHelpEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QToolTip,
    QTreeWidget,
    QWidget,
)


def mono_font() -> QFont:
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


def plain_view() -> QPlainTextEdit:
    view = QPlainTextEdit()
    view.setReadOnly(True)
    view.setFont(mono_font())
    view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
    view.setUndoRedoEnabled(False)
    return view


def fill_pairs(table: QTableWidget, pairs: list[tuple[str, str]]) -> None:
    """Show ``pairs`` in a table made by :func:`pairs_table`."""
    table.setRowCount(len(pairs))
    for row, (key, value) in enumerate(pairs):
        table.setItem(row, 0, QTableWidgetItem(key))
        table.setItem(row, 1, QTableWidgetItem(value))


def pairs_table(headers: tuple[str, str]) -> QTableWidget:
    """A read-only two-column table (name, value) with the given header titles."""
    table = QTableWidget(0, 2)
    table.setHorizontalHeaderLabels(list(headers))
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setWordWrap(False)
    set_data_font(table)
    return table


def set_data_font(view: QAbstractItemView) -> None:
    """Show a view's cells (header names and values, a JSON tree) in the monospace font,
    its column titles in the usual one."""
    view.setFont(mono_font())
    if isinstance(view, QTableWidget | QTreeWidget):
        header = view.horizontalHeader() if isinstance(view, QTableWidget) else view.header()
        header.setFont(QApplication.font(header))


def plain_label(text: str = "", *, selectable: bool = True) -> QLabel:
    """A word-wrapped label that never renders its text as HTML (it may come from a sender).

    ``selectable`` lets the user select and copy the text with the mouse.
    """
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def note_label(text: str = "") -> QLabel:
    """A selectable, word-wrapped plain-text label whose minimum width never follows its
    text: a long line (a note, a path, a query) wraps or is cut, and never widens the
    window it is in."""
    label = plain_label(text)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(1)
    return label


class SecretField(QWidget):
    """A password-echo line edit with a "Show" toggle, so secrets stay hidden by default."""

    def __init__(self, text: str = "", placeholder: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.edit = QLineEdit(text)
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setPlaceholderText(placeholder)
        self.show_toggle = QCheckBox("Show")
        self.show_toggle.toggled.connect(self._on_show_toggled)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.show_toggle)

    def _on_show_toggled(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        self.edit.setEchoMode(mode)

    def text(self) -> str:
        return self.edit.text()

    def setText(self, text: str) -> None:
        self.edit.setText(text)


def show_tooltip_at(widget: QWidget, event: QEvent, text_at: Callable[[float], str]) -> bool:
    """For a custom-drawn widget's ``event()``: on a tooltip event, show ``text_at(x)`` (or
    hide the tooltip where it is empty) and return True; False for any other event."""
    if event.type() != QEvent.Type.ToolTip or not isinstance(event, QHelpEvent):
        return False
    text = text_at(event.pos().x())
    if text:
        QToolTip.showText(event.globalPos(), text, widget)
    else:
        QToolTip.hideText()
    return True


def make_action(
    parent: QObject,
    text: str,
    slot: Callable[..., object],
    shortcut: str | None = None,
    tip: str = "",
) -> QAction:
    """A menu/toolbar action that calls ``slot()``; ``tip`` is its tooltip and status tip.

    ``slot`` is called with no argument: ``triggered`` carries the action's ``checked``
    state, which would otherwise arrive as a slot's first optional parameter (a path, a
    vendor...).
    """
    action = QAction(text, parent)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setToolTip(tip)
        action.setStatusTip(tip)

    def fire() -> None:
        slot()

    action.triggered.connect(fire)
    return action


async def answered(dialog: QDialog) -> bool:
    """Open ``dialog`` (window-modal, no nested event loop: the listener keeps running) and
    wait until it is closed; True when it was accepted."""
    result: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(code: int) -> None:
        if not result.done():
            result.set_result(code)

    dialog.finished.connect(finished)
    dialog.open()
    return await result == QDialog.DialogCode.Accepted.value
