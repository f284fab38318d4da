"""Replays kept with their capture (table ``replays``): :class:`ReplayRecord` and its rows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from inspector.core.capture import format_timestamp, parse_timestamp
from inspector.core.store.fastpaths import dumps


@dataclass(slots=True)
class ReplayRecord:
    """One replay of a capture and what the target answered (kept with the capture)."""

    capture_id: str
    url: str
    at: datetime
    status: int | None = None
    latency_ms: float | None = None
    error: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


#: Stores one replay; the values come from :func:`replay_values`.
INSERT_REPLAY = (
    "INSERT INTO replays (capture_id, at, url, status, latency_ms, error, headers, body)"
    " VALUES (?,?,?,?,?,?,?,?)"
)
#: A capture's replays, oldest first, as :func:`replay_from_row` reads them.
SELECT_REPLAYS_OF = (
    "SELECT capture_id, url, at, status, latency_ms, error, headers, body FROM replays "
    "WHERE capture_id=? ORDER BY n"
)


def replay_values(record: ReplayRecord) -> tuple[Any, ...]:
    """The parameters of :data:`INSERT_REPLAY` for ``record``."""
    return (
        record.capture_id,
        format_timestamp(record.at),
        record.url,
        record.status,
        record.latency_ms,
        record.error,
        dumps(record.headers),
        record.body,
    )


def replay_from_row(row: Sequence[Any]) -> ReplayRecord:
    """A replay from a row of :data:`SELECT_REPLAYS_OF`."""
    capture_id, url, at, status, latency_ms, error, headers, body = row
    return ReplayRecord(
        capture_id=capture_id,
        url=url,
        at=parse_timestamp(at),
        status=status,
        latency_ms=latency_ms,
        error=error,
        headers=[(k, v) for k, v in json.loads(headers)],
        body=bytes(body),
    )
