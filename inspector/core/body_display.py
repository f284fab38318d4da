"""Turning raw body bytes into what the views show, without ever blocking on a huge body.

Pure functions: the GUI calls them (big bodies in a worker thread) and shows the result.
The stored bytes are never changed; gzip/deflate bodies are decoded for viewing only, with
an output cap so that a small "gzip bomb" cannot inflate into gigabytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from inspector.core.capture import header_get
from inspector.core.content_encoding import undo_content_encoding

#: Most bytes a compressed body may inflate to for viewing.
INFLATE_CAP = 25 * 1024 * 1024
#: Most characters put in a text view at once.
TEXT_CAP = 1024 * 1024
#: Most bytes of a non-UTF-8 body rendered as text.
BINARY_TEXT_CAP = 64 * 1024
#: Most bytes shown in the hex view.
HEX_CAP = 64 * 1024
#: Bodies up to this size are parsed as JSON for the tree (json.loads holds the GIL even in
#: a worker thread, so the size bounds the stall; docs/performance.md) and pretty-printed up
#: to PRETTY_CAP.
JSON_CAP = 4 * 1024 * 1024
PRETTY_CAP = 2 * 1024 * 1024
#: Longer lines are broken for display: a text widget lays out a multi-MiB line slowly.
LINE_CAP = 1024


@dataclass(slots=True)
class DisplayBody:
    """A body decoded for display: what the Tree, Text and Hex views show."""

    data: bytes
    note: str = ""  # e.g. "decoded from gzip (312 bytes on the wire)"
    text: str | None = None  # set when the bytes are valid UTF-8
    json_value: Any = None
    is_json: bool = False
    json_error: str = ""


def inflate(body: bytes, encoding: str) -> tuple[bytes, str]:
    """Decode gzip/deflate for viewing, capped at :data:`INFLATE_CAP` output bytes."""
    undone = undo_content_encoding(body, encoding, INFLATE_CAP)
    if undone.unsupported:
        return body, f"body is {encoding}-encoded; shown as received"
    if undone.failed:
        return body, (
            f"Content-Encoding says {undone.failed} but the body does not decode "
            f"({undone.error}); shown raw"
        )
    enc = ", ".join(undone.applied)
    if undone.capped:
        return undone.data, (
            f"decoded from {enc}: output over {INFLATE_CAP // (1024 * 1024)} MiB, "
            "only the start is shown"
        )
    return undone.data, f"decoded from {enc} ({len(body)} bytes on the wire)"


def decode_for_display(body: bytes, headers: list[tuple[str, str]]) -> DisplayBody:
    """Decode content-encoding, UTF-8 and JSON, for display."""
    note = ""
    data = body
    encoding = header_get(headers, "Content-Encoding")
    if encoding and body and encoding.strip().lower() != "identity":
        data, note = inflate(body, encoding)
    out = DisplayBody(data=data, note=note)
    try:
        out.text = data.decode("utf-8")
    except UnicodeDecodeError:
        out.text = None
    if out.text is not None and out.text.strip():
        stripped = out.text.lstrip()
        if stripped[:1] in ("{", "[") or "json" in (header_get(headers, "Content-Type") or ""):
            if len(data) > JSON_CAP:
                out.json_error = f"over {JSON_CAP // (1024 * 1024)} MiB: shown as text"
            else:
                try:
                    out.json_value = json.loads(out.text)
                    out.is_json = True
                except ValueError as exc:
                    out.json_error = f"not valid JSON: {exc}"
                except RecursionError:
                    out.json_error = "not shown as a tree: nested too deeply"
    return out


def pretty_text(decoded: DisplayBody) -> tuple[str, str]:
    """(text to show, note). JSON is indented when small enough; everything is capped."""
    if decoded.is_json and len(decoded.data) <= PRETTY_CAP:
        text = json.dumps(decoded.json_value, indent=2, ensure_ascii=False)
        return _cap(text)
    if decoded.text is not None:
        return _cap(decoded.text)
    # Binary: a text rendering of more than the hex view shows helps nobody and costs the
    # text widget hundreds of milliseconds of layout on the UI thread.
    text = decoded.data[:BINARY_TEXT_CAP].decode("utf-8", "replace")
    note = "not valid UTF-8: undecodable bytes are shown as �"
    if len(decoded.data) > BINARY_TEXT_CAP:
        note += f"; showing the first {BINARY_TEXT_CAP // 1024} KiB (see Hex)"
    shown, cap_note = _cap(text)
    return shown, "; ".join(n for n in (note, cap_note) if n)


def _cap(text: str) -> tuple[str, str]:
    notes = []
    if len(text) > TEXT_CAP:
        notes.append(
            f"showing the first {TEXT_CAP // (1024 * 1024)} MiB of {len(text):,} characters"
        )
        text = text[:TEXT_CAP]
    text, broken = break_long_lines(text)
    if broken:
        notes.append(f"lines over {LINE_CAP:,} characters are broken for display")
    return text, "; ".join(notes)


def break_long_lines(text: str, width: int = LINE_CAP) -> tuple[str, bool]:
    """Split lines longer than ``width`` into pieces; (text, whether anything was split)."""
    lines = text.split("\n")
    if all(len(line) <= width for line in lines):
        return text, False
    out: list[str] = []
    for line in lines:
        if len(line) <= width:
            out.append(line)
        else:
            out.extend(line[i : i + width] for i in range(0, len(line), width))
    return "\n".join(out), True


#: Printable ASCII stays, every other byte becomes "." (the dump's text column).
_PRINTABLE = bytes(b if 32 <= b < 127 else ord(".") for b in range(256))


def hex_dump(data: bytes, cap: int = HEX_CAP) -> tuple[str, str]:
    """Classic offset / hex / ASCII lines, 16 bytes per line."""
    lines = []
    view = data[:cap]
    # bytes.hex and translate work in C: a byte at a time in Python, 64 KiB held the GIL
    # long enough for the event loop to stall.
    shown = view.translate(_PRINTABLE).decode("ascii")
    for off in range(0, len(view), 16):
        hexes = view[off : off + 16].hex(" ")
        lines.append(f"{off:08x}  {hexes:<47}  {shown[off : off + 16]}")
    note = f"showing the first {cap // 1024} KiB of {len(data):,} bytes" if len(data) > cap else ""
    return "\n".join(lines), note
