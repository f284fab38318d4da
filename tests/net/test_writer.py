"""Group commit: captures are durable before write() returns; prepare runs before storing."""

from __future__ import annotations

import asyncio
import threading

from inspector.core.capture import Capture
from inspector.core.store import CaptureStore
from inspector.net.writer import CaptureWriter


async def test_prepare_runs_off_the_loop_before_the_capture_is_stored(
    store: CaptureStore,
) -> None:
    writer = CaptureWriter(store)
    loop_thread = threading.get_ident()
    seen: list[tuple[int, bool]] = []

    def prepare(capture: Capture) -> None:
        seen.append((threading.get_ident(), store.get(capture.id) is not None))
        capture.vendor = "generic"

    capture = Capture(method="POST", path="/p", body=b"x")
    await writer.write(capture, prepare)
    (thread, stored_already) = seen[0]
    assert thread != loop_thread and not stored_already
    got = store.get(capture.id)
    assert got is not None and got.vendor == "generic"


async def test_a_failing_prepare_costs_a_note_not_the_capture(store: CaptureStore) -> None:
    writer = CaptureWriter(store)
    batches: list[list[str]] = []
    store.added.connect(lambda caps: batches.append([c.path for c in caps]))

    def broken(capture: Capture) -> None:
        raise KeyError("boom")

    caps = [Capture(method="POST", path=f"/p{i}") for i in range(3)]
    await asyncio.gather(
        writer.write(caps[0]), writer.write(caps[1], broken), writer.write(caps[2])
    )
    assert store.count() == 3
    got = store.get(caps[1].id)
    assert got is not None
    assert got.notes == ["internal error while processing: KeyError"]
    assert sorted(p for batch in batches for p in batch) == ["/p0", "/p1", "/p2"]
