"""The text filter's index: an FTS5 table with the trigram tokenizer (schema 8), so that a
substring search of three characters or more reads the index instead of every capture.

The table is contentless (``content=''``: the text is not stored twice) and keeps no
positions (``detail=none``), with two columns (:func:`documents`): ``meta``, a capture's
``search_text`` as stored, and ``body``, the text of its body's head as the scan reads it.
A search asks it for the captures holding every trigram of the needle and tests those
with the scan's own test (``search.where``), so it finds exactly what the scan finds as
long as the indexed texts are the scanned ones (the folding is :mod:`.search`'s, done in
Python: ``case_sensitive 1``). Its rowid is the capture's seq, never reused
(AUTOINCREMENT). docs/decisions.md ("A million captures") says why.

It is not written with the capture: the capture's transaction stays as it was without an
index, and the index is brought up to date afterwards, a batch per short transaction of
its own (:func:`tail_step`, which the listener's writer runs when it is idle). A contentless table forgets the
text, so a capture's entry is deleted by handing FTS5 the same two texts again
(:func:`unindex`), made from the stored row the same way; the Unicode tables of Python's
``lower()`` are part of that, so the index is rebuilt when they change
(:func:`check_unicode`).

Two watermarks in ``meta`` say which captures are indexed: exactly those with
``index_from < seq <= indexed_to``. Above ``indexed_to`` is the tail stored since the
last step (:func:`tail_step` indexes it upwards); up to ``index_from`` are the captures of
a store upgraded from schema 7, or kept by Clear all (:func:`build_step` indexes them
downwards, the newest first). A search takes the index's candidates for the indexed range
and every capture outside it (``search.INDEX_HITS``), and tests them all with the scan's
own test, so it finds what the scan finds whatever the state of the index.
"""

from __future__ import annotations

import functools
import sqlite3
import unicodedata
from collections.abc import Sequence
from typing import Any

from inspector.core.store.search import fold_body

_INSERT_ONE = "(?,?,?)"
_DELETE = "INSERT INTO search_index(search_index, rowid, meta, body) VALUES('delete', ?, ?, ?)"
INDEX_FROM = "SELECT value FROM meta WHERE key='index_from'"
INDEXED_TO = "SELECT value FROM meta WHERE key='indexed_to'"
_SET_INDEX_FROM = "UPDATE meta SET value=? WHERE key='index_from'"
_SET_INDEXED_TO = "INSERT OR REPLACE INTO meta (key, value) VALUES ('indexed_to', ?)"
#: The stored texts of captures, to index them or to delete their entries.
_DOCUMENTS = (
    "SELECT c.seq, c.search_text, b.body FROM captures c LEFT JOIN bodies b ON b.seq = c.seq "
)


#: A private-use character: three of them are the whole entry of a capture that every
#: search tests (:func:`documents`). Indexed texts hold it as U+FFFD instead.
_SENTINEL = "\uf8ff"
ALWAYS = _SENTINEL * 3


def documents(seq: int, meta: str, head: bytes | None, search_from: int) -> tuple[str, str]:
    """The two indexed texts of a capture (``meta``: its ``search_text``; ``head``: the
    first :data:`~inspector.core.store.schema.SEARCH_BODY_BYTES` of its body).

    ``body`` is what the scan reads of the body in place: nothing for captures stored
    before schema 5 (``seq <= search_from``: their body's text is in ``search_text``).
    A capture whose body is not UTF-8 text (a NUL byte, copied into ``search_text`` then,
    or an invalid sequence) is indexed as :data:`ALWAYS` instead: the trigrams of random
    bytes would make its entry larger than the body, so such captures are candidates of
    every search and tested by the scan's own test. A needle holding the private-use
    character of :data:`ALWAYS` is searched by a scan (``search.uses_index``).
    """
    body = ""
    if head is not None and seq > search_from:
        if head.find(b"\0") >= 0:
            return ALWAYS, ""
        try:
            text = bytes(head).decode("utf-8")
        except UnicodeDecodeError:
            return ALWAYS, ""
        body = fold_body(text)
    return meta.replace(_SENTINEL, "\ufffd"), body.replace(_SENTINEL, "\ufffd")


@functools.lru_cache(maxsize=32)
def insert_sql(rows: int) -> str:
    return "INSERT INTO search_index(rowid, meta, body) VALUES " + ",".join([_INSERT_ONE] * rows)


def index_from(conn: sqlite3.Connection) -> int:
    """Captures with a seq above this are in the index (0: all of them)."""
    row = conn.execute(INDEX_FROM).fetchone()
    return int(row[0]) if row is not None else 0


def indexed_to(conn: sqlite3.Connection) -> int:
    """Captures with a seq above this are not in the index yet (the tail)."""
    row = conn.execute(INDEXED_TO).fetchone()
    return int(row[0]) if row is not None else 0


