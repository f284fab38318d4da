"""Captures as table rows: the columns by name, a capture to the values of its two rows
(``captures`` and ``bodies``) and back, and the multi-row INSERT that writes them.

A capture's body is stored as its first :data:`SEARCH_BODY_BYTES` (``bodies.body``, which
the text filter searches in place) and the rest of a longer one (``bodies.body_rest``).
JSON columns are written by :func:`fastpaths.dumps`.
"""

from __future__ import annotations

import functools
import itertools
import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from inspector.core.capture import (
    Capture,
    ForwardRecord,
    ResponseRecord,
    Validation,
    parse_timestamp,
)
from inspector.core.store.fastpaths import dumps
from inspector.core.store.schema import SEARCH_BODY_BYTES
from inspector.core.store.search import search_text

#: The ``captures`` columns a capture is read from (all but ``search_text``), in the order
#: :func:`capture_from_row` unpacks them.
SUMMARY_COLUMNS = (
    "seq",
    "id",
    "received_at",
    "source",
    "method",
    "path",
    "query",
    "headers",
    "body_size",
    "content_type",
    "remote_addr",
    "endpoint",
    "vendor",
    "event",
    "validation",
    "response",
    "forward",
    "truncated",
    "notes",
    "replay_of",
    "pinned",
    "via",
)
#: The ``bodies`` columns that follow :data:`SUMMARY_COLUMNS` in a whole capture's row.
BODY_COLUMNS = ("body", "response_body", "forward_body", "body_rest")

#: The select list of a capture without its bodies, from ``captures``.
SUMMARY = ", ".join(SUMMARY_COLUMNS)
#: The select list of a whole capture, from ``captures c LEFT JOIN bodies b``.
WHOLE = ", ".join(
    [*(f"c.{name}" for name in SUMMARY_COLUMNS), *(f"b.{name}" for name in BODY_COLUMNS)]
)

_SUMMARY_WIDTH = len(SUMMARY_COLUMNS)
# Written: the seq, then the values of capture_rows() in this order.
_CAPTURES_INSERTED = ", ".join([*SUMMARY_COLUMNS, "search_text"])
_BODIES_INSERTED = ", ".join(["seq", *BODY_COLUMNS])

#: The highest seq ever given (AUTOINCREMENT never reuses one, even after deletes).
_LAST_SEQ = (
    "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name='captures'), 0), "
    "coalesce((SELECT max(seq) FROM captures), 0))"
)
#: Rows per INSERT statement: powers of two up to 32, so that a handful of statement texts
#: are compiled once and cached, and 32 rows x 23 columns stays under SQLite's oldest
#: limit of 999 parameters per statement.
_MAX_CHUNK = 32

#: The values of a capture's ``captures`` row and of its ``bodies`` row, without the seq,
#: and the two texts of its search index entry.
CaptureRows = tuple[tuple[Any, ...], tuple[Any, ...]]

_chain = itertools.chain.from_iterable


def capture_rows(capture: Capture) -> CaptureRows:
    """The values of a capture's two rows, without the seq: ``captures`` in the order of
    :data:`SUMMARY_COLUMNS` then ``search_text``, ``bodies`` in that of
    :data:`BODY_COLUMNS`; then the texts of its search index entry."""
    validation = capture.validation
    response = capture.response
    forward = capture.forward
    body = capture.body_bytes
    rest = None
    if len(body) > SEARCH_BODY_BYTES:
        body, rest = body[:SEARCH_BODY_BYTES], body[SEARCH_BODY_BYTES:]
    meta = search_text(capture)
    return (
        (
            capture.id,
            capture.received_text,
            capture.source,
            capture.method,
            capture.path,
            capture.query,
            dumps(capture.headers),
            capture.body_size,
            capture.content_type,
            capture.remote_addr,
            capture.endpoint,
            capture.vendor,
            dumps(capture.event) if capture.event is not None else None,
            _validation_json(validation.result, validation.scheme, validation.detail),
            _response_meta(response) if response else None,
            dumps(forward.to_json()) if forward else None,
            int(capture.truncated),
            dumps(capture.notes) if capture.notes else "[]",
            capture.replay_of,
            int(capture.pinned),
            capture.via,
            meta,
        ),
        (
            body,
            response.body if response else b"",
            forward.body if forward else None,
            rest,
        ),
    )


