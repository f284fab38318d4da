"""JSON syntax colours in a plain-text view, for the blocks on screen only.

A ``QSyntaxHighlighter`` normally formats every block of its document whenever the
document changes: for a 1 MiB pretty-printed body (about 65,000 lines) even a highlighter
that returns at once costs over 0.1 s of Python calls on the UI thread, on top of the
view's own layout (docs/performance.md). So this one is attached to the view's document
while it is still empty, its "format on every change" connection is cut (the view is
read-only: the only changes are whole new texts), and blocks are formatted as they
scroll into view. Body text is never rendered as rich text: only character formats.
"""

from __future__ import annotations

import re

from PySide6.QtCore import SIGNAL, SLOT, QObject, QRect
from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtWidgets import QPlainTextEdit

from inspector.gui.theme import Colours, colours, signals

#: A string (possibly cut off at the line's end by the display's line breaking), then
#: whether a colon follows (a key), or a number, or a literal.
_TOKEN = re.compile(
    r'(?P<str>"(?:[^"\\]|\\.)*"?)(?P<colon>\s*:)?'
    r"|(?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<lit>\b(?:true|false|null)\b)"
)

#: Blocks formatted beyond the last visible one, so that a small scroll finds them done.
MARGIN_BLOCKS = 20


def _fmt(color: str, bold: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(color))
    if bold:
        fmt.setFontWeight(QFont.Weight.DemiBold)
    return fmt


def _formats(c: Colours) -> dict[str, QTextCharFormat]:
    return {
        "key": _fmt(c.json_key, bold=True),
        "str": _fmt(c.json_string),
        "num": _fmt(c.json_number),
        "lit": _fmt(c.json_literal),
    }


class JsonHighlighter(QSyntaxHighlighter):
    """Colours keys, strings, numbers and literals of the blocks a view shows."""

    def __init__(self, view: QPlainTextEdit) -> None:
        # Made on the view's document while it is empty: no first full pass is scheduled.
        # (Given the view itself as parent, PySide crashed when the view went away.)
        super().__init__(view.document())
        self._view = view
        self._active = False
        self._walking = False
        self._enabled = False
        #: whether Qt's per-change formatting was cut (else every block costs a quick call)
        self.lazy = bool(
            QObject.disconnect(
                view.document(),
                SIGNAL("contentsChange(int,int,int)"),
                self,
                SLOT("_q_reformatBlocks(int,int,int)"),
            )
        )
        self._done: set[int] = set()
        #: how many blocks were formatted (tests check that only visible ones were)
        self.formatted = 0
        self._formats = _formats(colours())
        # A new theme: the new colours, and the blocks on screen formatted again.
        signals().changed.connect(self._on_theme_changed)
        view.updateRequest.connect(self._on_update_request)

    def _on_theme_changed(self, c: Colours) -> None:
        self._formats = _formats(c)
        if self._enabled:
            self.reset(True)

    def reset(self, enabled: bool) -> None:
        """The view got a new text: colour it (as it scrolls into view) when ``enabled``."""
        self._done.clear()
        self._enabled = enabled
        if enabled:
            self._highlight_visible()

    def _on_update_request(self, _rect: QRect, _dy: int) -> None:
        if self._enabled:
            self._highlight_visible()

    def _highlight_visible(self) -> None:
        # Formatting a block makes the view ask for a repaint, which comes back here at
        # once: without this guard every block re-walked all visible ones (3,666
        # geometry queries and ~0.2 s for 77 lines).
        if self._walking:
            return
        self._walking = True
        try:
            self._walk_visible()
        finally:
            self._walking = False

    def _walk_visible(self) -> None:
        view = self._view
        block = view.firstVisibleBlock()
        bottom = view.viewport().height()
        offset = view.contentOffset()
        extra = MARGIN_BLOCKS
        while block.isValid():
            top = view.blockBoundingGeometry(block).translated(offset).top()
            if top > bottom:
                extra -= 1
                if extra < 0:
                    break
            number = block.blockNumber()
            if number not in self._done:
                self._done.add(number)
                self._active = True
                try:
                    self.rehighlightBlock(block)
                finally:
                    self._active = False
            block = block.next()

    def highlightBlock(self, text: str) -> None:
        if not self._active:
            return
        self.formatted += 1
        formats = self._formats
        for m in _TOKEN.finditer(text):
            if m.group("str") is not None:
                start, end = m.span("str")
                kind = "key" if m.group("colon") else "str"
                self.setFormat(start, end - start, formats[kind])
            elif m.group("num") is not None:
                self.setFormat(m.start(), m.end() - m.start(), formats["num"])
            else:
                self.setFormat(m.start(), m.end() - m.start(), formats["lit"])
