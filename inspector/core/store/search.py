"""Finding captures: the list's filter (:class:`CaptureFilter`), the text it searches
besides a body (:func:`search_text`), and the SQL ``WHERE`` clause that applies it
(:func:`where`).

The text filter is a case-insensitive substring test on the request line, the headers, the
vendor (``captures.search_text``) and the first :data:`SEARCH_BODY_BYTES` of the body,
searched where it is stored (``bodies.body``). :meth:`CaptureFilter.matches` applies the
same test in Python to captures that arrive live.

One definition serves the scan, the index (:mod:`.search_index`) and the live filter: a
capture matches when the needle, lower-cased (:func:`needles`), is in its ``search_text``
or in :func:`body_text` of its body's head. A search of three characters or more uses the
FTS5 trigram index for the captures it holds, and tests the others (the tail not indexed
yet, and the older captures while an upgraded store's index is being built) by the scan;
shorter ones scan.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from inspector.core.capture import Capture
from inspector.core.store.schema import SEARCH_BODY_BYTES

#: Name of the SQL function that tests a body for a needle with non-ASCII characters.
_FOLD_CONTAINS = "inspector_fold_contains"
#: Trigram index: a needle shorter than this is searched by a scan.
INDEX_MIN_CHARS = 3
#: The two characters outside ASCII whose ``lower()`` holds an ASCII letter (İ -> "i̇",
#: the Kelvin sign -> "k"). :func:`body_text` keeps them as they are, so that an ASCII
#: needle is found in a body exactly where SQLite's LIKE (which folds ASCII only) finds it.
_LOWERS_TO_ASCII = re.compile("([\u0130\u212a])")


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
        meta_needle, body_needle = needles(self.text)
        if meta_needle in search_text(capture):
            return True
        head = bytes(capture.body_bytes[:SEARCH_BODY_BYTES])
        return head.find(b"\0") < 0 and body_needle in body_text(head)


def needles(text: str) -> tuple[str, str]:
    """What a filter text is looked for as: in ``search_text`` (lower-cased, a NUL made a
    space as there) and in :func:`body_text` (folded the same way as the body)."""
    text = text.replace("\0", " ")
    return text.lower(), fold_body(text)


def fold_body(text: str) -> str:
    """``text.lower()``, except for the two characters whose lower case holds an ASCII
    letter (:data:`_LOWERS_TO_ASCII`), which stay as they are."""
    if text.isascii() or _LOWERS_TO_ASCII.search(text) is None:
        return text.lower()
    parts = _LOWERS_TO_ASCII.split(text)
    return "".join(part if i % 2 else part.lower() for i, part in enumerate(parts))


def body_text(head: bytes | memoryview) -> str:
    """The searched text of a body's head (at most :data:`SEARCH_BODY_BYTES`, without a
    NUL byte): UTF-8 with invalid bytes replaced, folded by :func:`fold_body`."""
    return fold_body(bytes(head).decode("utf-8", "replace"))


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


def uses_index(text: str) -> bool:
    """Whether a search for ``text`` can use the trigram index (three characters or more,
    as searched)."""
    if not text or "\uf8ff" in text:  # the index's marker character (search_index.py)
        return False
    return min(map(len, needles(text))) >= INDEX_MIN_CHARS


#: The index's candidates in seq order ({order}: ASC or DESC; the parameter: the query of
#: :func:`index_query`), joined to ``captures`` as ``hit``: SQLite then reads them in that
#: order, lazily, so a ``LIMIT`` stops it early (``seq IN (...)`` made it test every
#: candidate first).
INDEX_HITS = (
    "(SELECT rowid AS hit FROM search_index WHERE search_index MATCH ? ORDER BY rowid {order}) "
    "JOIN captures ON captures.seq = hit"
)
#: The two watermarks of the index (search_index.py): only captures with
#: ``index_from < seq <= indexed_to`` are in it. Read in the search's own statement, so
#: that it sees them as the index was when it was read (a step committed in between cannot
#: make a search miss a capture).
_LOW = "(SELECT value FROM meta WHERE key='index_from')"
_HIGH = "(SELECT value FROM meta WHERE key='indexed_to')"
#: Outside the indexed range: the scan's test applies to these without the index.
UNINDEXED = f"seq <= {_LOW} OR seq > {_HIGH}"


def indexed_select(what: str, condition: str, order: str) -> str:
    """A query of ``what`` (columns of ``captures``, the first of them ``seq``) over the
    captures that ``condition`` (from :func:`where` with ``joined``) keeps: the index's
    candidates (:data:`INDEX_HITS`; its query is the first parameter, then the
    condition's three times), and the captures outside the indexed range (the tail, and
    an upgraded store's older captures while they are being indexed), each tested by the
    condition, the scan's own test. Ordered by seq (``order``: ASC or DESC): SQLite merges
    the three parts, each read in that order, so a ``LIMIT`` still stops it early."""
    assert what.startswith("seq")
    hits = INDEX_HITS.format(order=order)
    glue = " AND " if condition else " WHERE "
    return (
        f"SELECT hit{what[3:]} FROM {hits}{condition} "
        f"UNION ALL SELECT {what} FROM captures{condition}{glue}seq <= {_LOW} "
        f"UNION ALL SELECT {what} FROM captures{condition}{glue}seq > {_HIGH} "
        f"ORDER BY 1 {order}"
    )


#: At most this many of a needle's trigrams are looked up: enough to leave few candidates.
INDEX_MAX_TRIGRAMS = 12


def index_query(text: str) -> str:
    """The FTS5 query that finds every capture whose searched text may hold ``text``: one
    that holds all of its trigrams (the index keeps no positions; :func:`where` checks the
    candidates with the scan's own test, so the index only narrows what is scanned)."""
    meta_needle, body_needle = needles(text)
    query = f"({_all_trigrams(meta_needle)})"
    if body_needle != meta_needle:  # İ or the Kelvin sign: each column has its needle
        query += f" OR ({_all_trigrams(body_needle)})"
    # Captures indexed as "test me always" (search_index.ALWAYS).
    return query + ' OR "\uf8ff\uf8ff\uf8ff"'


def _all_trigrams(needle: str) -> str:
    grams = list(dict.fromkeys(needle[i : i + 3] for i in range(len(needle) - 2)))
    if len(grams) > INDEX_MAX_TRIGRAMS:  # spread over the needle, both ends included
        step = (len(grams) - 1) / (INDEX_MAX_TRIGRAMS - 1)
        grams = [grams[round(i * step)] for i in range(INDEX_MAX_TRIGRAMS)]
    return " AND ".join('"' + gram.replace('"', '""') + '"' for gram in grams)


def where(
    flt: CaptureFilter | None, search_from: int, *, indexed: bool = False, joined: bool = False
) -> tuple[str, list[Any]]:
    """The ``WHERE`` clause (with its leading space, or empty) on ``captures`` that keeps
    what ``flt`` matches, and its parameters.

    ``search_from`` is the last seq whose body's text was copied into ``search_text`` (by
    schema 4 and older); only later bodies are searched in ``bodies``. ``indexed``: use
    the trigram index for the captures it holds, and test the others (see
    :mod:`.search_index`) as the scan does; ``joined``: the caller
    takes the index's candidates from :data:`INDEX_HITS` instead of this clause. The
    connection that runs the clause needs :func:`install_search_functions`.
    """
    clauses: list[str] = []
    params: list[Any] = []
    if flt is not None:
        if flt.text:
            # Substring tests. On the lower-cased search_text: GLOB '*text*' scans about
            # twice as fast as instr() (bench/history.py), with * ? [ made literal. On
            # the bodies' heads, in place: LIKE, which folds ASCII case as it scans, for
            # an ASCII needle (where it finds what body_text() would); any other needle
            # is looked for by Python in body_text() (slower).
            meta_needle, body_needle = needles(flt.text)
            if body_needle.isascii():
                body_test = "CAST(body AS TEXT) LIKE ? ESCAPE '\\'"
                body_param = f"%{_like_literal(body_needle)}%"
            else:
                body_test = f"{_FOLD_CONTAINS}(body, ?)"
                body_param = body_needle
            glob = f"*{glob_literal(meta_needle)}*"
            if indexed and uses_index(flt.text):
                # The index gives the candidates; each is tested as the scan would, its
                # body only when search_text does not match.
                if not joined:
                    clauses.append(
                        "(seq IN (SELECT rowid FROM search_index WHERE search_index MATCH ?) "
                        f"OR {UNINDEXED})"
                    )
                    params.append(index_query(flt.text))
                clauses.append(
                    "(search_text GLOB ? OR (seq > ? AND EXISTS "
                    f"(SELECT 1 FROM bodies WHERE bodies.seq = captures.seq AND {body_test})))"
                )
                params += [glob, search_from, body_param]
            else:
                clauses.append(
                    "(search_text GLOB ? OR seq IN "
                    f"(SELECT seq FROM bodies WHERE seq > ? AND {body_test}))"
                )
                params += [glob, search_from, body_param]
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


def _fold_contains(body: bytes | None, needle: str) -> bool:
    """SQL function for needles outside ASCII, which SQLite's LIKE does not fold (and
    reads invalid UTF-8 otherwise than Python). A head with a NUL is searched in
    ``search_text`` instead, as by LIKE."""
    if body is None:
        return False
    head = bytes(body[:SEARCH_BODY_BYTES])
    return head.find(b"\0") < 0 and needle in body_text(head)


def _like_literal(text: str) -> str:
    """``text`` as a LIKE pattern (with ESCAPE '\\') matching exactly itself."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
