"""What the capture list shows when it has no rows.

With no capture stored: how to get the first webhook (the local URL, a curl line to copy,
Send a sample, Start tunnel). With captures that the filter hides: says so, with a button
that clears the filter.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QHideEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from inspector.gui.capture_model import CaptureTableModel
from inspector.gui.widgets import mono_font, plain_label

SAMPLE_PATH = "/hello"
SAMPLE_BODY = '{"event": "hello", "from": "curl"}'


def curl_line(local_url: str) -> str:
    """A command that sends a first webhook to the listener."""
    url = local_url.rstrip("/") + SAMPLE_PATH
    return (
        f"curl -X POST {shlex.quote(url)} -H 'Content-Type: application/json' "
        f"-d {shlex.quote(SAMPLE_BODY)}"
    )


def _copy_row(
    text: str, name: str, on_copied: Callable[[str], None]
) -> tuple[QLineEdit, QPushButton]:
    field = QLineEdit(text)
    field.setObjectName(name)
    field.setReadOnly(True)
    field.setFont(mono_font())
    field.setToolTip(text)
    field.setCursorPosition(0)
    button = QPushButton("Copy")
    button.setObjectName(f"{name}-copy")

    def copy() -> None:
        QGuiApplication.clipboard().setText(field.text())
        on_copied(field.text())

    button.clicked.connect(copy)
    return field, button


class EmptyState(QWidget):
    """The capture list's empty page; :meth:`show_for` picks what it says."""

    def __init__(
        self,
        local_url: str,
        *,
        send_sample: Callable[[], object],
        tunnel_action: QAction,
        clear_filter: Callable[[], object],
        on_copied: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("empty-state")
        self.title = QLabel()
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setTextFormat(Qt.TextFormat.PlainText)
        self.explain = plain_label(selectable=False)

        # How to get the first webhook.
        self.first = QWidget()
        self.url_field, url_copy = _copy_row(local_url, "empty-local-url", on_copied)
        self.curl_field, curl_copy = _copy_row(curl_line(local_url), "empty-curl", on_copied)
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(QLabel("Local URL"), 0, 0)
        grid.addWidget(self.url_field, 0, 1)
        grid.addWidget(url_copy, 0, 2)
        grid.addWidget(QLabel("Try it"), 1, 0)
        grid.addWidget(self.curl_field, 1, 1)
        grid.addWidget(curl_copy, 1, 2)
        grid.setColumnStretch(1, 1)
        self.sample_button = QPushButton("Send a sample")
        self.sample_button.setObjectName("empty-send-sample")
        self.sample_button.setToolTip(
            "Send a vendor's sample webhook to the listener (more in the Vendors menu)"
        )
        self.sample_button.clicked.connect(lambda: send_sample())
        self.tunnel_button = QToolButton()
        self.tunnel_button.setObjectName("empty-tunnel")
        self.tunnel_button.setDefaultAction(tunnel_action)
        self.tunnel_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.sample_button)
        buttons.addWidget(self.tunnel_button)
        buttons.addStretch(1)
        self.tunnel_hint = plain_label(
            "A vendor on the internet needs a public URL: start the tunnel, then copy the "
            "endpoint's public URL from the Endpoints panel.",
            selectable=False,
        )
        first = QVBoxLayout(self.first)
        first.setContentsMargins(0, 0, 0, 0)
        first.addLayout(grid)
        first.addLayout(buttons)
        first.addWidget(self.tunnel_hint)

        self.clear_button = QPushButton("Clear the filter")
        self.clear_button.setObjectName("empty-clear-filter")
        self.clear_button.clicked.connect(lambda: clear_filter())
        clear_row = QHBoxLayout()
        clear_row.addWidget(self.clear_button)
        clear_row.addStretch(1)
        self.filtered = QWidget()
        self.filtered.setLayout(clear_row)
        clear_row.setContentsMargins(0, 0, 0, 0)

        inner = QWidget()
        inner.setMaximumWidth(720)
        column = QVBoxLayout(inner)
        column.addWidget(self.title)
        column.addWidget(self.explain)
        column.addWidget(self.first)
        column.addWidget(self.filtered)
        outer = QHBoxLayout(self)
        outer.addWidget(inner, 1, Qt.AlignmentFlag.AlignTop)
        self.mode = ""
        self.show_for(filtered=False)
        # The splitter gives the list the page's height rather than squeezing its rows: while
        # shown, the page's minimum follows its laid-out content (wrapped labels included),
        # asked again on every resize (see _keep_room).

    def _keep_room(self) -> None:
        layout = self.layout()
        if layout is None:
            return
        width = self.width() if self.isVisible() else 720
        needed = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else -1
        self.setMinimumHeight(max(needed, layout.totalMinimumSize().height()))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._keep_room()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._keep_room()

    def hideEvent(self, event: QHideEvent) -> None:
        # A stacked widget's minimum is the largest of its pages', shown or not: while the
        # table is shown, this page must not hold the window taller.
        super().hideEvent(event)
        self.setMinimumHeight(0)

    def show_for(self, *, filtered: bool) -> None:
        """``filtered``: captures exist but the filter hides them all."""
        self.mode = "filtered" if filtered else "empty"
        if filtered:
            self.title.setText("No capture matches the filter")
            self.explain.setText("Change the filter, or clear it to see every capture.")
        else:
            self.title.setText("No webhooks yet")
            self.explain.setText(
                "Send a request to the local URL from a script, a vendor's sandbox or the "
                "command below; it appears here as it arrives."
            )
        self.first.setVisible(not filtered)
        self.filtered.setVisible(filtered)

    def follow(self, model: CaptureTableModel, stack: QStackedWidget, table: QWidget) -> None:
        """Show ``table`` in ``stack`` while the model has rows, else this page."""

        def update(*_: object) -> None:
            if model.rowCount() > 0:
                stack.setCurrentWidget(table)
                return
            self.show_for(filtered=model.total > 0)
            stack.setCurrentWidget(self)

        for signal in (model.counts_changed, model.rowsInserted, model.modelReset):
            signal.connect(update)
        update()
