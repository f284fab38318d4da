"""Edit-and-replay and compare dialogs."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inspector.core.capture import Capture, header_get
from inspector.core.diff import diff_bodies, diff_headers
from inspector.core.store import ReplayRecord
from inspector.core.words import plural
from inspector.gui.error_log import log_failure
from inspector.gui.widgets import fill_pairs, mono_font, pairs_table, plain_view

METHODS = ["POST", "PUT", "PATCH", "GET", "DELETE", "HEAD", "OPTIONS"]

#: Signs an edited request: given the capture as edited, returns it with fresh signature
#: headers (the app supplies it when the capture's endpoint has a signing secret).
Resigner = Callable[[Capture], Capture]
ReplayFn = Callable[[Capture, "str | None"], Coroutine[Any, Any, ReplayRecord]]


def json_problem(text: str, content_type: str | None) -> str:
    """'' when the body is fine for its content type, else a one-line reason."""
    if "json" not in (content_type or "") or not text.strip():
        return ""
    try:
        json.loads(text)
    except ValueError as exc:
        return f"not valid JSON: {exc}"
    return ""


class EditReplayDialog(QDialog):
    """Method, URL, headers and body of a capture, editable, then sent; the answer is shown."""

    def __init__(
        self,
        capture: Capture,
        local_url: str,
        replay: ReplayFn,
        *,
        resign: Resigner | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit and replay")
        self.resize(900, 700)
        self.original = capture
        self._replay = replay
        self._resign = resign
        self._task: asyncio.Task[ReplayRecord] | None = None
        self._sending = False
        self.local_url = local_url.rstrip("/")

        form = QFormLayout()
        self.method = QComboBox()
        self.method.setEditable(True)
        self.method.addItems(METHODS if capture.method in METHODS else [capture.method, *METHODS])
        self.method.setCurrentText(capture.method)
        self.url = QLineEdit(self.local_url + capture.target)
        self.url.setObjectName("replay-url")
        form.addRow("Method", self.method)
        form.addRow("URL", self.url)

        self.headers = QTableWidget(0, 2)
        self.headers.setHorizontalHeaderLabels(["Name", "Value"])
        self.headers.horizontalHeader().setStretchLastSection(True)
        self.headers.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        fill_pairs(self.headers, [(k, v) for k, v in capture.headers if k.lower() != "host"])
        add = QPushButton("Add header")
        add.clicked.connect(self._add_header)
        remove = QPushButton("Remove header")
        remove.clicked.connect(self._remove_header)
        hbar = QHBoxLayout()
        hbar.addWidget(add)
        hbar.addWidget(remove)
        hbar.addStretch(1)

        self.body = QPlainTextEdit()
        self.body.setFont(mono_font())
        self.body.setObjectName("replay-body")
        body = capture.body_bytes
        self._binary = False
        try:
            self.body.setPlainText(body.decode("utf-8"))
        except UnicodeDecodeError:
            self._binary = True
            self.body.setPlainText("(binary body: sent unchanged)")
            self.body.setReadOnly(True)
        self.body_check = QLabel("")
        self.body_check.setTextFormat(Qt.TextFormat.PlainText)
        self.body_check.setObjectName("body-check")
        self.body.textChanged.connect(self._check_body)

        self.resign_box: QPushButton | None = None
        if resign is not None:
            self.resign_box = QPushButton("Re-sign the edited body")
            self.resign_box.setCheckable(True)
            self.resign_box.setChecked(True)
            self.resign_box.setToolTip(
                "Recompute the signature headers with this endpoint's secret before sending"
            )

        self.answer = plain_view()
        self.answer.setObjectName("replay-answer")
        self.answer.setPlaceholderText("The answer appears here.")

        self.send_button = QPushButton("Send")
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.send)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.addButton(self.send_button, QDialogButtonBox.ButtonRole.ActionRole)

        top = QWidget()
        tl = QVBoxLayout(top)
        tl.addLayout(form)
        tl.addWidget(QLabel("Headers"))
        tl.addWidget(self.headers)
        tl.addLayout(hbar)
        tl.addWidget(QLabel("Body"))
        tl.addWidget(self.body)
        tl.addWidget(self.body_check)
        if self.resign_box is not None:
            tl.addWidget(self.resign_box)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(self.answer)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        layout.addWidget(buttons)
        self._check_body()

    def _add_header(self) -> None:
        row = self.headers.rowCount()
        self.headers.insertRow(row)
        name = QTableWidgetItem("X-Name")
        self.headers.setItem(row, 0, name)
        self.headers.setItem(row, 1, QTableWidgetItem(""))
        self.headers.editItem(name)

    def _remove_header(self) -> None:
        rows = sorted({i.row() for i in self.headers.selectedIndexes()}, reverse=True)
        for row in rows:
            self.headers.removeRow(row)

    def header_pairs(self) -> list[tuple[str, str]]:
        out = []
        for row in range(self.headers.rowCount()):
            name = self.headers.item(row, 0)
            value = self.headers.item(row, 1)
            if name is not None and name.text().strip():
                out.append((name.text().strip(), value.text() if value is not None else ""))
        return out

    def _sync_content_length(self) -> None:
        """The Content-Length row shows the edited body's length (what is sent); the user
        does not type it."""
        length = str(len(self.body.toPlainText().encode()))
        for row in range(self.headers.rowCount()):
            name = self.headers.item(row, 0)
            value = self.headers.item(row, 1)
            if name is None or name.text().strip().lower() != "content-length":
                continue
            if value is None:
                value = QTableWidgetItem()
                self.headers.setItem(row, 1, value)
            if value.text() != length:
                value.setText(length)
            value.setFlags(value.flags() & ~Qt.ItemFlag.ItemIsEditable)
            value.setToolTip("The length of the body below, in bytes: follows its edits")

    def _check_body(self) -> None:
        if self._binary:
            self.body_check.setText("")
            return
        self._sync_content_length()
        problem = json_problem(
            self.body.toPlainText(), header_get(self.header_pairs(), "Content-Type")
        )
        self.body_check.setText(problem or "")

    def edited_capture(self) -> tuple[Capture, str]:
        """The request as edited, and the base URL to send it to. Raises ValueError."""
        url = self.url.text().strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("the URL must start with http:// or https:// and name a host")
        body = self.original.body_bytes if self._binary else self.body.toPlainText().encode()
        edited = Capture(
            id=self.original.id,
            method=self.method.currentText().strip().upper() or "POST",
            path=parts.path or "/",
            query=parts.query,
            headers=self.header_pairs(),
            body=body,
            endpoint=self.original.endpoint,
            vendor=self.original.vendor,
        )
        if self._resign is not None and self.resign_box is not None and self.resign_box.isChecked():
            edited = self._resign(edited)
        return edited, f"{parts.scheme}://{parts.netloc}{parts.path or '/'}"

    def send(self) -> None:
        try:
            edited, base = self.edited_capture()
        except ValueError as exc:
            self.answer.setPlainText(str(exc))
            return
        # To our own listener: no explicit target, so the replay is linked to the original.
        to = None if base.startswith(self.local_url + "/") else base
        self.send_button.setEnabled(False)
        self.answer.setPlainText(f"sending to {self.url.text()} …")
        self._sending = True
        self._task = asyncio.ensure_future(self._replay(edited, to))
        self._task.add_done_callback(self._on_sent)

    def _on_sent(self, task: asyncio.Task[ReplayRecord]) -> None:
        self._sending = False
        self.send_button.setEnabled(True)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log_failure("edit and replay", exc)
            self.answer.setPlainText(f"could not send: {exc}")
            return
        self.show_answer(task.result())

    def show_answer(self, record: ReplayRecord) -> None:
        self.answer.setPlainText(replay_text(record))

    def is_sending(self) -> bool:
        # Until the answer is shown (done callbacks run a loop turn after the task ends).
        return self._sending


def replay_text(record: ReplayRecord) -> str:
    if record.error:
        return f"{record.url}\nfailed: {record.error}"
    lines = [f"HTTP {record.status} from {record.url} in {record.latency_ms or 0:.0f} ms"]
    lines += [f"{k}: {v}" for k, v in record.headers]
    return "\n".join(lines) + "\n\n" + record.body[: 256 * 1024].decode("utf-8", "replace")


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if value is not None else ""
    return text if len(text) < 200 else text[:197] + "…"


def _equal_sides(table: QTableWidget) -> None:
    """What changed and how, at their text's width; the A and B columns share the rest
    equally (neither side of a comparison is the main one)."""
    header = table.horizontalHeader()
    header.setStretchLastSection(False)
    for column in (0, 1):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    for column in (2, 3):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)


class DiffDialog(QDialog):
    """Two captures side by side: a JSON-aware body diff and a header diff."""

    def __init__(self, a: Capture, b: Capture, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Compare #{a.seq} and #{b.seq}")
        self.resize(900, 600)
        self.body_diff = diff_bodies(a.body_bytes, b.body_bytes, a.content_type, b.content_type)
        self.header_changes = diff_headers(a.headers, b.headers)
        layout = QVBoxLayout(self)
        title = QLabel(
            f"A: #{a.seq} {a.method} {a.target}\nB: #{b.seq} {b.method} {b.target}\n"
            f"{self.body_diff.summary}"
        )
        title.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(title)
        tabs = QTabWidget()
        self.changes = pairs_table(("Path", "Change"))
        self.changes.setColumnCount(4)
        self.changes.setHorizontalHeaderLabels(["Path", "Change", "A", "B"])
        self.changes.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        rows = [(c.path, c.kind, _short(c.old), _short(c.new)) for c in self.body_diff.changes]
        self.changes.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for col, value in enumerate(values):
                self.changes.setItem(r, col, QTableWidgetItem(value))
        self.text = plain_view()
        self.text.setPlainText(self.body_diff.text or self.body_diff.summary)
        self.headers = pairs_table(("Header", "Change"))
        self.headers.setColumnCount(4)
        self.headers.setHorizontalHeaderLabels(["Header", "Change", "A", "B"])
        self.headers.setRowCount(len(self.header_changes))
        for r, h in enumerate(self.header_changes):
            for col, value in enumerate((h.name, h.kind, " | ".join(h.old), " | ".join(h.new))):
                self.headers.setItem(r, col, QTableWidgetItem(value))
        _equal_sides(self.changes)
        _equal_sides(self.headers)
        if self.body_diff.mode == "json":
            tabs.addTab(self.changes, f"Body: {plural(len(self.body_diff.changes), 'change')}")
        else:
            tabs.addTab(self.text, "Body")
        tabs.addTab(self.headers, f"Headers: {plural(len(self.header_changes), 'change')}")
        layout.addWidget(tabs)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)

    def changed_paths(self) -> list[str]:
        return [c.path for c in self.body_diff.changes]
