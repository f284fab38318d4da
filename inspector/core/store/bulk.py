"""Work over many captures at once, for worker threads: reading a whole history for an
export (:func:`iter_captures`), deleting chosen captures or all of them (:func:`delete`, the
window's Delete and Clear all), and building the search index of an upgraded store or of
what Clear all kept (:func:`build_index`). Each goes a batch per transaction, so the
listener's commits go in between and an interrupted run leaves whole captures; none emits
the store's events (the caller announces what changed on its own thread)."""

from __future__ import annotations

import array
import bisect
import contextlib
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from inspector.core.capture import Capture
from inspector.core.store import retention, search_index
from inspector.core.store.rows import WHOLE, capture_from_row
from inspector.core.store.schema import transaction
from inspector.core.store.search import CaptureFilter

Progress = Callable[[int, int], None]
Stop = Callable[[], bool]


class Store(Protocol):
    """What these functions need of :class:`~inspector.core.store.CaptureStore`."""

    def _writing(self) -> contextlib.AbstractContextManager[sqlite3.Connection]: ...

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    def _where(self, flt: CaptureFilter | None) -> tuple[str, list[Any]]: ...

    def seqs(self, flt: CaptureFilter | None = None) -> list[int]: ...

    def count(self, flt: CaptureFilter | None = None) -> int: ...

    def index_pending(self) -> int: ...

    def max_seq(self) -> int: ...

    def _value(self, sql: str, params: Sequence[Any] = ()) -> Any: ...


def delete(
    store: Store,
    seqs: Sequence[int] | None,
    keep_pinned: bool,
    batch: int,
    progress: Progress | None,
    cancelled: Stop | None,
    ids: list[str] | None,
    search_from: int,
) -> int:
    """Delete the captures numbered ``seqs`` (None: every capture stored when the call
    starts; those stored meanwhile stay), the pinned ones too unless ``keep_pinned``.
    Returns how many were deleted, and appends their ids to ``ids`` when given (a
    million ids are ~75 MB: "delete all" need not collect them).

    Made for the user's Delete and Clear all, off the UI thread: a batch per transaction,
    so the listener keeps storing in between; ``progress(done, total)`` after each batch;
    ``cancelled()`` is asked between batches (what was deleted stays deleted).

    The search index follows. Chosen captures' entries go in their batch's transaction.
    For all of them, or more than half of the history, the index is emptied first, in one
    step: taking out entries of a contentless FTS5 table writes as much as indexing them
    did (docs/performance.md, Clear all), so indexing again what stays costs less. What
    is left (the pinned captures, the rest after a cancel, the captures not chosen) is
    then outside the indexed range, where the batches' unindexing finds nothing to do and
    searches test it by the scan until the builder (:func:`build_index`) has indexed it.
    """
    if seqs is None or _most_of(store, len(seqs)):
        with store._writing() as conn, transaction(conn):
            top = search_index.forget_all(conn)
    if seqs is None:
        where = " AND pinned = 0" if keep_pinned else ""
        total = store._value(f"SELECT count(*) FROM captures WHERE seq <= ?{where}", (top,))
        select = retention.SELECT_NEXT_SEQS.format(pinned=retention.UNPINNED if keep_pinned else "")
        last = 0
    else:
        chosen = sorted(set(seqs))
        total = len(chosen)
    deleted = done = 0
    while not (cancelled is not None and cancelled()):
        if seqs is None:
            chunk = [seq for (seq,) in store._read(select, (last, top, batch))]
            last = chunk[-1] if chunk else last
        else:
            chunk = chosen[done : done + batch]
        if not chunk:
            break
        bodies, captures = retention.delete_statements(len(chunk), keep_pinned)
        marks = ",".join("?" * len(chunk))
        pinned_only = " AND c.pinned = 0" if keep_pinned else ""
        with store._writing() as conn, transaction(conn):
            in_chunk = f"c.seq IN ({marks}){pinned_only}"
            search_index.unindex(conn, in_chunk, chunk, search_from)
            conn.execute(bodies, chunk)
            gone = conn.execute(captures, chunk).fetchall()
        deleted += len(gone)
        if ids is not None:
            ids += [cid for (cid,) in gone]
        done += len(chunk)
        if progress is not None:
            progress(min(done, total), total)
    return deleted


def _most_of(store: Store, count: int) -> bool:
    """Whether ``count`` captures are more than half of those stored. Told by the range of
    seqs (two lookups), which counts deleted captures' gaps too: with many gaps it says
    no when the answer is yes, and the deletion then takes entries out one by one."""
    low, high = store._read("SELECT coalesce(min(seq), 1), coalesce(max(seq), 0) FROM captures")[0]
    return 2 * count > high - low + 1


def build_index(
    store: Store, search_from: int, batch: int, on_progress: Progress | None, stop: Stop | None
) -> bool:
    """Index the captures stored before the index existed (an upgraded store, or what Clear
    all kept), newest first; searches scan until it is done. Returns True when the index is
    complete, False when ``stop()`` became true first (what is indexed stays)."""
    total = store.index_pending()
    done = 0
    while total:
        if stop is not None and stop():
            return False
        with store._writing() as conn, transaction(conn):
            count = search_index.build_step(conn, batch, search_from)
        if not count:
            break
        done += count
        if on_progress is not None:
            on_progress(min(done, total), total)
    return True


def iter_captures(store: Store, flt: CaptureFilter | None, batch_bytes: int) -> Iterator[Capture]:
    """Every capture ``flt`` matches, whole (bodies included), oldest first, read a few at
    a time (about ``batch_bytes`` of bodies, at most 200): an export of any size in bounded
    memory. Captures added meanwhile are included, deleted ones left out."""
    condition, params = store._where(flt)
    # A text search is run once (a search per page would repeat its work): its seqs are
    # kept as 8-byte integers. Other filters are applied per page.
    matching = array.array("q", store.seqs(flt)) if flt is not None and flt.text else None
    glue = " AND " if condition else " WHERE "
    last = 0
    while True:
        if matching is not None:
            start = bisect.bisect_right(matching, last)
            chunk = list(matching[start : start + 1000])
            if not chunk:
                return
            marks = ",".join("?" * len(chunk))
            page = store._read(
                f"SELECT seq, body_size FROM captures WHERE seq IN ({marks}) ORDER BY seq", chunk
            )
            last = chunk[-1]  # those deleted since the search are skipped
        else:
            page = store._read(
                f"SELECT seq, body_size FROM captures{condition}{glue}seq > ? "
                "ORDER BY seq LIMIT 1000",
                [*params, last],
            )
            if not page:
                return
            last = page[-1][0]
        group: list[int] = []
        size = 0
        for n, (seq, body_size) in enumerate(page):
            group.append(seq)
            size += body_size
            if size >= batch_bytes or len(group) >= 200 or n == len(page) - 1:
                yield from _whole(store, group)
                group, size = [], 0


def _whole(store: Store, seqs: list[int]) -> list[Capture]:
    marks = ",".join("?" * len(seqs))
    rows = store._read(
        f"SELECT {WHOLE} FROM captures c LEFT JOIN bodies b ON b.seq = c.seq "
        f"WHERE c.seq IN ({marks}) ORDER BY c.seq",
        seqs,
    )
    return [capture_from_row(r) for r in rows]
