"""When commits reach the disk: within an interval (default) or inside each commit."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from helpers import wait_until

from inspector.core.capture import Capture
from inspector.core.settings import Settings
from inspector.core.store import CaptureStore
from inspector.core.walsync import WalSyncer


def _sync_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "store-wal-sync"]


def _synchronous(store: CaptureStore) -> int:
    # The lock alone: _writing() would mark the WAL changed and start the flushing thread.
    with store._wlock:
        return int(store._wconn.execute("PRAGMA synchronous").fetchone()[0])


def test_interval_durability_flushes_the_wal_soon_after_a_commit(data_dir: Path) -> None:
    before = len(_sync_threads())
    store = CaptureStore.in_dir(data_dir, sync_interval=0.05)
    try:
        assert store.durability == "interval"
        assert _synchronous(store) == 1  # NORMAL: the commit itself does not wait for the disk
        syncer = store._syncer
        assert syncer is not None
        store.add(Capture(method="POST", path="/a", body=b"x"))
        wait_until(lambda: syncer.flushes >= 1, what="the WAL flushed by the thread")
        flushed = syncer.flushes
        syncer.flush()  # what the thread does on each tick: nothing new, nothing to flush
        assert syncer.flushes == flushed
        assert len(_sync_threads()) == before + 1
    finally:
        store.close()
    assert len(_sync_threads()) == before  # close stops the thread
    reopened = CaptureStore.in_dir(data_dir)
    try:
        assert reopened.count() == 1
    finally:
        reopened.close()


def test_close_flushes_what_the_thread_has_not_yet(data_dir: Path) -> None:
    store = CaptureStore.in_dir(data_dir, sync_interval=3600)
    syncer = store._syncer
    assert syncer is not None
    store.add(Capture(method="POST", path="/a", body=b"x"))
    assert syncer.flushes == 0
    store.close()
    assert syncer.flushes == 1


def test_commit_durability_syncs_inside_every_commit(data_dir: Path) -> None:
    before = len(_sync_threads())
    store = CaptureStore.in_dir(data_dir, durability="commit")
    try:
        assert _synchronous(store) == 2  # FULL
        assert store._syncer is None
        store.add(Capture(method="POST", path="/a", body=b"x"))
        assert len(_sync_threads()) == before  # no flushing thread: the commit did it
    finally:
        store.close()


def test_unknown_durability_is_refused(data_dir: Path) -> None:
    with pytest.raises(ValueError, match="durability must be one of interval, commit"):
        CaptureStore.in_dir(data_dir, durability="sometimes")


def test_a_missing_wal_is_nothing_to_flush(tmp_path: Path) -> None:
    syncer = WalSyncer(tmp_path / "none.sqlite3-wal", 3600)
    syncer.changed()
    syncer.flush()
    assert syncer.flushes == 0
    syncer.close()


def test_durability_setting_is_checked(data_dir: Path) -> None:
    (data_dir / "settings.json").write_text(json.dumps({"durability": "commit"}))
    assert Settings.load(data_dir).durability == "commit"
    (data_dir / "settings.json").write_text(json.dumps({"durability": "fast"}))
    settings = Settings.load(data_dir)
    assert settings.durability == "interval"
    assert any("'durability'" in p for p in settings.problems)
