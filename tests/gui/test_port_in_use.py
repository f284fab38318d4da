"""The desktop app's start with its port taken: a dialog offers a free port and remembers
it; settings.json's listen_port and body_limit are what the app listens with."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import run_in_qloop, send_http
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from inspector.core.settings import Settings
from inspector.desktop import open_gui_core, start_listening
from inspector.gui.port_dialog import PortDialog, free_port

pytestmark = pytest.mark.gui


@pytest.fixture
def occupied() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def settings_with(data_dir: Path, **values: Any) -> None:
    settings = Settings.load(data_dir)
    for key, value in values.items():
        setattr(settings, key, value)
    settings.save(data_dir)


def the_dialog() -> PortDialog | None:
    modal = QApplication.activeModalWidget()
    return modal if isinstance(modal, PortDialog) else None


def test_port_in_use_offers_a_free_port_and_remembers_it(
    qtbot: Any, qloop: asyncio.AbstractEventLoop, data_dir: Path, occupied: int
) -> None:
    settings_with(data_dir, listen_port=occupied)
    core = open_gui_core(data_dir, port=None)
    starting = asyncio.ensure_future(start_listening(core))
    qtbot.waitUntil(lambda: the_dialog() is not None, timeout=5000)
    dialog = the_dialog()
    assert dialog is not None and dialog.isVisible()
    assert f"port {occupied} is already in use" in dialog.reason_label.text()
    offered = dialog.port_spin.value()
    assert offered != occupied and dialog.remember.isChecked()
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(starting.done, timeout=5000)
    try:
        assert starting.result() is True
        assert core.listener.port == offered
        assert send_http(qtbot, core.listener.url + "/hook", b"{}") == 200
        assert json.loads((data_dir / "settings.json").read_text())["listen_port"] == offered
    finally:
        run_in_qloop(qtbot, core.stop())


def test_quit_in_the_port_dialog_starts_nothing(
    qtbot: Any, qloop: asyncio.AbstractEventLoop, data_dir: Path, occupied: int
) -> None:
    core = open_gui_core(data_dir, port=occupied)
    starting = asyncio.ensure_future(start_listening(core))
    qtbot.waitUntil(lambda: the_dialog() is not None, timeout=5000)
    dialog = the_dialog()
    assert dialog is not None
    qtbot.mouseClick(dialog.quit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(starting.done, timeout=5000)
    assert starting.result() is False
    assert not core.listener.running
    assert Settings.load(data_dir).listen_port == 8765  # nothing was saved


def test_the_app_listens_on_the_settings_port_and_body_limit(
    qtbot: Any, qloop: asyncio.AbstractEventLoop, data_dir: Path
) -> None:
    port = free_port()
    settings_with(data_dir, listen_port=port, body_limit=1000)
    core = open_gui_core(data_dir, port=None)
    assert run_in_qloop(qtbot, start_listening(core)) is True
    try:
        assert core.listener.port == port
        assert send_http(qtbot, core.listener.url + "/hook", b"x" * 999) == 200
        assert send_http(qtbot, core.listener.url + "/hook", b"x" * 1001) == 413
    finally:
        run_in_qloop(qtbot, core.stop())
