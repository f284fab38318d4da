"""The tunnel indicator and Copy public URL, with the stand-in ngrok agent."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import close_app, open_app
from PySide6.QtGui import QGuiApplication

from inspector.app import AppCore
from inspector.gui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def running(
    qtbot: Any, qloop: asyncio.AbstractEventLoop, data_dir: Path, fake_ngrok_path: Path
) -> Iterator[tuple[AppCore, MainWindow]]:
    core, window = open_app(qtbot, data_dir, ngrok_path=str(fake_ngrok_path))
    yield core, window
    close_app(qtbot, core, window)


def test_indicator_goes_online_and_copy_public_url(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    assert window.tunnel_indicator.label.text() == "● Tunnel off"
    assert not window.tunnel_indicator.copy_url_action.isEnabled()
    window.tunnel_indicator.toggle_action.trigger()
    # The indicator says one word; its tooltip has the URL.
    indicator = window.tunnel_indicator.label
    qtbot.waitUntil(lambda: indicator.text() == "● Tunnel online", timeout=15_000)
    assert indicator.toolTip().startswith("Tunnel online: https://")
    assert window.tunnel_indicator.toggle_action.text() == "Stop tunnel"
    url = indicator.toolTip().splitlines()[0].split(": ", 1)[1]
    assert url.endswith(".ngrok-free.app")
    window.tunnel_indicator.copy_url_action.trigger()
    assert QGuiApplication.clipboard().text() == url == core.public_url
    window.tunnel_indicator.toggle_action.trigger()
    qtbot.waitUntil(lambda: window.tunnel_indicator.label.text() == "● Tunnel off", timeout=10_000)
    assert not window.tunnel_indicator.copy_url_action.isEnabled()


def test_missing_authtoken_shows_the_reason(
    qtbot: Any, running: tuple[AppCore, MainWindow], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_NGROK_MODE", "no-authtoken")
    _, window = running
    window.tunnel_indicator.toggle_action.trigger()
    qtbot.waitUntil(
        lambda: window.tunnel_indicator.label.text() == "● Tunnel error", timeout=15_000
    )
    assert "authtoken" in window.tunnel_indicator.label.toolTip().lower()
    assert "Still listening locally" in window.statusBar().currentMessage()
    assert window.tunnel_indicator.toggle_action.text() == "Start tunnel"


def test_url_change_warns_about_vendor_registrations(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    from inspector.core.endpoints import Endpoint

    core.endpoints.add(Endpoint("/blurit", vendor="blurit", token="t"))
    core.previous_public_url = "https://old.ngrok-free.app"
    window.tunnel_indicator.toggle_action.trigger()
    qtbot.waitUntil(
        lambda: "The public URL changed" in window.statusBar().currentMessage(), timeout=15_000
    )
    assert "https://old.ngrok-free.app" in window.statusBar().currentMessage()
    assert "/blurit" in window.statusBar().currentMessage()
