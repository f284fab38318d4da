"""Find in a body view: a bar with the search text, previous/next, a match count and close.

The bar searches the plain-text view it is given (the body's Text or Hex view), case
insensitively, highlights the matches (the first :data:`MATCH_CAP` of them: beyond that a
multi-MiB body would cost more to mark than anyone reads) and selects the current one.
Enter goes to the next match, Shift+Enter to the previous, Esc closes the bar.
"""

from __future__ import annotations

from bisect import bisect_left

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QTextCursor, QTextFormat
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QTextEdit,
    QToolButton,
    QWidget,
)

from inspector.gui.theme import colours, set_tone

#: Most matches highlighted and counted; past it the count reads "1,000+".
MATCH_CAP = 1000


class FindBar(QWidget):
    """Find text in a QPlainTextEdit; hidden until :meth:`open` is called."""

    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("find-bar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        self.edit = QLineEdit()
        self.edit.setObjectName("find-text")
        self.edit.setPlaceholderText("Find in body")
        self.edit.setClearButtonEnabled(True)
        self.edit.setMinimumWidth(80)
        self.edit.textChanged.connect(self._search)
        self.edit.installEventFilter(self)
        self.previous_button = QToolButton()
        self.previous_button.setText("Previous")
        self.previous_button.setToolTip("Previous match (Shift+Enter)")
        self.previous_button.clicked.connect(self.previous)
        self.next_button = QToolButton()
        self.next_button.setText("Next")
        self.next_button.setToolTip("Next match (Enter)")
        self.next_button.clicked.connect(self.next)
        self.count = QLabel("")
        self.count.setObjectName("find-count")
        # The count never widens the pane: it may be cut, never push.
        self.count.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.count.setMinimumWidth(40)
        self.close_button = QToolButton()
        self.close_button.setText("Close")
        self.close_button.setToolTip("Close (Esc)")
        self.close_button.clicked.connect(self.close_bar)
        layout.addWidget(self.edit, 3)
        layout.addWidget(self.previous_button)
        layout.addWidget(self.next_button)
        layout.addWidget(self.count, 2)
        layout.addWidget(self.close_button)
        self._view: QPlainTextEdit | None = None
        self._positions: list[int] = []  # start of each highlighted match
        self._capped = False
        self._selections: list[QTextEdit.ExtraSelection] = []
        self._index = 0
        self.hide()

    # -- what is searched -----------------------------------------------------------------

    def set_view(self, view: QPlainTextEdit | None) -> None:
        """Search ``view`` from now on (the old one loses its highlights)."""
        if self._view is not None and self._view is not view:
            self._view.setExtraSelections([])
        self._view = view
        if self.isVisible():
            self._search()

    def refresh(self) -> None:
        """The view's text changed: search it again if the bar is open."""
        if self.isVisible():
            self._search()

    def open(self) -> None:
        self.show()
        self.edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.edit.selectAll()
        self._search()

    def close_bar(self) -> None:
        self.hide()
        if self._view is not None:
            self._view.setExtraSelections([])
            self._view.setFocus(Qt.FocusReason.OtherFocusReason)
        self.closed.emit()

    # -- searching --------------------------------------------------------------------------

    def _search(self) -> None:
        view = self._view
        needle = self.edit.text()
        self._positions = []
        self._capped = False
        if view is None or not needle:
            if view is not None:
                view.setExtraSelections([])
            self._set_count("")
            return
        doc = view.document()
        cursor = QTextCursor(doc)
        selections = []
        while len(self._positions) < MATCH_CAP:
            cursor = doc.find(needle, cursor)
            if cursor.isNull():
                break
            self._positions.append(cursor.selectionStart())
            sel = QTextEdit.ExtraSelection()
            sel.cursor = cursor
            sel.format.setBackground(QColor(colours().find_all))
            selections.append(sel)
        else:
            self._capped = not doc.find(needle, cursor).isNull()
        self._selections = selections
        if not self._positions:
            view.setExtraSelections([])
            self._set_count("no matches", error=True)
            return
        # The first match at or after the top of what is on screen.
        start = view.cursorForPosition(view.viewport().rect().topLeft()).position()
        index = bisect_left(self._positions, start)
        self._go_to(index if index < len(self._positions) else 0)

    def _go_to(self, index: int) -> None:
        view = self._view
        if view is None or not self._positions:
            return
        length = len(self.edit.text())
        cursor = QTextCursor(view.document())
        cursor.setPosition(self._positions[index])
        cursor.setPosition(self._positions[index] + length, QTextCursor.MoveMode.KeepAnchor)
        current = QTextEdit.ExtraSelection()
        current.cursor = cursor
        current.format.setBackground(QColor(colours().find_current))
        current.format.setProperty(QTextFormat.Property.FullWidthSelection, False)
        view.setExtraSelections([*self._selections, current])
        view.setTextCursor(cursor)
        view.ensureCursorVisible()
        self._index = index
        total = f"{len(self._positions):,}" + ("+" if self._capped else "")
        self._set_count(f"{index + 1:,} of {total}")

    def next(self) -> None:
        if self._positions:
            self._go_to((self._index + 1) % len(self._positions))

    def previous(self) -> None:
        if self._positions:
            self._go_to((self._index - 1) % len(self._positions))

    def _set_count(self, text: str, error: bool = False) -> None:
        self.count.setText(text)
        self.count.setToolTip(text)
        set_tone(self.edit, "find-error" if error else None)

    def current_selection(self) -> str:
        """The text of the current match as selected in the view ("" if none)."""
        return self._view.textCursor().selectedText() if self._view is not None else ""

    # -- keys -------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and isinstance(event, QKeyEvent):
            key = event.key()
            if event.type() == QEvent.Type.ShortcutOverride and key == Qt.Key.Key_Escape:
                event.accept()  # Esc is ours here, not a window shortcut's
                return True
            if event.type() == QEvent.Type.KeyPress:
                if key == Qt.Key.Key_Escape:
                    self.close_bar()
                    return True
                if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                    shift = event.modifiers() & Qt.KeyboardModifier.ShiftModifier
                    self.previous() if shift else self.next()
                    return True
        return super().eventFilter(watched, event)
