"""The Validation and Vendor tabs: why a token or signature passed or failed, and what the
vendor's webhook means (task id, status or event, links).

Links are never rendered as HTML: each is shown as plain text with an Open button that
hands the URL to the desktop (only http/https URLs are offered).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from inspector.core.capture import Capture
from inspector.core.validation import scheme_title
from inspector.core.vendors import vendor_title
from inspector.gui.capture_model import VALIDATION_TEXT
from inspector.gui.theme import set_tone
from inspector.gui.widgets import plain_label, plain_view


class ValidationView(QWidget):
    """A badge, the scheme, and the explanation of a capture's validation."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.badge = QLabel("")
        self.badge.setObjectName("validation-badge")
        self.badge.setTextFormat(Qt.TextFormat.PlainText)
        self.scheme = plain_label("")
        top.addWidget(self.badge)
        top.addWidget(self.scheme, 1)
        layout.addLayout(top)
        self.detail = plain_view()
        self.detail.setObjectName("validation-detail")
        layout.addWidget(self.detail)

    def show_capture(self, capture: Capture | None) -> None:
        if capture is None:
            self.badge.setText("")
            set_tone(self.badge, None)
            self.scheme.setText("")
            self.detail.setPlainText("")
            return
        v = capture.validation
        self.badge.setText(f" {VALIDATION_TEXT.get(v.result, v.result)} ")
        known = v.result in ("valid", "invalid", "missing")
        set_tone(self.badge, f"badge-{v.result if known else 'unchecked'}")
        where = f"endpoint {capture.endpoint}" if capture.endpoint else "no endpoint matched"
        self.scheme.setText(f"Checked: {scheme_title(v.scheme)} · {where}")
        text = v.detail
        if v.result == "unchecked":
            hint = (
                "Nothing was checked: this path has no endpoint with a token or signature. "
                "Add one in Endpoints to validate this vendor's webhooks."
                if capture.endpoint is None
                else "This endpoint has no token or signature to check."
            )
            text = f"{text}\n\n{hint}" if text else hint
        self.detail.setPlainText(text)


class VendorView(QWidget):
    """What the vendor's webhook says: task id, status or event, links, notes."""

    #: the user asked to see every capture of this task id
    task_filter_requested = Signal(str)

    def __init__(self, open_url: Callable[[str], None] | None = None) -> None:
        super().__init__()
        self._open_url = open_url or (lambda url: QDesktopServices.openUrl(QUrl(url)))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.vendor = plain_label()
        self.task = plain_label()
        self.status = plain_label()
        form.addRow("Vendor", self.vendor)
        form.addRow("Task", self.task)
        form.addRow("Status / event", self.status)
        layout.addLayout(form)
        self.same_task = QPushButton("Show all webhooks of this task")
        self.same_task.setObjectName("same-task")
        self.same_task.clicked.connect(self._on_same_task_clicked)
        layout.addWidget(self.same_task)
        self.links_box = QVBoxLayout()
        layout.addLayout(self.links_box)
        layout.addWidget(QLabel("Notes"))
        self.notes = plain_view()
        self.notes.setObjectName("vendor-notes")
        layout.addWidget(self.notes)
        self._task_id = ""
        self.link_buttons: list[QPushButton] = []

    def _on_same_task_clicked(self) -> None:
        if self._task_id:
            self.task_filter_requested.emit(self._task_id)

    def _clear_links(self) -> None:
        while self.links_box.count():
            item = self.links_box.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.link_buttons = []

    def show_capture(self, capture: Capture | None) -> None:
        self._clear_links()
        if capture is None:
            for label in (self.vendor, self.task, self.status):
                label.setText("")
            self.notes.setPlainText("")
            self.same_task.setEnabled(False)
            return
        vendor = capture.vendor
        self.vendor.setText(
            vendor_title(vendor) if vendor else "not recognised (no endpoint, no match)"
        )
        event = capture.event or {}
        task_id = event.get("task_id")
        self._task_id = "" if task_id is None else str(task_id)
        self.task.setText(self._task_id or "none")
        status = " · ".join(str(event[k]) for k in ("event", "status") if event.get(k))
        self.status.setText(status or "none")
        self.same_task.setEnabled(bool(self._task_id))
        links = event.get("links") or {}
        for name, url in links.items():
            row = QWidget()
            rl = QHBoxLayout(row)
            rl.setContentsMargins(0, 0, 0, 0)
            rl.addWidget(plain_label(f"{name}: {url}"), 1)
            safe = isinstance(url, str) and url.startswith(("https://", "http://"))
            button = QPushButton("Open")
            button.setEnabled(safe)
            button.setToolTip("Open in the browser" if safe else "not an http(s) link")
            button.clicked.connect(lambda _=False, u=url: self._open_url(u))
            rl.addWidget(button)
            self.links_box.addWidget(row)
            self.link_buttons.append(button)
        self.notes.setPlainText("\n".join(capture.notes) if capture.notes else "No notes.")
