"""The detail pane: Body, Headers, Query, Raw, Validation, Vendor, Response and Replays tabs.

The Body tab is :class:`inspector.gui.body_pane.BodyPane`. Nothing from a request is ever
rendered as rich text: every text widget is plain text.
"""

from __future__ import annotations

import urllib.parse

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from inspector.core.body_display import break_long_lines
from inspector.core.capture import Capture, format_timestamp
from inspector.core.store import ReplayRecord
from inspector.core.words import plural
from inspector.gui.body_pane import BodyPane
from inspector.gui.meaning import ValidationView, VendorView
from inspector.gui.widgets import fill_pairs, note_label, pairs_table, plain_view

__all__ = ["BodyPane", "DetailPane", "raw_text", "replays_text", "response_text"]

#: the detail pane's minimum width in pixels, whatever its labels hold
MIN_WIDTH = 240


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
            f"{capture.remote_addr or '?'} · {plural(capture.body_size, 'byte', grouped=True)} · id {capture.id}"
            + (" · " + " · ".join(flags) if flags else "")
        )
        self.title.setToolTip(self.title.text())
        prefix = "; ".join(capture.notes)
        self.body.show_body(capture.body_bytes, capture.headers, prefix)
        fill_pairs(self.headers, capture.headers)
        self.query_raw.setText(f"?{capture.query}" if capture.query else "(no query string)")
        self.query_raw.setToolTip(self.query_raw.text())
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
