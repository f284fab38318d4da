"""Reading an export file of any size a capture at a time: :func:`read_captures`.

The file is parsed incrementally by ijson's C backend (yajl): one HAR entry or one capture
object is in memory at a time, whatever the file's size. A first pass over the file's
opening reads what comes before the list (the format, its version, whether secrets were
masked) and stops where the list begins; the second yields the list's items.

Where yajl cannot give back what :mod:`json` would, the list is read again from its start
by :class:`_ExactItems`, still incrementally, with :mod:`json`'s own decoder one item at a
time, and the captures already given are skipped: integers beyond 64 bits, ``NaN`` and
``Infinity``, a float beyond the double range, and lone UTF-16 surrogate escapes
(``"\\ud800"``; yajl turns a lone high one into ``?`` without a word, so the bytes are
watched for it as they are read). None of these comes out of our exports of ordinary
captures; JSON bodies that held them can put them in a capture's ``event``. ijson's
pure-Python backend, the other way to read them, needed 54 s and 188 MB for 600 entries
of a 1 GB file (its buffer grows with what it has not parsed yet). A file whose opening
neither parser reads is read whole by :mod:`json`, as every import was before.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import ijson  # type: ignore[import-untyped]

from inspector.core.capture import Capture
from inspector.core.formats._common import CancelCheck, ImportCancelled, bad_input, parse_document
from inspector.core.formats.har import har_capture, is_har, iter_har
from inspector.core.formats.native import (
    FORMAT_NAME,
    check_header,
    is_native,
    iter_native,
    native_capture,
)

#: ``progress(bytes read, file size)``
ByteProgress = Callable[[int, int], None]

_BACKEND = ijson.get_backend("yajl2_c")
_HAR_ITEMS = "log.entries.item"
_BOM = b"\xef\xbb\xbf"
#: A high surrogate escape not followed by a low one (see the module's docstring).
_LONE_SURROGATE = re.compile(rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})")
#: Bytes kept from one read to scan with the next, so an escape split between two reads is
#: seen whole (a surrogate pair is 12 bytes).
_OVERLAP = 12


class _NeedsJson(Exception):
    """yajl cannot read this file as :mod:`json` would: read it whole with :mod:`json`."""


class _Watched:
    """A binary file as ijson reads it, watched for lone surrogate escapes, counting bytes."""

    def __init__(self, fp: BinaryIO, size: int, progress: ByteProgress | None) -> None:
        self.fp, self.size, self.progress = fp, size, progress
        self.tail = b""
        self.done = 0

    def read(self, n: int = -1) -> bytes:
        data = self.fp.read(n)
        scanned = self.tail + data
        for match in _LONE_SURROGATE.finditer(scanned):
            # One at the very end may yet be followed by its low half in the next read.
            if data and match.end() + 12 > len(scanned):
                continue
            raise _NeedsJson
        self.tail = scanned[-_OVERLAP:]
        self.done += len(data)
        if self.progress is not None and data:
            self.progress(self.done, self.size)
        return data


def read_captures(
    path: Path,
    *,
    keep_source: bool = False,
    on_progress: ByteProgress | None = None,
    cancel: CancelCheck | None = None,
) -> Iterator[Capture]:
    """The captures of the HAR or webhook-inspector export at ``path``, one at a time.

    Raises ``ValueError`` starting with :data:`~inspector.core.formats.NOT_AN_EXPORT`
    for bad input (captures before the bad one have been yielded), ``OSError`` when the
    file cannot be read, and :class:`ImportCancelled` (with no captures: they were
    yielded) when ``cancel()`` is true.
    """
    size = path.stat().st_size
    yielded = 0
    layout: tuple[str, bool] | None = None
    try:
        with open(path, "rb") as fp:
            start = _skip_bom(fp)
            layout = prefix, masked = _layout(fp, start)
            fp.seek(start)
            items = _BACKEND.items(_Watched(fp, size, on_progress), prefix, use_float=True)
            for index, item in enumerate(items):
                if cancel is not None and cancel():
                    raise ImportCancelled([])
                yield _capture(prefix, item, index, masked, keep_source)
                yielded += 1
        return
    except ijson.IncompleteJSONError as exc:
        if "premature EOF" in str(exc):  # cut off: no other reader would do better
            raise bad_input("not JSON (the file ends early: was it cut off?)") from None
    except (_NeedsJson, ijson.JSONError, UnicodeDecodeError):
        pass
    if layout is None:
        yield from _whole(path, yielded, keep_source, cancel)
    else:
        prefix, masked = layout
        with open(path, "rb") as fp:
            fp.seek(_skip_bom(fp))
            exact = _ExactItems(fp, size, on_progress)
            for index, item in enumerate(exact.items(prefix)):
                if index < yielded:
                    continue  # given before yajl stopped
                if cancel is not None and cancel():
                    raise ImportCancelled([])
                yield _capture(prefix, item, index, masked, keep_source)
    if on_progress is not None:
        on_progress(size, size)


def _capture(prefix: str, item: Any, index: int, masked: bool, keep_source: bool) -> Capture:
    if prefix == _HAR_ITEMS:
        return har_capture(item, index, keep_source=keep_source)
    return native_capture(item, index, masked=masked, keep_source=keep_source)


def _whole(
    path: Path, skip: int, keep_source: bool, cancel: CancelCheck | None
) -> Iterator[Capture]:
    """Read whole by json, as before; the first ``skip`` captures are not yielded."""
    doc = parse_document(path.read_bytes())
    if is_native(doc):
        again = iter_native(doc, keep_source=keep_source)
    elif is_har(doc):
        again = iter_har(doc, keep_source=keep_source)
    elif isinstance(doc, dict):
        raise bad_input('neither a "log" object (HAR) nor "format": "webhook-inspector"')
    else:
        raise bad_input(f"the top level is a JSON {type(doc).__name__}, not an object")
    for index, capture in enumerate(again):
        if index < skip:
            continue
        if cancel is not None and cancel():
            raise ImportCancelled([])
        yield capture


class _ExactItems:
    """The items of the list at an ijson prefix (``captures.item``, ``log.entries.item``),
    each decoded by :mod:`json` from a window of the file's text that grows until it holds
    the item: exactly what ``json.loads`` gives, in memory bounded by the largest item."""

    _SPACE = re.compile(r"\s*")

    def __init__(self, fp: BinaryIO, size: int, progress: ByteProgress | None) -> None:
        self.fp, self.size, self.progress = fp, size, progress
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.json = json.JSONDecoder()
        self.buf = ""
        self.pos = 0
        self.read_bytes = 0
        self.eof = False

    def _fill(self, at_least: int) -> None:
        if self.pos > 1 << 20:  # drop what was parsed
            self.buf, self.pos = self.buf[self.pos :], 0
        data = self.fp.read(max(at_least, 1 << 16))
        self.read_bytes += len(data)
        self.buf += self.decoder.decode(data, final=not data)
        self.eof = not data
        if self.progress is not None and data:
            self.progress(self.read_bytes, self.size)

    def _peek(self) -> str:
        """The next character that is not white space ("" at the end)."""
        while True:
            self.pos = self._SPACE.match(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf) or self.eof:
                return self.buf[self.pos : self.pos + 1]
            self._fill(0)

    def _expect(self, char: str) -> None:
        if self._peek() != char:
            raise bad_input(f"not JSON (expected {char!r} at character {self._offset()})")
        self.pos += 1

    def _offset(self) -> int:
        return self.read_bytes - len(self.buf) + self.pos  # about: characters, not bytes

    def _value(self) -> Any:
        self._peek()
        while True:
            try:
                value, end = self.json.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                if self.eof:
                    raise bad_input(f"not JSON ({exc.msg} at character {self._offset()})") from None
            else:
                # A number that ends with the window may go on in the file.
                if end < len(self.buf) or self.eof:
                    self.pos = end
                    return value
            self._fill(len(self.buf) - self.pos)  # double the window

    def items(self, prefix: str) -> Iterator[Any]:
        path = prefix.split(".")[:-1]  # ["captures"] or ["log", "entries"]
        for depth, wanted in enumerate(path):
            self._expect("{")
            while True:
                key = self._value()
                self._expect(":")
                if key == wanted and self._peek() == ("[" if depth == len(path) - 1 else "{"):
                    break
                self._value()  # another member: read and dropped
                if self._peek() != ",":
                    return  # the object ended without it (the first pass found it)
                self.pos += 1
        self._expect("[")
        if self._peek() == "]":
            return
        while True:
            yield self._value()
            if self._peek() != ",":
                self._expect("]")
                return
            self.pos += 1


def _skip_bom(fp: BinaryIO) -> int:
    head = fp.read(len(_BOM))
    if head == _BOM:
        return len(_BOM)
    fp.seek(0)
    if not head.strip() and not fp.read(4096).strip():
        raise bad_input("the file is empty")
    fp.seek(0)
    return 0


_TYPE_NAMES = {
    "start_array": "list",
    "string": "str",
    "number": "number",
    "boolean": "bool",
    "null": "null",
}


def _layout(fp: BinaryIO, start: int) -> tuple[str, bool]:
    """Where the list of captures is (an ijson prefix) and whether its secrets were masked,
    from the opening of the file up to that list (further only when its header fields
    come after it)."""
    fp.seek(start)
    events = _BACKEND.parse(fp, use_float=True)
    _, event, _ = next(events)
    if event != "start_map":
        raise bad_input(f"the top level is a JSON {_TYPE_NAMES.get(event, event)}, not an object")
    header: dict[str, Any] = {}
    list_type: dict[str, str] = {}
    for prefix, event, value in events:
        if prefix in ("format", "version", "masked"):
            header.setdefault(prefix, value if event not in ("start_map", "start_array") else ...)
        elif prefix in ("captures", "log.entries"):
            list_type.setdefault(prefix, event)
        elif prefix == "log" and event == "start_map":
            header.setdefault("log", True)
        if header.get("format") == FORMAT_NAME:
            if "captures" in list_type and "version" in header and "masked" in header:
                break  # our own files: the header, then the list
        elif header.get("log") and "log.entries" in list_type:
            break
    if header.get("format") == FORMAT_NAME:
        check_header(header.get("version"))
        if list_type.get("captures") != "start_array":
            raise bad_input('"captures" is not a list')
        return "captures.item", bool(header.get("masked"))
    if header.get("log"):
        if list_type.get("log.entries") != "start_array":
            raise bad_input('"log.entries" is not a list')
        return _HAR_ITEMS, False
    raise bad_input('neither a "log" object (HAR) nor "format": "webhook-inspector"')
