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

    def held(flt: CaptureFilter | None, cancelled: Any) -> list[int] | None:
        text = flt.text if flt is not None else ""
        started.append(text)
        if text == "ord":
            gate.wait(30)
        seqs = real(flt, cancelled)
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

    def held(flt: CaptureFilter | None, cancelled: Any) -> list[int] | None:
        seqs = real(flt, cancelled)  # answered before the new captures were stored
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
