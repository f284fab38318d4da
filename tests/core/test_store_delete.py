"""Deleting captures the user chose, or all of them, a batch per transaction."""

from __future__ import annotations

import threading

from inspector.core.capture import Capture
from inspector.core.store import CaptureFilter, CaptureStore


def fill(store: CaptureStore, n: int) -> list[Capture]:
    caps = [Capture(method="POST", path=f"/c{i}", body=b"x" * 100) for i in range(n)]
    store.add_many(caps, emit=False)
    return caps


def test_delete_chosen_captures_with_their_bodies(store: CaptureStore) -> None:
    caps = fill(store, 10)
    removed: list[list[str]] = []
    store.removed.connect(removed.append)
    ids: list[str] = []
    assert store.delete([caps[2].seq, caps[5].seq], ids=ids) == 2
    assert sorted(ids) == sorted([caps[2].id, caps[5].id])
    assert store.count() == 8
    assert store.get(caps[2].id) is None
    assert store.get(caps[3].id) is not None and store.get(caps[3].id).body == b"x" * 100  # type: ignore[union-attr]
    assert removed == []  # the caller announces, on its own thread


def test_delete_keeps_pinned_unless_asked(store: CaptureStore) -> None:
    caps = fill(store, 6)
    store.set_pinned([caps[0].id, caps[4].id])
    assert store.pinned_count() == 2
    assert store.pinned_count([caps[0].seq, caps[1].seq]) == 1
    ids: list[str] = []
    assert store.delete([caps[0].seq, caps[1].seq], keep_pinned=True, ids=ids) == 1
    assert ids == [caps[1].id]
    assert store.get(caps[0].id) is not None and store.get(caps[0].id).body  # type: ignore[union-attr]
    store.delete(keep_pinned=True)
    assert [c.id for c in store.captures(limit=0)] == [caps[4].id, caps[0].id]
    store.delete()
    assert store.count() == 0


def test_delete_all_in_batches_reports_progress_and_stops_when_cancelled(
    store: CaptureStore,
) -> None:
    fill(store, 1000)
    seen: list[tuple[int, int]] = []
    stop = threading.Event()

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done >= 300:
            stop.set()

    deleted = store.delete(batch=100, progress=progress, cancelled=stop.is_set)
    assert deleted == 300 and store.count() == 700
    assert seen == [(n, 1000) for n in range(100, 301, 100)]
    # The oldest went first; the rest are whole, and found by a search: the index was
    # emptied first, so the scan tests them until the builder has indexed them again.
    assert min(c.seq for c in store.captures(limit=0)) == 301
    assert store.index_pending() == 700
    nineties = [f"/c{i}" for i in range(999, 989, -1)]  # /c99 itself was deleted
    assert [c.path for c in store.captures(flt=CaptureFilter(text="/C99"), limit=0)] == nineties
    assert store.build_index(batch=64) and store.index_pending() == 0
    assert [c.path for c in store.captures(flt=CaptureFilter(text="/C99"), limit=0)] == nineties
    assert store.delete(batch=128) == 700 and store.count() == 0


def test_delete_all_keeps_captures_stored_meanwhile(store: CaptureStore) -> None:
    fill(store, 300)
    late: list[Capture] = []

    def progress(done: int, total: int) -> None:
        if not late:  # a webhook arrives while the first batches are deleted
            late.extend(fill(store, 1))

    assert store.delete(batch=100, progress=progress) == 300
    assert [c.id for c in store.captures(limit=0)] == [late[0].id]


def test_deleting_most_captures_empties_the_index_and_the_rest_is_indexed_again(
    store: CaptureStore,
) -> None:
    caps = fill(store, 100)
    store.build_index()
    # A few: their entries go one by one, the rest of the index stays.
    assert store.delete([caps[0].seq, caps[1].seq]) == 2
    assert store.index_pending() == 0
    # Most of them (the whole list selected, say): the index is emptied in one step.
    assert store.delete([c.seq for c in caps[2:90]], batch=16) == 88
    assert store.index_pending() == 10
    expected = [f"/c{i}" for i in range(99, 89, -1)]
    assert [c.path for c in store.captures(flt=CaptureFilter(text="/C9"), limit=0)] == expected
    assert store.build_index() and store.index_pending() == 0
    assert [c.path for c in store.captures(flt=CaptureFilter(text="/C9"), limit=0)] == expected
