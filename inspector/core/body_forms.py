"""Reading structured bodies for display: multipart parts, form fields and images.

Pure functions on bytes already decoded from their Content-Encoding. Every parser does a
bounded amount of work whatever the input (a hostile sender chooses the body): parts,
pairs and header bytes are capped, every search is a linear ``bytes.find``, and anything
malformed becomes a one-line ``note`` with as much shown as could be read, never an
exception.
"""

from __future__ import annotations

import re
import urllib.parse
from dataclasses import dataclass, field

#: Most parts listed from one multipart body; the rest are counted in the note.
MAX_PARTS = 1000
#: Most bytes of one part's header block (browsers send a few hundred).
MAX_PART_HEADER_BYTES = 16 * 1024
#: Most pairs listed from one form body.
MAX_PAIRS = 10_000
#: RFC 2046 allows boundaries up to 70 characters; a sniffed one may not be longer.
MAX_BOUNDARY = 70


@dataclass(slots=True, frozen=True)
class Part:
    """One part of a multipart body, as sent."""

    name: str | None
    filename: str | None
    content_type: str  # as declared by the part ("" when it declared none)
    headers: list[tuple[str, str]]
    data: bytes


@dataclass(slots=True)
class Multipart:
    """The parts read from a multipart body and what went wrong reading it."""

    parts: list[Part] = field(default_factory=list)
    note: str = ""  # one line; "" when the body was well formed
    boundary: str = ""


@dataclass(slots=True)
class Form:
    """The fields of an ``application/x-www-form-urlencoded`` body, in the order sent."""

    pairs: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""


# -- header parameters --------------------------------------------------------------------


def split_params(value: str) -> tuple[str, dict[str, str]]:
    """``'form-data; name="a;b"; filename=x'`` -> ("form-data", {"name": "a;b", ...}).

    Quoted strings may hold ``;`` and backslash escapes; parameter names are lower-cased;
    the first of a repeated parameter wins. ``filename*``/``name*`` (RFC 5987,
    ``charset'lang'percent-encoded``) are decoded into ``filename``/``name``.
    """
    params: dict[str, str] = {}
    extended: dict[str, str] = {}
    i, n = 0, len(value)
    end = value.find(";")
    head = (value if end < 0 else value[:end]).strip().lower()
    i = n if end < 0 else end + 1
    while i < n:
        eq = value.find("=", i)
        semi = value.find(";", i)
        if eq < 0 or (0 <= semi < eq):  # a bare word without a value: skip it
            i = n if semi < 0 else semi + 1
            continue
        key = value[i:eq].strip().lower()
        i = eq + 1
        while i < n and value[i] in " \t":
            i += 1
        if i < n and value[i] == '"':
            chars: list[str] = []
            i += 1
            while i < n and value[i] != '"':
                if value[i] == "\\" and i + 1 < n:
                    i += 1
                chars.append(value[i])
                i += 1
            val = "".join(chars)
            semi = value.find(";", i)
            i = n if semi < 0 else semi + 1
        else:
            semi = value.find(";", i)
            val = (value[i:] if semi < 0 else value[i:semi]).strip()
            i = n if semi < 0 else semi + 1
        if key.endswith("*"):
            extended.setdefault(key[:-1], _decode_ext_value(val))
        elif key:
            params.setdefault(key, val)
    params.update(extended)  # RFC 6266: the extended form wins where both are sent
    return head, params


def _decode_ext_value(value: str) -> str:
    charset, _, rest = value.partition("'")
    _, _, encoded = rest.partition("'")
    if not rest:
        return value
    raw = urllib.parse.unquote_to_bytes(encoded)
    try:
        return raw.decode(charset or "utf-8", "backslashreplace")
    except LookupError:  # an unknown charset name
        return raw.decode("utf-8", "backslashreplace")


def shown_text(raw: bytes) -> str:
    """Bytes as text for display: UTF-8, and any byte that is not shown as ``\\xNN``."""
    return raw.decode("utf-8", "backslashreplace")


