"""The traffic chart's numbers: the store's aggregate and the live buckets agree."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from inspector.core.capture import Capture, ResponseRecord, Validation
from inspector.core.store import CaptureStore
from inspector.core.store.traffic import first_seq_since
from inspector.core.traffic import Counts, TrafficBuckets, minute_of

NOW = datetime(2026, 12, 3, 7, 30, 20, tzinfo=UTC)
#: The end of the chart's window at NOW.
LATER = minute_of(NOW) + timedelta(minutes=1)


def capture(
    minutes_ago: float, vendor: str | None = "blurit", status: int = 200, result: str = "valid"
) -> Capture:
    return Capture(
        method="POST",
        path="/hook",
        vendor=vendor,
        received_at=NOW - timedelta(minutes=minutes_ago),
        validation=Validation(result),  # type: ignore[arg-type]
        response=ResponseRecord(status, [], b""),
    )


def traffic() -> list[Capture]:
    return [
        capture(90),  # before the hour
        capture(59.9),
        capture(30, status=401, result="invalid"),
        capture(30, vendor=None, status=302, result="missing"),
        capture(30, vendor=None),
        capture(0.1, status=500),
        capture(0.05, vendor="celantur", result="unchecked"),
    ]


def test_store_aggregate_counts_by_minute_and_vendor(store: CaptureStore) -> None:
    store.add_many(traffic())
    rows = store.traffic_since(NOW - timedelta(minutes=60), LATER)
    got = {(r.minute, r.vendor): (r.total, r.failed, r.non_2xx) for r in rows}
    m = minute_of
    assert got == {
        (m(NOW - timedelta(minutes=59.9)), "blurit"): (1, 0, 0),
        (m(NOW - timedelta(minutes=30)), "blurit"): (1, 1, 1),
        (m(NOW - timedelta(minutes=30)), ""): (2, 1, 1),
        (m(NOW), "blurit"): (1, 0, 1),
        (m(NOW), "celantur"): (1, 0, 0),
    }


def test_live_buckets_match_the_store(store: CaptureStore) -> None:
    captures = traffic()
    store.add_many(captures)
    loaded = TrafficBuckets()
    loaded.load(store.traffic_since(NOW - timedelta(minutes=59, seconds=20), LATER))
    live = TrafficBuckets()
    live.add(captures)
    live.trim(NOW)
    for minute in live.window(NOW):
        assert live.at(minute) == loaded.at(minute)  # no vendor: "other" in both
    # 59.9 minutes ago is in the 60th minute back: out of the window (the current minute
    # is the window's last).
    assert live.totals(NOW) == Counts(total=5, failed=2, non_2xx=3)
    assert live.vendors() == ["blurit", "other", "celantur"]
    assert len(live.window(NOW)) == 60 and live.window(NOW)[-1] == minute_of(NOW)


def test_the_last_hour_is_found_by_seq_even_with_deleted_and_imported_rows(
    store: CaptureStore,
) -> None:
    store.add_many([capture(180 - i) for i in range(150)])  # 3 h ago up to 31 min ago
    first_recent = store.captures(limit=0, newest_first=False)[120].seq  # 60 min ago
    store.remove([c.id for c in store.captures(limit=0, newest_first=False)[100:120]])
    assert first_seq_since(store._rconn, NOW - timedelta(minutes=60)) == first_recent
    assert first_seq_since(store._rconn, NOW) == store.max_seq() + 1
    store.add(capture(600))  # imported: old time, newest seq
    rows = store.traffic_since(NOW - timedelta(minutes=60), LATER)
    assert sum(r.total for r in rows) == 30


def test_empty_store_has_no_traffic(store: CaptureStore) -> None:
    assert store.traffic_since(NOW, LATER) == []


def test_captures_dated_in_the_future_are_left_out(store: CaptureStore) -> None:
    # A sender's clock ahead, or an imported file from one: the chart never shows them.
    store.add_many([capture(1), capture(-0.5), capture(-5), capture(-60 * 24 * 30)])
    rows = store.traffic_since(NOW - timedelta(minutes=60), LATER)
    assert [(r.minute, r.total) for r in rows] == [
        (minute_of(NOW - timedelta(minutes=1)), 1),
        (minute_of(NOW + timedelta(minutes=0.5)), 1),
    ]
