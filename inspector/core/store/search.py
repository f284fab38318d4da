"""Finding captures: the list's filter (:class:`CaptureFilter`), the text it searches
besides a body (:func:`search_text`), and the SQL ``WHERE`` clause that applies it
(:func:`where`).

The text filter is a case-insensitive substring test on the request line, the headers, the
vendor (``captures.search_text``) and the first :data:`SEARCH_BODY_BYTES` of the body,
searched where it is stored (``bodies.body``). :meth:`CaptureFilter.matches` applies the
same test in Python to captures that arrive live.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from inspector.core.capture import Capture
from inspector.core.store.schema import SEARCH_BODY_BYTES

#: Name of the SQL function that tests a body for a needle with non-ASCII letters.
_FOLD_CONTAINS = "inspector_fold_contains"


@dataclass(slots=True, frozen=True)
class CaptureFilter:
    """What the list shows: a text filter and optional vendor/validation/source/via filters."""

    text: str = ""
    vendor: str | None = None
    validation: str | None = None
    source: str | None = None
    via: str | None = None

    @property
    def is_empty(self) -> bool:
        return not (self.text or self.vendor or self.validation or self.source or self.via)

    def matches(self, capture: Capture) -> bool:
        """The same test the SQL applies, for captures that arrive live."""
        if self.vendor and capture.vendor != self.vendor:
            return False
        if self.validation and capture.validation.result != self.validation:
            return False
        if self.source and capture.source != self.source:
            return False
        if self.via and capture.via != self.via:
            return False
        if not self.text:
            return True
        needle = self.text.lower()
        return needle in search_text(capture) or needle in _body_head_text(capture.body_bytes)


def search_text(capture: Capture) -> str:
    """The stored, lower-cased text the filter looks at besides the body: request line,
    headers, vendor.

    The body is searched where it is stored (its first :data:`SEARCH_BODY_BYTES`), except
    when that head holds a NUL byte: SQLite's LIKE stops there, so such a body's text is
    copied here (with the NULs made spaces).
    """
    # "name: value" per header, joined in C (this runs for every capture stored).
    parts = [capture.method, capture.target, *map(": ".join, capture.headers)]
    if capture.vendor:
        parts.append(capture.vendor)
    head = capture.body_bytes[:SEARCH_BODY_BYTES]
    if head.find(b"\0") >= 0:  # not "in": bytes.__contains__ tries the needle as an int first
        parts.append(head.decode("utf-8", "replace"))
    # GLOB stops at a NUL too (a header may hold one): a space keeps what follows findable.
    return "\n".join(parts).replace("\0", " ").lower()


def where(flt: CaptureFilter | None, search_from: int) -> tuple[str, list[Any]]:
    """The ``WHERE`` clause (with its leading space, or empty) on ``captures`` that keeps
    what ``flt`` matches, and its parameters.

    ``search_from`` is the last seq whose body's text was copied into ``search_text`` (by
    schema 4 and older); only later bodies are searched in ``bodies``. The connection that
    runs the clause needs :func:`install_search_functions`.
    """
    clauses: list[str] = []
    params: list[Any] = []
    if flt is not None:
        if flt.text:
            # Substring tests. On the lower-cased search_text: GLOB '*text*' scans about
            # twice as fast as instr() (bench/history.py), with * ? [ made literal. On
            # the bodies' heads, in place: LIKE, which folds ASCII case as it scans;
            # a needle with other cased letters needs Python's lower() (slower).
            needle = flt.text.lower()
            if _needs_unicode_fold(needle):
                body_test = f"{_FOLD_CONTAINS}(body, ?)"
                body_param = needle
            else:
                body_test = "CAST(body AS TEXT) LIKE ? ESCAPE '\\'"
                body_param = f"%{_like_literal(needle)}%"
            clauses.append(
                "(search_text GLOB ? OR seq IN "
                f"(SELECT seq FROM bodies WHERE seq > ? AND {body_test}))"
            )
            params += [f"*{glob_literal(needle)}*", search_from, body_param]
        if flt.vendor:
            clauses.append("vendor = ?")
            params.append(flt.vendor)
        if flt.validation:
            clauses.append("json_extract(validation, '$.result') = ?")
            params.append(flt.validation)
            if flt.validation != "unchecked":
                # The index leaves unchecked captures out; this term lets SQLite use it.
                clauses.append("json_extract(validation, '$.result') != 'unchecked'")
        if flt.source:
            clauses.append("source = ?")
            params.append(flt.source)
        if flt.via:
            clauses.append("via = ?")
            params.append(flt.via)
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def install_search_functions(conn: sqlite3.Connection) -> None:
    """Give ``conn`` the SQL function that :func:`where` uses for non-ASCII needles."""
    conn.create_function(_FOLD_CONTAINS, 2, _fold_contains, deterministic=True)


def glob_literal(text: str) -> str:
    """``text`` as a GLOB pattern matching exactly itself."""
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in text)


def _body_head_text(body: bytes | memoryview) -> str:
    """A body's searched head as lower-cased text (invalid UTF-8 replaced)."""
    return bytes(body[:SEARCH_BODY_BYTES]).decode("utf-8", "replace").lower()


def _fold_contains(body: bytes | None, needle: str) -> bool:
    """SQL function for needles with non-ASCII letters, which SQLite's LIKE does not fold."""
    return body is not None and needle in _body_head_text(body)


def _like_literal(text: str) -> str:
    """``text`` as a LIKE pattern (with ESCAPE '\\') matching exactly itself."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _needs_unicode_fold(text: str) -> bool:
    """True when ``text`` has a non-ASCII character with case (LIKE folds ASCII only)."""
    return any(ord(ch) > 127 and ch.lower() != ch.upper() for ch in text)