def _documents(rows: Sequence[tuple[Any, ...]], search_from: int) -> list[Any]:
    out: list[Any] = []
    for seq, meta, head in rows:
        out += (seq, *documents(seq, meta, head, search_from))
    return out


def unindex(conn: sqlite3.Connection, where: str, params: Sequence[Any], search_from: int) -> None:
    """Delete the index entries of the captures that ``where`` (on ``captures c``) selects,
    inside the caller's write transaction and before the rows themselves go."""
    low, high = index_from(conn), indexed_to(conn)
    rows = conn.execute(
        f"{_DOCUMENTS} WHERE c.seq > ? AND c.seq <= ? AND ({where})", (low, high, *params)
    )
    conn.executemany(_DELETE, _batched(_documents(rows.fetchall(), search_from)))


def _batched(flat: list[Any]) -> list[tuple[Any, ...]]:
    return [tuple(flat[i : i + 3]) for i in range(0, len(flat), 3)]


def forget_all(conn: sqlite3.Connection) -> int:
    """Empty the index and mark every stored capture as not indexed (in the caller's write
    transaction): the builder indexes them again, and deleting them needs no index work.
    Returns the last seq stored (every capture up to it is now outside the index)."""
    conn.execute("INSERT INTO search_index(search_index) VALUES('delete-all')")
    last = _last_seq(conn)
    conn.execute(_SET_INDEX_FROM, (last,))
    conn.execute(_SET_INDEXED_TO, (last,))
    return last


def _last_seq(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT coalesce(max(seq), 0) FROM captures").fetchone()[0])


def unicode_changed(conn: sqlite3.Connection) -> bool:
    """Whether the index was written with other Unicode tables than this Python's (or
    their version is not recorded yet), or ``indexed_to`` is missing: then
    :func:`check_unicode` has work to do."""
    if conn.execute(INDEXED_TO).fetchone() is None:
        return True
    row = conn.execute("SELECT value FROM meta WHERE key='index_unicode'").fetchone()
    return row is None or row[0] != unicodedata.unidata_version


def check_unicode(conn: sqlite3.Connection) -> None:
    """Rebuild the index when Python's Unicode tables changed since it was written (an
    entry is deleted by folding its texts again, which must give what was indexed). Call
    inside a write transaction.

    A store written when the index was kept in the capture's transaction has no
    ``indexed_to``: every capture above ``index_from`` is indexed there, so it starts at
    the last seq."""
    if conn.execute(INDEXED_TO).fetchone() is None:
        conn.execute(_SET_INDEXED_TO, (_last_seq(conn),))
    version = unicodedata.unidata_version
    row = conn.execute("SELECT value FROM meta WHERE key='index_unicode'").fetchone()
    if row is None:
        conn.execute("INSERT INTO meta (key, value) VALUES ('index_unicode', ?)", (version,))
    elif row[0] != version:
        forget_all(conn)
        conn.execute("UPDATE meta SET value=? WHERE key='index_unicode'", (version,))


def tail_step(conn: sqlite3.Connection, batch: int, search_from: int) -> int:
    """Index up to ``batch`` of the oldest captures of the tail (stored since the last
    step), in the caller's write transaction; returns how many (0: the tail is empty)."""
    rows = conn.execute(
        f"{_DOCUMENTS} WHERE c.seq > ? ORDER BY c.seq LIMIT ?", (indexed_to(conn), batch)
    ).fetchall()
    if rows:
        conn.execute(insert_sql(len(rows)), _documents(rows, search_from))
        conn.execute(_SET_INDEXED_TO, (rows[-1][0],))
    return len(rows)


def build_step(conn: sqlite3.Connection, batch: int, search_from: int) -> int:
    """Index up to ``batch`` captures not indexed yet, in the caller's write transaction:
    the tail first (:func:`tail_step`), then the newest of those up to ``index_from``;
    returns how many (0: the index is complete)."""
    count = tail_step(conn, batch, search_from)
    if count:
        return count
    limit = index_from(conn)
    if limit <= 0:
        return 0
    rows = conn.execute(
        f"{_DOCUMENTS} WHERE c.seq <= ? ORDER BY c.seq DESC LIMIT ?", (limit, batch)
    ).fetchall()
    if rows:
        conn.execute(insert_sql(len(rows)), _documents(rows, search_from))
    # A short batch was the last one: everything below it is indexed (there is nothing).
    conn.execute(_SET_INDEX_FROM, (rows[-1][0] - 1 if len(rows) == batch else 0,))
    return len(rows)


def pending(conn: sqlite3.Connection) -> int:
    """How many stored captures are not indexed yet (both ranges)."""
    sql = "SELECT count(*) FROM captures WHERE seq <= ? OR seq > ?"
    return int(conn.execute(sql, (index_from(conn), indexed_to(conn))).fetchone()[0])
