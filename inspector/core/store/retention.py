"""Retention: the size cap deletes the oldest captures that are not pinned, a batch at a
time, until the store fits; the user deletes chosen captures, or all of them, the same way
(a batch per transaction, so a million rows never hold the write lock for long)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

#: The ids of the oldest captures the cap may delete (pinned ones are kept), oldest first.
SELECT_OLDEST_UNPINNED = "SELECT id FROM captures WHERE pinned = 0 ORDER BY seq LIMIT ?"


#: A batch of deletions: the bodies, then the captures, of the seqs given (``{marks}``),
#: leaving the pinned ones when ``{pinned}`` says so.
DELETE_BODIES = (
    "DELETE FROM bodies WHERE seq IN (SELECT seq FROM captures WHERE seq IN ({marks}){pinned})"
)
DELETE_CAPTURES = "DELETE FROM captures WHERE seq IN ({marks}){pinned} RETURNING id"
UNPINNED = " AND pinned = 0"
#: The next batch of a "delete all": the oldest seqs after the last batch's (all, or only
#: the unpinned ones: starting after the last batch skips the pinned ones kept before it),
#: up to the newest when the deletion started (what arrives meanwhile stays).
SELECT_NEXT_SEQS = (
    "SELECT seq FROM captures WHERE seq > ? AND seq <= ?{pinned} ORDER BY seq LIMIT ?"
)


def delete_statements(count: int, keep_pinned: bool) -> tuple[str, str]:
    """The two statements deleting ``count`` captures by seq (bodies first)."""
    marks = ",".join("?" * count)
    pinned = UNPINNED if keep_pinned else ""
    return (
        DELETE_BODIES.format(marks=marks, pinned=pinned),
        DELETE_CAPTURES.format(marks=marks, pinned=pinned),
    )


class Trimmable(Protocol):
    """What :func:`enforce_cap` needs of a store."""

    def used_bytes(self) -> int: ...

    def count(self) -> int: ...

    def oldest_unpinned(self, limit: int) -> list[str]: ...

    def remove(self, capture_ids: Iterable[str], *, emit: bool = True) -> int: ...


def enforce_cap(store: Trimmable, max_bytes: int, *, batch: int, emit: bool) -> list[str]:
    """Delete the oldest unpinned captures until ``store`` uses at most ``max_bytes``.

    Only complete captures are deleted, each batch in its own transaction, so a crash in
    the middle leaves a consistent store. Returns the ids deleted, oldest first.
    """
    removed: list[str] = []
    while (used := store.used_bytes()) > max_bytes:
        # Delete about as many as the excess needs (captures vary in size), in batches.
        count = max(1, store.count())
        wanted = -(-(used - max_bytes) * count // used)
        ids = store.oldest_unpinned(max(1, min(batch, wanted)))
        if not ids:
            break  # only pinned captures left: keep them
        store.remove(ids, emit=emit)
        removed += ids
    return removed
