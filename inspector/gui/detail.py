"""The detail pane: Body (tree / text / hex), Headers, Query, Raw and Response tabs.

Nothing from a body is ever rendered as rich text: every text widget is plain text.
Decoding and pretty-printing of bodies over :data:`BACKGROUND_THRESHOLD` run in a worker
thread so the window stays responsive; the result is shown when it arrives, unless the user
has selected another capture in the meantime.
"""

from __future__ import annotations

import json
import urllib.parse
from functools import partial
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from inspector.core.body_display import (
    DisplayBody,
    break_long_lines,
    decode_for_display,
    hex_dump,
    pretty_text,
)
from inspector.core.capture import Capture, format_timestamp
from inspector.core.store import ReplayRecord
from inspector.core.words import plural
from inspector.gui import workers
from inspector.gui.meaning import ValidationView, VendorView
from inspector.gui.widgets import fill_pairs, note_label, pairs_table, plain_view

BACKGROUND_THRESHOLD = 256 * 1024
TREE_CHILD_CAP = 1000
TREE_BYTES_CAP = 8 * 1024 * 1024
#: the detail pane's minimum width in pixels, whatever its labels hold
MIN_WIDTH = 240
_PLACEHOLDER = "__lazy__"


def _scalar_text(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value)


class JsonTree(QTreeWidget):
    """A JSON value as a tree whose children are built only when a node is expanded."""

    def __init__(self) -> None:
        super().__init__()
        self.setColumnCount(2)
        self.setHeaderLabels(["Key", "Value"])
        self.setUniformRowHeights(True)
        self.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.setColumnWidth(0, 240)
        self.itemExpanded.connect(self._on_item_expanded)
        self._values: dict[int, Any] = {}

    def show_value(self, value: Any) -> None:
        self.clear()
        self._values.clear()
        root = QTreeWidgetItem(["$", self._summary(value)])
        self.addTopLevelItem(root)
        self._attach(root, value)
        root.setExpanded(True)
        # Small documents open one level further: webhook payloads nest their data once.
        if isinstance(value, dict) and len(value) <= 20:
            for i in range(root.childCount()):
                child = root.child(i)
                if child is not None and child.childCount():
                    child.setExpanded(True)

    @staticmethod
    def _summary(value: Any) -> str:
        if isinstance(value, dict):
            return "{…} " + plural(len(value), "key")
        if isinstance(value, list):
            return "[…] " + plural(len(value), "item")
        return _scalar_text(value)

    def _attach(self, item: QTreeWidgetItem, value: Any) -> None:
        if isinstance(value, dict | list) and value:
            self._values[id(item)] = value
            item.addChild(QTreeWidgetItem([_PLACEHOLDER, ""]))

    def _on_item_expanded(self, item: QTreeWidgetItem) -> None:
        value = self._values.pop(id(item), None)
        if value is None:
            return
        item.takeChildren()
        pairs = value.items() if isinstance(value, dict) else enumerate(value)
        for n, (key, child) in enumerate(pairs):
            if n >= TREE_CHILD_CAP:
                rest = len(value) - TREE_CHILD_CAP
                item.addChild(QTreeWidgetItem([f"… {rest:,} more", "see the Text view"]))
                break
            label = str(key) if isinstance(value, dict) else f"[{key}]"
            child_item = QTreeWidgetItem([label, self._summary(child)])
            item.addChild(child_item)
            self._attach(child_item, child)

    def leaf_texts(self) -> list[str]:
        """Every visible row as ``key = value`` (for tests and copy)."""
        out: list[str] = []

        def walk(item: QTreeWidgetItem | None) -> None:
            if item is None:
                return
            out.append(f"{item.text(0)} = {item.text(1)}")
            for i in range(item.childCount()):
                walk(item.child(i))

        for i in range(self.topLevelItemCount()):
            walk(self.topLevelItem(i))
        return out


def _decode_in_worker(
    body: bytes, headers: list[tuple[str, str]], report: workers.Progress
) -> tuple[DisplayBody, str, str, str, str]:
    return decode_all(body, headers)


def decode_all(
    body: bytes, headers: list[tuple[str, str]]
) -> tuple[DisplayBody, str, str, str, str]:
    decoded = decode_for_display(body, headers)
    text, text_note = pretty_text(decoded)
    hexed, hex_note = hex_dump(body)
    return decoded, text, text_note, hexed, hex_note


