"""Retention: the size cap deletes the oldest captures that are not pinned, a batch at a
time, until the store fits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

#: The ids of the oldest captures the cap may delete (pinned ones are kept), oldest first.
SELECT_OLDEST_UNPINNED = "SELECT id FROM captures WHERE pinned = 0 ORDER BY seq LIMIT ?"


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
