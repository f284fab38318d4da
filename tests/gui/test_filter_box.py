"""Typing in the filter box: each search runs off the UI thread, and an older one still
running when a newer one starts is dropped, never shown."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from inspector.app import AppCore
from inspector.core.capture import Capture
from inspector.core.store import CaptureFilter
from inspector.gui.main_window import MainWindow

pytestmark = pytest.mark.gui


def paths(window: MainWindow) -> list[str]:
    model = window.model
    return [str(model.capture_at(r).path) for r in range(model.rowCount())]  # type: ignore[union-attr]


def test_a_stale_search_is_dropped(
    qtbot: Any, running: tuple[AppCore, MainWindow], monkeypatch: pytest.MonkeyPatch
) -> None:
    core, window = running
    store = core.store
    store.add_many(
        [
            Capture(method="POST", path=f"/{name}", body=body.encode())
            for name, body in (
                ("first", "an order of 3"),
                ("second", "ordinal things"),
                ("third", "order-42 shipped"),
                ("fourth", "nothing to see"),
            )
        ]
    )
    qtbot.waitUntil(lambda: window.model.rowCount() == 4, timeout=3000)

    # The first search is held at its start until the user has typed on (the store's real
    # search then runs, and sees it was cancelled).
    real = store.search_seqs
    gate = threading.Event()
    started: list[str] = []
    ended: list[tuple[str, bool]] = []

    def held(flt: CaptureFilter | None, cancelled: Any, newest: int = 0) -> list[int] | None:
        text = flt.text if flt is not None else ""
        started.append(text)
        if text == "ord":
            gate.wait(30)
        seqs = real(flt, cancelled, newest)
        ended.append((text, seqs is None))
        return seqs

    monkeypatch.setattr(store, "search_seqs", held)
    shown: list[str] = []
    window.model.modelReset.connect(lambda: shown.append(window.model.filter.text))

    qtbot.keyClicks(window.filter_edit, "ord")
    qtbot.waitUntil(lambda: started == ["ord"], timeout=3000)
    assert window.model.searching
    assert window.model.rowCount() == 4  # the UI goes on with the rows it has
    qtbot.keyClicks(window.filter_edit, "er-42")
    qtbot.waitUntil(lambda: window.model.filter.text == "order-42", timeout=3000)
    assert paths(window) == ["/third"]
    assert window.count_label.text() == "1 of 4 shown"

    gate.set()
    qtbot.waitUntil(lambda: len(ended) == 2, timeout=5000)
    assert ("ord", True) in ended  # interrupted: cancelled before it could answer
    qtbot.wait(100)  # any late answer would have been delivered by now
    assert shown == ["order-42"]  # the stale search never reached the view
    assert paths(window) == ["/third"]
    assert not window.model.searching


def test_captures_arriving_during_a_search_are_kept(
    qtbot: Any, running: tuple[AppCore, MainWindow], monkeypatch: pytest.MonkeyPatch
) -> None:
    core, window = running
    store = core.store
    store.add_many([Capture(method="POST", path="/old", body=b"needle old")])
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=3000)
    real = store.search_seqs
    gate = threading.Event()

    def held(flt: CaptureFilter | None, cancelled: Any, newest: int = 0) -> list[int] | None:
        seqs = real(flt, cancelled, newest)  # answered before the new captures were stored
        gate.wait(30)
        return seqs

    monkeypatch.setattr(store, "search_seqs", held)
    qtbot.keyClicks(window.filter_edit, "needle")
    qtbot.waitUntil(lambda: window.model.searching, timeout=3000)
    store.add_many(
        [
            Capture(method="POST", path="/new", body=b"a needle new"),
            Capture(method="POST", path="/other", body=b"hay"),
        ]
    )
    gate.set()
    qtbot.waitUntil(lambda: not window.model.searching, timeout=3000)
    qtbot.waitUntil(lambda: paths(window) == ["/new", "/old"], timeout=3000)


def test_deleted_captures_leave_the_list_and_the_selection_stays(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    store = core.store
    caps = [Capture(method="POST", path=f"/d{i}", body=b"x") for i in range(3000)]
    store.add_many(caps)
    qtbot.waitUntil(lambda: window.model.rowCount() == 3000, timeout=5000)
    window.table.selectRow(10)  # /d2989
    qtbot.waitUntil(lambda: window.selected_capture_id() == caps[2989].id, timeout=3000)
    # A few (the size cap's way, on the UI thread's loop), then most of them in batches
    # from a worker thread, announced afterwards (the window's Delete of many rows).
    store.remove([caps[0].id, caps[1].id, caps[2500].id])
    qtbot.waitUntil(lambda: window.model.rowCount() == 2997, timeout=5000)
    assert window.selected_capture_id() == caps[2989].id
    gone: list[str] = []
    assert store.delete([c.seq for c in caps[2:2400]], batch=500, ids=gone) == 2398
    store.removed.emit(gone)
    qtbot.waitUntil(lambda: window.model.rowCount() == 599, timeout=5000)
    assert window.count_label.text() == "599 captures"
    assert window.selected_capture_id() == caps[2989].id
    assert paths(window)[-1] == "/d2400"
    assert store.delete() == 599
    store.removed.emit([c.id for c in caps])
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=5000)


def test_many_matches_show_the_newest_first_then_the_rest_below(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    from inspector.gui.capture_model import FIRST_ROWS

    core, window = running
    count = FIRST_ROWS * 2 + 7
    core.store.add_many(
        [
            Capture(method="POST", path=f"/m{i}", body=b"match" if i % 2 else b"x")
            for i in range(2 * count)
        ]
    )
    qtbot.waitUntil(lambda: window.model.rowCount() == 2 * count, timeout=5000)
    steps: list[int] = []
    window.model.filter_applied.connect(lambda: steps.append(window.model.rowCount()))
    window.model.filter_completed.connect(lambda: steps.append(-window.model.rowCount()))
    qtbot.keyClicks(window.filter_edit, "match")
    qtbot.waitUntil(lambda: len(steps) == 2, timeout=5000)
    assert steps == [FIRST_ROWS, -count]
    assert paths(window)[:2] == [f"/m{2 * count - 1}", f"/m{2 * count - 3}"]
    assert paths(window)[-1] == "/m1"
    assert window.count_label.text() == f"{count:,} of {2 * count:,} shown"