class BodyPane(QWidget):
    """Tree / Text / Hex views of one body, with a line saying what is shown."""

    MODES = ("Tree", "Text", "Hex")

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.buttons = QButtonGroup(self)
        for i, name in enumerate(self.MODES):
            btn = QPushButton(name)
            btn.setCheckable(True)
            btn.setObjectName(f"body-mode-{name.lower()}")
            self.buttons.addButton(btn, i)
            bar.addWidget(btn)
        # A note about the body can be a long line: it wraps in the room left of the
        # buttons and never widens the window (its full text is also its tooltip).
        self.info = note_label()
        self.info.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        bar.addWidget(self.info, 1)
        layout.addLayout(bar)
        self.stack = QStackedWidget()
        self.tree = JsonTree()
        self.text = plain_view()
        self.hex = plain_view()
        for w in (self.tree, self.text, self.hex):
            self.stack.addWidget(w)
        layout.addWidget(self.stack)
        self.buttons.idClicked.connect(self._on_mode_clicked)
        self._token = 0
        self._notes: dict[str, str] = {}
        self._decoding = False
        self._prefix = ""
        #: view contents (by mode) set when that view is first shown
        self._unfilled: dict[int, str] = {}

    def _on_mode_clicked(self, mode: int) -> None:
        self._fill(mode)
        self.stack.setCurrentIndex(mode)
        self._update_info()

    def _fill(self, mode: int) -> None:
        # Text and Hex are filled when first shown: laying out a view nobody looks at
        # was half of the UI stall when a 25 MiB body is selected (bench/large_body.py).
        content = self._unfilled.pop(mode, None)
        if content is not None:
            (self.text if mode == 1 else self.hex).setPlainText(content)

    def mode(self) -> str:
        return self.MODES[self.stack.currentIndex()]

    def _set_mode(self, mode: int) -> None:
        btn = self.buttons.button(mode)
        if btn is not None:
            btn.setChecked(True)
        self._fill(mode)
        self.stack.setCurrentIndex(mode)

    def show_body(self, body: bytes, headers: list[tuple[str, str]], prefix_note: str = "") -> None:
        self._token += 1
        self._prefix = prefix_note
        self.tree.clear()
        if len(body) > BACKGROUND_THRESHOLD:
            self._decoding = True
            self._unfilled = {}
            self.text.setPlainText("decoding…")
            self.hex.setPlainText("")
            self.info.setText(f"decoding {len(body):,} bytes…")
            workers.submit(
                partial(_decode_in_worker, body, headers), partial(self._on_decoded, self._token)
            )
        else:
            self._apply(self._token, *decode_all(body, headers))

    def is_busy(self) -> bool:
        return self._decoding

    def _on_decoded(self, token: int, result: tuple[DisplayBody, str, str, str, str]) -> None:
        if token == self._token:
            self._apply(token, *result)

    def _apply(
        self, token: int, decoded: DisplayBody, text: str, text_note: str, hexed: str, hex_note: str
    ) -> None:
        self._decoding = False
        notes = [n for n in (self._prefix, decoded.note) if n]
        self._unfilled = {1: text, 2: hexed}
        tree_note = ""
        if decoded.is_json and len(decoded.data) <= TREE_BYTES_CAP:
            self.tree.show_value(decoded.json_value)
        elif decoded.is_json:
            tree_note = "too large for the tree: see Text"
        else:
            tree_note = decoded.json_error or "not JSON"
        self._notes = {
            "Tree": "; ".join([*notes, tree_note] if tree_note else notes),
            "Text": "; ".join([*notes, text_note] if text_note else notes),
            "Hex": "; ".join([*notes, hex_note] if hex_note else notes),
        }
        if decoded.is_json and len(decoded.data) <= TREE_BYTES_CAP:
            self._set_mode(0)
        elif decoded.text is not None or not decoded.data:
            self._set_mode(1)
        else:
            self._set_mode(2)
        self._update_info()

    def _update_info(self) -> None:
        note = self._notes.get(self.mode(), "")
        self.info.setText(note)
        self.info.setToolTip(note)


def raw_text(capture: Capture, body_text_cap: int = 64 * 1024) -> str:
    """The request as received; the body's start only, long lines broken (layout cost)."""
    lines = [f"{capture.method} {capture.target} HTTP/1.1"]
    lines += [f"{k}: {v}" for k, v in capture.headers]
    body = capture.body_bytes
    shown, _ = break_long_lines(body[:body_text_cap].decode("utf-8", "replace"))
    if len(body) > body_text_cap:
        shown += f"\n… ({len(body) - body_text_cap:,} more bytes; see the Body tab)"
    return "\n".join(lines) + "\n\n" + shown