def insert_captures(conn: sqlite3.Connection, rows: Sequence[CaptureRows]) -> int:
    """Insert captures' rows (from :func:`capture_rows`) under the next seqs, in order;
    returns the seq before the first (``rows[i]`` gets that plus ``i + 1``).

    Run it inside a write transaction: the seqs are counted from the highest given so far,
    which no other writer can change until the commit. The search index is not written
    here: the captures are the index's tail until a step indexes them
    (``search_index.tail_step``).
    """
    base: int = conn.execute(_LAST_SEQ).fetchone()[0]
    start = 0
    for size in _chunk_sizes(len(rows)):
        chunk = rows[start : start + size]
        first = base + start + 1
        # Flattened a row at a time (a tuple each), not a value at a time.
        conn.execute(
            _insert_sql("captures", _CAPTURES_INSERTED, size),
            list(_chain((first + i, *capture) for i, (capture, _) in enumerate(chunk))),
        )
        conn.execute(
            _insert_sql("bodies", _BODIES_INSERTED, size),
            list(_chain((first + i, *bodies) for i, (_, bodies) in enumerate(chunk))),
        )
        start += size
    return base


def capture_from_row(row: Sequence[Any]) -> Capture:
    """A capture from a row of :data:`SUMMARY` (its body not loaded: ``None``) or of
    :data:`WHOLE` (with its body and the bodies of its answer and forward)."""
    if len(row) > _SUMMARY_WIDTH:
        return _capture(row[:_SUMMARY_WIDTH], row[_SUMMARY_WIDTH:])
    return _capture(row, None)


def whole_body(head: bytes | None, rest: bytes | None) -> bytes:
    """A body as stored in ``bodies``: its head, then the rest of a long one."""
    if head is None:
        return b""
    return bytes(head) + bytes(rest) if rest else bytes(head)


def _capture(summary: Sequence[Any], bodies: Sequence[Any] | None) -> Capture:
    (
        seq,
        cid,
        received_at,
        source,
        method,
        path,
        query,
        headers,
        body_size,
        content_type,
        remote_addr,
        endpoint,
        vendor,
        event,
        validation,
        response_json,
        forward_json,
        truncated,
        notes,
        replay_of,
        pinned,
        via,
    ) = summary
    response = ResponseRecord.from_json(json.loads(response_json)) if response_json else None
    forward = ForwardRecord.from_json(json.loads(forward_json)) if forward_json else None
    body = None
    if bodies is not None:
        body_head, response_body, forward_body, body_rest = bodies
        body = whole_body(body_head, body_rest)
        if response is not None:
            response.body = response_body or b""
        if forward is not None:
            forward.body = forward_body or b""
    return Capture(
        seq=seq,
        id=cid,
        received_at=parse_timestamp(received_at),
        source=source,
        method=method,
        path=path,
        query=query,
        headers=[(k, v) for k, v in json.loads(headers)],
        body=body,
        body_size=body_size,
        content_type=content_type,
        remote_addr=remote_addr,
        endpoint=endpoint,
        vendor=vendor,
        event=json.loads(event) if event else None,
        validation=Validation.from_json(json.loads(validation)),
        response=response,
        forward=forward,
        truncated=bool(truncated),
        notes=list(json.loads(notes)),
        replay_of=replay_of,
        pinned=bool(pinned),
        via=via,
    )


def _chunk_sizes(n: int) -> list[int]:
    sizes = [_MAX_CHUNK] * (n // _MAX_CHUNK)
    rest = n % _MAX_CHUNK
    bit = _MAX_CHUNK // 2
    while rest:
        if rest >= bit:
            sizes.append(bit)
            rest -= bit
        bit //= 2
    return sizes


@functools.lru_cache(maxsize=32)
def _insert_sql(table: str, columns: str, rows: int) -> str:
    marks = "(" + ",".join("?" * (columns.count(",") + 1)) + ")"
    return f"INSERT INTO {table} ({columns}) VALUES " + ",".join([marks] * rows)


# Most captures repeat a handful of validations ("no endpoint is configured ...") and
# answers: their JSON is made once.
@functools.lru_cache(maxsize=512)
def _validation_json(result: Any, scheme: str | None, detail: str) -> str:
    return dumps(Validation(result, scheme, detail).to_json())


@functools.lru_cache(maxsize=512)
def _response_json(status: int, headers: tuple[tuple[str, str], ...]) -> str:
    return dumps(ResponseRecord(status, list(headers)).to_json(include_body=False))


def _response_meta(response: ResponseRecord) -> str:
    try:
        return _response_json(response.status, tuple(response.headers))
    except TypeError:  # headers given as lists (not hashable): no cache
        return dumps(response.to_json(include_body=False))
