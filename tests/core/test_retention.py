"""The store's size cap removes the oldest unpinned captures, whole, and keeps pins."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from inspector.core.capture import Capture
from inspector.core.store import CaptureStore


def fill(store: CaptureStore, n: int, size: int = 20_000) -> list[Capture]:
    caps = [Capture(method="POST", path=f"/c{i}", body=os.urandom(size)) for i in range(n)]
    for i in range(0, n, 50):
        store.add_many(caps[i : i + 50], emit=False)
    return caps


def test_cap_removes_oldest_unpinned_and_keeps_pins(store: CaptureStore) -> None:
    caps = fill(store, 200)
    store.set_pinned([caps[0].id, caps[1].id])
    before = store.used_bytes()
    assert before > 4_000_000
    removed = store.enforce_cap(before // 2)
    assert removed and removed == [c.id for c in caps[2 : 2 + len(removed)]]
    assert store.used_bytes() <= before // 2
    remaining = {c.id for c in store.captures(limit=0)}
    assert caps[0].id in remaining and caps[1].id in remaining  # pinned, though oldest
    assert caps[-1].id in remaining  # newest kept
    assert caps[2].id not in remaining  # oldest unpinned went first
    assert store.get(caps[0].id).pinned  # type: ignore[union-attr]


def test_only_pins_left_stops(store: CaptureStore) -> None:
    caps = fill(store, 20)
    store.set_pinned([c.id for c in caps])
    assert store.enforce_cap(1) == []
    assert store.count() == 20


def test_kill_9_during_retention_leaves_a_consistent_store(data_dir: Path) -> None:
    store = CaptureStore.in_dir(data_dir)
    caps = fill(store, 600)
    store.close()
    # The child reports each batch it has committed (the store's ``removed`` event) and
    # waits for a go-ahead: the kill then lands while retention is provably under way.
    code = (
        "import sys; from inspector.core.store import CaptureStore;"
        "s = CaptureStore.in_dir(sys.argv[1]);"
        "s.removed.connect(lambda ids: (print(len(ids), flush=True), sys.stdin.readline()));"
        "print('go', flush=True);"
        "s.enforce_cap(1, batch=5)"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None and proc.stdout is not None
    assert proc.stdout.readline().strip() == "go"
    for _ in range(3):
        assert proc.stdout.readline().strip() == "5"  # a batch of five is committed
        proc.stdin.write("\n")
        proc.stdin.flush()
    # The fourth batch is being deleted (or has just been committed): kill it there.
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(10) == -signal.SIGKILL
    proc.stdin.close()
    proc.stdout.close()
    reopened = CaptureStore.in_dir(data_dir)
    try:
        n = reopened.count()
        # Three batches are gone for sure, the fourth whole or not at all, nothing more.
        assert n in (600 - 15, 600 - 20)
        # The oldest went first, and every remaining capture is whole: its body row is there.
        kept = {c.id for c in reopened.captures(limit=0)}
        assert kept == {c.id for c in caps[600 - n :]}
        for c in caps[600 - n :]:
            full = reopened.get(c.id)
            assert full is not None and full.body == c.body
        orphans = reopened._read(
            "SELECT count(*) FROM bodies WHERE seq NOT IN (SELECT seq FROM captures)"
        )
        assert orphans[0][0] == 0
    finally:
        reopened.close()