def replays_text(records: list[ReplayRecord]) -> str:
    if not records:
        return "Not replayed yet. Replay (Ctrl+R) sends it again to the listener."
    out = []
    for r in records:
        when = format_timestamp(r.at)
        result = f"failed: {r.error}" if r.error else f"{r.status} in {r.latency_ms or 0:.0f} ms"
        out.append(f"{when}  {r.url}  {result}")
    return "\n".join(out)


class DetailPane(QWidget):
    """Everything about the selected capture."""

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # No widget here may take its minimum width from its text (a path, a query, a note
        # can be one long line): the pane's own minimum caps what its contents ask for.
        self.setMinimumWidth(MIN_WIDTH)
        self.title = note_label("Select a capture to see it here.")
        self.title.setStyleSheet("padding: 4px 2px;")
        layout.addWidget(self.title)
        self.tabs = QTabWidget()
        self.body = BodyPane()
        self.headers = pairs_table(("Name", "Value"))
        query_box = QWidget()
        ql = QVBoxLayout(query_box)
        ql.setContentsMargins(0, 0, 0, 0)
        self.query_raw = note_label()
        self.query = pairs_table(("Parameter", "Value (decoded)"))
        ql.addWidget(self.query_raw)
        ql.addWidget(self.query)
        self.raw = plain_view()
        self.response = plain_view()
        self.replays = plain_view()
        self.validation = ValidationView()
        self.vendor = VendorView()
        self.tabs.addTab(self.body, "Body")
        self.tabs.addTab(self.headers, "Headers")
        self.tabs.addTab(query_box, "Query")
        self.tabs.addTab(self.raw, "Raw")
        self.tabs.addTab(self.validation, "Validation")
        self.tabs.addTab(self.vendor, "Vendor")
        self.tabs.addTab(self.response, "Response")
        self.tabs.addTab(self.replays, "Replays")
        layout.addWidget(self.tabs)
        self.capture: Capture | None = None

    def clear(self) -> None:
        self.capture = None
        self.title.setText("Select a capture to see it here.")
        self.body.show_body(b"", [])
        fill_pairs(self.headers, [])
        fill_pairs(self.query, [])
        self.query_raw.setText("")
        self.raw.setPlainText("")
        self.response.setPlainText("")
        self.replays.setPlainText("")
        self.validation.show_capture(None)
        self.vendor.show_capture(None)

    def show_capture(self, capture: Capture) -> None:
        self.capture = capture
        when = format_timestamp(capture.received_at)
        flags = []
        if capture.truncated:
            flags.append(f"TRUNCATED (body {capture.body_size:,} bytes over the limit)")
        if capture.source != "live":
            flags.append(f"source: {capture.source}")
        # What the sender called (through the tunnel: the public URL), and from where.
        called = capture.called_url() if capture.via == "tunnel" else None
        way = "through the tunnel" if capture.via == "tunnel" else "local"
        self.title.setText(
            f"{capture.method} {called or capture.target}\n{when} {way} from "
            f"{capture.remote_addr or '?'} · {capture.body_size:,} bytes · id {capture.id}"
            + (" · " + " · ".join(flags) if flags else "")
        )
        prefix = "; ".join(capture.notes)
        self.body.show_body(capture.body_bytes, capture.headers, prefix)
        fill_pairs(self.headers, capture.headers)
        self.query_raw.setText(f"?{capture.query}" if capture.query else "(no query string)")
        fill_pairs(self.query, urllib.parse.parse_qsl(capture.query, keep_blank_values=True))
        self.raw.setPlainText(raw_text(capture))
        self.response.setPlainText(response_text(capture))
        self.validation.show_capture(capture)
        self.vendor.show_capture(capture)

    def show_replays(self, records: list[ReplayRecord]) -> None:
        self.replays.setPlainText(replays_text(records))


def response_text(capture: Capture) -> str:
    resp = capture.response
    if resp is None:
        return "(no answer recorded)"
    lines = [f"HTTP {resp.status}"] + [f"{k}: {v}" for k, v in resp.headers]
    text = "\n".join(lines) + "\n\n" + resp.body[: 64 * 1024].decode("utf-8", "replace")
    fwd = capture.forward
    if fwd is not None:
        text += f"\n\n--- forwarded to {fwd.url}\n"
        if fwd.error:
            text += f"failed: {fwd.error}\n"
        else:
            text += f"HTTP {fwd.status} in {fwd.latency_ms or 0:.0f} ms\n"
            text += "\n".join(f"{k}: {v}" for k, v in fwd.headers)
            text += "\n\n" + fwd.body[: 64 * 1024].decode("utf-8", "replace")
    return text
