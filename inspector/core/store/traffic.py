"""The traffic chart's aggregate: captures per minute and vendor since a time, with failed
validations and non-2xx answers counted (:class:`~inspector.core.traffic.TrafficRow`).

No index on ``received_at`` exists, and adding one would cost every insert a page write.
Live captures get increasing ``seq`` numbers in arrival order, so the last hour is a tail
of the table: :func:`first_seq_since` finds where it starts with a binary search over the
primary key (about 20 point reads for a million rows), and the aggregate reads only rows
from there (``seq >= ?``, a range of the primary key). ``received_at >= ?`` is checked as
well, for imported captures, which keep their original time but get new seq numbers.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from inspector.core.capture import format_timestamp, parse_timestamp
from inspector.core.traffic import TrafficRow

#: Per minute (the timestamp's first 16 characters, "YYYY-MM-DDTHH:MM") and vendor.
AGGREGATE = """
SELECT substr(received_at, 1, 16) AS minute, coalesce(vendor, '') AS v, count(*),
       sum(json_extract(validation, '$.result') IN ('invalid', 'missing')),
       sum(coalesce(json_extract(response, '$.status'), 0) >= 300)
FROM captures WHERE seq BETWEEN ? AND ? AND received_at >= ? AND received_at < ?
GROUP BY minute, v ORDER BY minute, v
"""


def first_seq_since(conn: sqlite3.Connection, since: datetime) -> int:
    """The lowest seq whose capture was received at or after ``since`` (assuming seq order
    is time order, as it is for live captures); one past the last seq when none was."""
    stamp = format_timestamp(since)
    low, high = conn.execute(
        "SELECT coalesce(min(seq), 1), coalesce(max(seq), 0) FROM captures"
    ).fetchone()
    answer = high + 1
    while low <= high:
        middle = (low + high) // 2
        # The first row at or after the middle (seqs of deleted captures are gaps).
        row = conn.execute(
            "SELECT seq, received_at FROM captures WHERE seq >= ? ORDER BY seq LIMIT 1",
            (middle,),
        ).fetchone()
        if row is None or row[1] >= stamp:
            if row is not None:
                answer = min(answer, row[0])
            high = middle - 1
        else:
            low = row[0] + 1
    return answer


def traffic_since(
    conn: sqlite3.Connection, since: datetime, until: datetime, until_seq: int | None = None
) -> list[TrafficRow]:
    """The aggregate rows for captures received at or after ``since`` and before
    ``until`` (and, with ``until_seq``, stored up to that seq: live captures after it are
    counted by the chart). ``until`` keeps captures dated in the future (a sender's or an
    imported file's clock) out: the chart never shows them, and a history of them would
    make the rows many."""
    start = first_seq_since(conn, since)
    end = until_seq if until_seq is not None else 2**63 - 1
    stamps = (format_timestamp(since), format_timestamp(until))
    rows = conn.execute(AGGREGATE, (start, end, *stamps)).fetchall()
    return [
        TrafficRow(parse_timestamp(minute + ":00Z"), vendor, total, failed or 0, non_2xx or 0)
        for minute, vendor, total, failed, non_2xx in rows
    ]
