"""Undoing a body's Content-Encoding (gzip, deflate), capped, for parsing and viewing.

The stored bytes are never changed: vendor parsing and the body views both decode a copy,
through this one function, and each says in its own words what happened. The output is
capped so that a small "gzip bomb" cannot inflate into gigabytes.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

#: gzip or zlib header, detected automatically
_GZIP_OR_ZLIB = 32 + zlib.MAX_WBITS


@dataclass(slots=True, frozen=True)
class Undone:
    """The result of :func:`undo_content_encoding`.

    ``data`` is the decoded body, or the body as received when ``failed`` or
    ``unsupported`` names a coding that could not be undone (``error`` says why).
    """

    data: bytes
    applied: tuple[str, ...] = ()
    capped: bool = False
    failed: str | None = None
    unsupported: str | None = None
    error: str = ""


def _inflate(data: bytes, wbits: int, cap: int) -> tuple[bytes, bool]:
    inflater = zlib.decompressobj(wbits)
    out = inflater.decompress(data, cap)
    return out, bool(inflater.unconsumed_tail)


def undo_content_encoding(body: bytes, header: str | None, cap: int) -> Undone:
    """Undo the codings of a ``Content-Encoding`` header, last applied first."""
    codings = [c.strip().lower() for c in (header or "").split(",") if c.strip()]
    data, applied, capped = body, [], False
    for coding in reversed(codings):
        if coding == "identity":
            continue
        if coding not in ("gzip", "x-gzip", "deflate"):
            return Undone(body, unsupported=coding)
        try:
            data, cut = _inflate(
                data, zlib.MAX_WBITS if coding == "deflate" else _GZIP_OR_ZLIB, cap
            )
        except zlib.error as exc:
            if coding != "deflate":
                return Undone(body, failed=coding, error=str(exc))
            try:  # some senders send a raw deflate stream without the zlib header
                data, cut = _inflate(data, -zlib.MAX_WBITS, cap)
            except zlib.error as exc2:
                return Undone(body, failed=coding, error=str(exc2))
        capped = capped or cut
        applied.append(coding)
    return Undone(data, tuple(applied), capped)
