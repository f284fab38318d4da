"""Capture ids: unique, URL-safe, and in creation order (UUID version 7)."""

from __future__ import annotations

import threading
import time
import uuid

from inspector.core.capture import Capture, new_capture_id


def test_ids_are_uuid7_hex_in_creation_order() -> None:
    ids = [new_capture_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    for text in (ids[0], ids[-1]):
        assert len(text) == 32 and text == text.lower()
        value = uuid.UUID(text)
        assert value.version == 7
        assert value.variant == uuid.RFC_4122


def test_id_carries_the_creation_time() -> None:
    before = time.time_ns() // 1_000_000
    cid = Capture(method="GET", path="/").id
    after = time.time_ns() // 1_000_000
    stamp = int(cid[:12], 16)
    # ids made in a burst may run a millisecond or so ahead of the clock to stay in order
    assert before <= stamp <= after + 2


def test_ids_from_many_threads_are_unique() -> None:
    found: list[list[str]] = []

    def make() -> None:
        found.append([new_capture_id() for _ in range(5_000)])

    threads = [threading.Thread(target=make) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [cid for batch in found for cid in batch]
    assert len(set(every)) == len(every) == 20_000
    assert all(batch == sorted(batch) for batch in found)
