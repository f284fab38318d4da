"""The URL a user pastes into a vendor's dashboard, shown whole, with a Copy button.

A URL has no spaces to wrap at, so a label would cut it or widen the Endpoints dock; this
box wraps it anywhere and grows to as many lines as it needs, so the whole URL is visible
at the dock's default width without a horizontal scroll.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent, QTextOption
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from inspector.gui.widgets import mono_font


class WrappedUrl(QPlainTextEdit):
    """A read-only, selectable text that wraps anywhere and is exactly as tall as its lines."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFont(mono_font())
        # Words of a hint wrap between words; a URL, having no spaces, anywhere.
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setTabChangesFocus(True)
        self.document().setDocumentMargin(3)
        self.textChanged.connect(self._fit_height)
        self._fit_height()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_height()

    def _fit_height(self) -> None:
        # The plain-text layout measures its size in lines.
        lines = max(1, int(self.document().documentLayout().documentSize().height()))
        margins = 2 * (self.frameWidth() + int(self.document().documentMargin())) + 2
        height = lines * self.fontMetrics().lineSpacing() + margins
        if self.height() != height:
            self.setFixedHeight(height)


class UrlBox(QWidget):
    """A title, the URL wrapped in full, and a Copy button (disabled when there is none)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel()
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.url = WrappedUrl()
        self.url.setObjectName("public-url-box")
        self.copy_button = QPushButton("Copy")
        self.copy_button.setObjectName("public-url-copy")
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title, 0, 0, 1, 2)
        layout.addWidget(self.url, 1, 0)
        layout.addWidget(self.copy_button, 1, 1, Qt.AlignmentFlag.AlignTop)
        layout.setColumnStretch(0, 1)

    def show_url(self, title: str, url: str, *, can_copy: bool, tip: str = "") -> None:
        self.title.setText(title)
        if self.url.toPlainText() != url:
            self.url.setPlainText(url)
        self.copy_button.setEnabled(can_copy)
        self.copy_button.setToolTip(tip)
        self.url.setToolTip(tip)