def media_type(content_type: str | None) -> str:
    """``'Multipart/Form-Data; boundary=x'`` -> ``'multipart/form-data'``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


# -- multipart ----------------------------------------------------------------------------


def boundary_of(content_type: str | None) -> str | None:
    """The ``boundary`` parameter of a Content-Type, or None."""
    _, params = split_params(content_type or "")
    boundary = params.get("boundary", "")
    return boundary or None


def _sniff_boundary(body: bytes) -> str | None:
    """The boundary of a body whose first line looks like ``--boundary``."""
    start = body[: MAX_BOUNDARY + 8].lstrip(b"\r\n")
    if not start.startswith(b"--"):
        return None
    line = start[2:].split(b"\n", 1)[0].rstrip(b"\r")
    if not line or len(line) > MAX_BOUNDARY or any(b in b" \t" for b in line):
        return None
    return line.decode("latin-1")


class _Delimiters:
    """Finds ``--boundary`` lines: at the start of a line and followed by ``--``, blanks,
    a line break or the end, so that part data that merely begins like the boundary is
    not cut.

    One ``bytes.find`` per allowed follower, each remembered until passed, so the body is
    scanned at most once per follower whatever it holds: millions of look-alike lines
    (``--boundaryX``) cost no Python loop.
    """

    FOLLOWERS = (b"--", b"\r", b"\n", b" ", b"\t")

    def __init__(self, body: bytes, delim: bytes) -> None:
        self.body = body
        self.delim = delim
        self.needles = [b"\n" + delim + f for f in self.FOLLOWERS]
        self.next_at = [-2] * len(self.needles)  # -2: not searched yet; -1: none left

    def find(self, start: int) -> tuple[int, int]:
        """(where the part before the next delimiter ends, just after ``--boundary``), or
        (-1, -1) when no delimiter follows ``start``. The part's end excludes the line
        break (CRLF or LF) that belongs to the delimiter."""
        body, delim = self.body, self.delim
        if start == 0 and body.startswith(delim) and self._ends_well(len(delim)):
            return 0, len(delim)
        best = -1
        for i, needle in enumerate(self.needles):
            at = self.next_at[i]
            if at == -2 or (at != -1 and at < start):
                at = self.next_at[i] = body.find(needle, start)
            if at >= 0 and (best < 0 or at < best):
                best = at
        tail = len(body) - len(delim) - 1  # the delimiter as the body's very last bytes
        if best < 0 and tail >= start and body.endswith(b"\n" + delim):
            best = tail
        if best < 0:
            return -1, -1
        end = best
        if end > start and body[end - 1 : end] == b"\r":
            end -= 1
        return end, best + 1 + len(delim)

    def _ends_well(self, after: int) -> bool:
        follower = self.body[after : after + 1]
        return follower in (b"", b"-", b"\r", b"\n", b" ", b"\t")


#: Transport padding after a delimiter, then the end of its line.
_PADDING = re.compile(rb"[ \t]*(?:\r\n|\n)?")


def parse_multipart(body: bytes, content_type: str | None) -> Multipart:
    """Split a multipart body into its parts (RFC 2046 and RFC 7578, leniently).

    Accepts CRLF or bare LF line breaks, a quoted boundary, a missing closing delimiter
    (the last part is then kept, noted as possibly cut short) and a missing boundary
    parameter when the body's first line shows it.
    """
    notes: list[str] = []
    boundary = boundary_of(content_type)
    if boundary is None:
        boundary = _sniff_boundary(body)
        if boundary is None:
            return Multipart(note="multipart body without a boundary (none in Content-Type)")
        notes.append("no boundary in Content-Type: the body's first line was used")
    out = Multipart(boundary=boundary)
    if not body:
        out.note = "empty multipart body"
        return out
    delim = b"--" + boundary.encode("utf-8", "replace")
    delimiters = _Delimiters(body, delim)
    _, pos = delimiters.find(0)  # pos: just after "--boundary"
    if pos < 0:
        out.note = f"the boundary {boundary!r} does not occur in the body: not read as parts"
        return out
    closed = False
    while True:
        if body[pos : pos + 2] == b"--":
            closed = True
            break
        pos = _PADDING.match(body, pos).end()  # type: ignore[union-attr]  # always matches
        if len(out.parts) >= MAX_PARTS:
            notes.append(f"showing the first {MAX_PARTS:,} parts; there are more")
            closed = True
            break
        # From the line break that ended the delimiter line: the next may follow at once.
        end, nxt = delimiters.find(pos - 1 if body[pos - 1 : pos] == b"\n" else pos)
        if nxt < 0:
            if pos >= len(body):
                break
            end = len(body)
        part, problem = _read_part(body[pos : max(end, pos)])
        out.parts.append(part)
        if problem:
            notes.append(f"part {len(out.parts)}: {problem}")
        if nxt < 0:
            break
        pos = nxt
    if not closed:
        notes.append("the closing boundary is missing: the body may be cut short")
    elif not out.parts:
        notes.append("no parts")
    out.note = "; ".join(dict.fromkeys(notes))[:500]
    return out


def _header_end(raw: bytes) -> tuple[int, int]:
    """(end of the header block, start of the data) in a part; (-1, -1) if no blank line."""
    if raw.startswith(b"\r\n"):
        return 0, 2
    if raw.startswith(b"\n"):
        return 0, 1
    crlf = raw.find(b"\r\n\r\n", 0, MAX_PART_HEADER_BYTES + 4)
    lf = raw.find(b"\n\n", 0, MAX_PART_HEADER_BYTES + 2)
    if crlf >= 0 and (lf < 0 or crlf < lf):
        return crlf, crlf + 4
    if lf >= 0:
        return lf, lf + 2
    return -1, -1


def _read_part(raw: bytes) -> tuple[Part, str]:
    head_end, data_start = _header_end(raw)
    if head_end < 0:
        # No blank line after headers: show it all as data rather than guess.
        problem = "no blank line after its headers: shown whole as data"
        return Part(None, None, "", [], raw), problem
    # Undecodable bytes ride along as surrogates (so that the quoted-string parser cannot
    # mistake them for escapes) and become \xNN only for display.
    headers: list[tuple[str, str]] = []
    for line in raw[:head_end].replace(b"\r\n", b"\n").split(b"\n"):
        if line[:1] in (b" ", b"\t") and headers:  # folded onto the previous header
            key, value = headers[-1]
            headers[-1] = (key, value + " " + line.strip().decode("utf-8", "surrogateescape"))
            continue
        key_b, colon, value_b = line.partition(b":")
        if colon and key_b.strip():
            key, value = (b.strip().decode("utf-8", "surrogateescape") for b in (key_b, value_b))
            headers.append((key, value))
    lowered = {k.lower(): v for k, v in reversed(headers)}
    _, params = split_params(lowered.get("content-disposition", ""))
    name, filename = (params.get(k) for k in ("name", "filename"))
    part = Part(
        None if name is None else _shown(name),
        None if filename is None else _shown(filename),
        _shown(lowered.get("content-type", "")),
        [(_shown(k), _shown(v)) for k, v in headers],
        raw[data_start:],
    )
    return part, ""


def _shown(text: str) -> str:
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


# -- application/x-www-form-urlencoded ----------------------------------------------------


def parse_form(body: bytes) -> Form:
    """Decode a form body into (name, value) pairs, repeated names kept in order.

    ``+`` is a space and ``%XX`` a byte; bytes that are not UTF-8 are shown as ``\\xNN``
    (and said so in the note), never dropped.
    """
    out = Form()
    undecodable = False
    pieces = body.split(b"&")
    for piece in pieces:
        if not piece:
            continue
        if len(out.pairs) >= MAX_PAIRS:
            out.note = f"showing the first {MAX_PAIRS:,} of {len(pieces):,} fields"
            break
        key_b, _, value_b = piece.partition(b"=")
        texts = []
        for raw in (key_b, value_b):
            decoded = urllib.parse.unquote_to_bytes(raw.replace(b"+", b" "))
            try:
                texts.append(decoded.decode("utf-8"))
            except UnicodeDecodeError:
                undecodable = True
                texts.append(shown_text(decoded))
        out.pairs.append((texts[0], texts[1]))
    if undecodable:
        extra = "some bytes are not UTF-8: shown as \\xNN"
        out.note = f"{out.note}; {extra}" if out.note else extra
    return out


# -- images -------------------------------------------------------------------------------

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
)


def sniff_image(data: bytes) -> str | None:
    """ "PNG", "JPEG", "GIF" or "WEBP" when the bytes start as one, else None."""
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


# -- which structured view a body has -----------------------------------------------------


@dataclass(slots=True)
class Structure:
    """What :func:`read_structure` found: at most one of the three is set."""

    multipart: Multipart | None = None
    form: Form | None = None
    image: str | None = None  # the sniffed format


def read_structure(data: bytes, content_type: str | None) -> Structure:
    """The multipart parts, form fields or image format of a (decoded) body."""
    kind = media_type(content_type)
    if kind.startswith("multipart/"):
        return Structure(multipart=parse_multipart(data, content_type))
    if kind == "application/x-www-form-urlencoded":
        return Structure(form=parse_form(data))
    image = sniff_image(data)
    if image is not None:
        return Structure(image=image)
    return Structure()
