"""The window at 1024x700 keeps its size: a large body and each body view change nothing
of the window's width, the splitter or the docks (issue 13, defect 3)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from helpers import send_http
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSplitter

from inspector.app import AppCore
from inspector.gui.main_window import MainWindow

pytestmark = pytest.mark.gui

MIB = 1024 * 1024


def big_json(size: int) -> bytes:
    """A JSON document of about ``size`` bytes on one line."""
    item = {"id": 0, "label": "x" * 80, "ok": True}
    n = size // len(json.dumps(item, separators=(",", ":"))) + 1
    return json.dumps([dict(item, id=i) for i in range(n)], separators=(",", ":")).encode()


def layout_state(window: MainWindow) -> tuple[int, list[int], int]:
    splitter = window.centralWidget()
    assert isinstance(splitter, QSplitter)
    return window.width(), splitter.sizes(), window.endpoints_dock.width()


def test_a_large_body_and_every_body_view_keep_the_window_size(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024, timeout=3000)
    body = big_json(2 * MIB)
    assert len(body) > 2 * MIB - 4096
    headers = {"Content-Type": "application/json"}
    assert send_http(qtbot, core.listener.url + "/big", body, headers) == 200
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=10_000)
    qtbot.wait(50)
    before = layout_state(window)

    # The first click on the row: the splitter and the dock stay where they were.
    rect = window.table.visualRect(window.model.index(0, 0))
    qtbot.mouseClick(window.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: window.detail.capture is not None, timeout=10_000)
    qtbot.waitUntil(lambda: not window.detail.body.is_busy(), timeout=20_000)
    qtbot.wait(50)
    assert layout_state(window) == before

    pane = window.detail.body
    for mode in pane.MODES:
        button = pane.findChild(type(pane.buttons.button(0)), f"body-mode-{mode.lower()}")
        assert button is not None
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        qtbot.wait(50)
        assert pane.mode() == mode
        assert layout_state(window) == before, mode
        assert window.minimumSizeHint().width() <= 1024, mode
    # What the Text view says about the body is there to read, wrapped.
    qtbot.mouseClick(pane.buttons.button(1), Qt.MouseButton.LeftButton)
    assert pane.info.text() != ""
    assert pane.info.width() < 1024
