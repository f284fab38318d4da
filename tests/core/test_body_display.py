"""Decoding bodies for display: gzip inflated with a cap, JSON pretty-printed, lines broken."""

from __future__ import annotations

import gzip
import json
import zlib

from hypothesis import given
from hypothesis import strategies as st

from inspector.core.body_display import (
    INFLATE_CAP,
    LINE_CAP,
    TEXT_CAP,
    break_long_lines,
    decode_for_display,
    hex_dump,
    pretty_text,
)


def test_gzip_and_deflate_bodies_are_decoded_for_viewing_only() -> None:
    raw = b'{"a": 1}'
    for wire, enc in ((gzip.compress(raw), "gzip"), (zlib.compress(raw), "deflate")):
        decoded = decode_for_display(wire, [("Content-Encoding", enc)])
        assert decoded.data == raw and decoded.is_json
        assert decoded.note.startswith(f"decoded from {enc}")


def test_gzip_bomb_is_capped() -> None:
    bomb = gzip.compress(b"\0" * (INFLATE_CAP + 5 * 1024 * 1024))
    decoded = decode_for_display(bomb, [("Content-Encoding", "gzip")])
    assert len(decoded.data) == INFLATE_CAP
    assert "only the start is shown" in decoded.note


def test_bad_encoding_and_invalid_json_are_explained() -> None:
    decoded = decode_for_display(b"not gzip", [("Content-Encoding", "gzip")])
    assert decoded.data == b"not gzip" and "does not decode" in decoded.note
    broken = decode_for_display(b'{"url": "https://x.io/a.jpg\xe2\x80\x9d}', [])
    assert not broken.is_json and broken.json_error.startswith("not valid JSON")


def test_big_minified_json_is_shown_as_text_with_short_lines() -> None:
    body = json.dumps({"items": [{"i": i, "pad": "x" * 50} for i in range(100_000)]}).encode()
    assert len(body) > 5 * 1024 * 1024
    decoded = decode_for_display(body, [("Content-Type", "application/json")])
    assert not decoded.is_json and decoded.json_error == "over 4 MiB: shown as text"
    text, note = pretty_text(decoded)
    assert len(text.replace("\n", "")) <= TEXT_CAP and "showing the first 1 MiB" in note
    assert max(len(line) for line in text.split("\n")) <= LINE_CAP


def test_medium_json_is_pretty_printed() -> None:
    body = json.dumps({"items": [{"i": i} for i in range(1000)]}).encode()
    text, note = pretty_text(decode_for_display(body, []))
    assert text.startswith('{\n  "items": [') and note == ""


def test_deeply_nested_json_does_not_crash() -> None:
    decoded = decode_for_display(b"[" * 50_000, [])
    assert not decoded.is_json and "nested too deeply" in decoded.json_error


def test_one_huge_line_is_broken_for_display() -> None:
    text, note = pretty_text(decode_for_display(b"a" * (LINE_CAP * 3 + 5), []))
    assert text.split("\n") == ["a" * LINE_CAP] * 3 + ["a" * 5]
    assert "broken for display" in note
    assert break_long_lines("short\nlines") == ("short\nlines", False)


def test_binary_body_text_and_hex() -> None:
    body = bytes(range(256))
    _, note = pretty_text(decode_for_display(body, []))
    assert "not valid UTF-8" in note
    dump, dump_note = hex_dump(body * 1000)
    assert dump.splitlines()[1].startswith("00000010  10 11 12")
    assert "showing the first 64 KiB" in dump_note


def _reference_hex_dump(data: bytes) -> str:
    """The dump's format, a byte at a time: offset, 16 hex bytes, printable ASCII or '.'."""
    lines = []
    for off in range(0, len(data), 16):
        chunk = data[off : off + 16]
        hexes = " ".join(f"{b:02x}" for b in chunk)
        text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
        lines.append(f"{off:08x}  {hexes:<47}  {text}")
    return "\n".join(lines)


@given(st.binary(max_size=600))
def test_hex_dump_lines(data: bytes) -> None:
    assert hex_dump(data)[0] == _reference_hex_dump(data)


def test_hex_dump_stops_at_its_cap() -> None:
    data = bytes(range(256)) * 300
    text, note = hex_dump(data)
    assert text == _reference_hex_dump(data[: 64 * 1024])
    assert note == f"showing the first 64 KiB of {len(data):,} bytes"
