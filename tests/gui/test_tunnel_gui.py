"""The tunnel indicator and Copy public URL, with the stand-in ngrok agent."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import pytest
from helpers import close_app, open_app
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from inspector.app import AppCore
from inspector.core.secrets import SecretStore
from inspector.core.settings import Settings
from inspector.gui.main_window import MainWindow
from inspector.gui.settings_dialog import SettingsDialog
from inspector.gui.theme import colours
from inspector.net.agent_download import install_agent

pytestmark = pytest.mark.gui


@pytest.fixture
def running(running_with_agent: tuple[AppCore, MainWindow]) -> tuple[AppCore, MainWindow]:
    return running_with_agent


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


# -- first start and failures, in the window's words ----------------------------------------


@pytest.fixture
def no_tunnel_setup(pyngrok_wrapper: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A first start: PATH holds only pyngrok's script, no agent anywhere, no authtoken."""
    from pyngrok import conf

    monkeypatch.setenv("PATH", str(pyngrok_wrapper.parent))
    monkeypatch.delenv("NGROK_AUTHTOKEN", raising=False)
    monkeypatch.setattr(conf, "DEFAULT_NGROK_PATH", str(tmp_path / "pyngrok-home" / "ngrok"))
    return pyngrok_wrapper


def test_first_start_without_setup_is_a_hint_not_an_error(
    qtbot: Any, qloop: asyncio.AbstractEventLoop, data_dir: Path, no_tunnel_setup: Path
) -> None:
    core, window = open_app(qtbot, data_dir)
    try:
        indicator = window.tunnel_indicator
        indicator.start_at_launch()  # what the app does when its window opens
        assert core.tunnel.status.state == "off"
        assert indicator.label.text() == "● Tunnel not set up"
        assert colours().tunnel_error not in indicator.label.styleSheet()  # not red
        hint = window.statusBar().currentMessage()
        assert hint.startswith("The tunnel is not set up yet: add your ngrok authtoken")
        assert "dashboard.ngrok.com" in indicator.label.toolTip()
        assert "Tunnel → Tunnel settings…" in hint and "--" not in hint
        assert indicator.settings_button.isVisible()
        assert not no_tunnel_setup.with_name("ran").exists()
        # The button opens Settings at the first missing field.
        qtbot.mouseClick(indicator.settings_button, Qt.MouseButton.LeftButton)
        dialog = window.settings_dialog
        assert dialog is not None and dialog.isVisible()
        qtbot.waitUntil(lambda: dialog.ngrok_path.hasFocus())
        dialog.reject()
    finally:
        close_app(qtbot, core, window)
    # The hint is shown once: the next start says nothing and still starts nothing.
    core, window = open_app(qtbot, data_dir)
    try:
        window.statusBar().clearMessage()
        window.tunnel_indicator.start_at_launch()
        assert window.statusBar().currentMessage() == ""
        assert window.tunnel_indicator.label.text() == "● Tunnel not set up"
        assert core.tunnel.status.state == "off"
    finally:
        close_app(qtbot, core, window)


def test_set_up_tunnel_starts_at_launch(
    qtbot: Any, running: tuple[AppCore, MainWindow], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NGROK_AUTHTOKEN", "from-the-environment")
    _, window = running
    window.tunnel_indicator.start_at_launch()
    indicator = window.tunnel_indicator.label
    qtbot.waitUntil(lambda: indicator.text() == "● Tunnel online", timeout=15_000)
    assert indicator.toolTip().startswith("Tunnel online: https://")
    assert not window.tunnel_indicator.settings_button.isVisible()


def _window_texts(window: MainWindow) -> str:
    indicator = window.tunnel_indicator
    return "\n".join(
        (indicator.label.text(), indicator.label.toolTip(), window.statusBar().currentMessage())
    )


def test_missing_agent_message_names_gui_steps_only(
    qtbot: Any, qloop: asyncio.AbstractEventLoop, data_dir: Path, tmp_path: Path
) -> None:
    core, window = open_app(qtbot, data_dir, ngrok_path=str(tmp_path / "nope" / "ngrok"))
    try:
        window.tunnel_indicator.toggle_action.trigger()
        qtbot.waitUntil(lambda: core.tunnel.status.state == "error", timeout=15_000)
        texts = _window_texts(window)
        assert "--ngrok-path" not in texts and "--" not in texts
        assert "Open tunnel settings and choose the ngrok program you installed" in texts
        assert window.tunnel_indicator.settings_button.isVisible()
        assert window.tunnel_indicator.settings_button.text() == "Open tunnel settings"
    finally:
        close_app(qtbot, core, window)


def test_agent_that_prints_nothing_says_what_to_try(
    qtbot: Any, qloop: asyncio.AbstractEventLoop, data_dir: Path, tmp_path: Path
) -> None:
    mute = tmp_path / "mute" / "ngrok"
    mute.parent.mkdir()
    mute.write_text("#!/bin/sh\nexit 1\n")
    mute.chmod(0o755)
    core, window = open_app(qtbot, data_dir, ngrok_path=str(mute))
    try:
        window.tunnel_indicator.toggle_action.trigger()
        qtbot.waitUntil(lambda: core.tunnel.status.state == "error", timeout=15_000)
        assert window.tunnel_indicator.label.text() == "● Tunnel error"  # the rest in its tip
        assert "(it printed nothing)" in window.tunnel_indicator.label.toolTip()
        tip = window.tunnel_indicator.label.toolTip()
        assert "may not be the ngrok agent" in tip and "Start tunnel again" in tip
        assert "--" not in _window_texts(window)
    finally:
        close_app(qtbot, core, window)


def test_download_agent_offline_says_it_needs_internet(
    qtbot: Any, qloop: asyncio.AbstractEventLoop, data_dir: Path, tmp_path: Path
) -> None:
    with socket.socket() as s:  # a port nothing listens on: the download cannot connect
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/ngrok.tgz"

    async def install(progress: Any, cancel: asyncio.Event) -> str:
        target = str(tmp_path / "bin" / "ngrok")
        return await install_agent(progress, cancel, ngrok_path=target, download_url=dead)

    dialog = SettingsDialog(
        Settings.load(data_dir), SecretStore(data_dir, use_keyring=False), data_dir, install
    )
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.download_button is not None
    qtbot.mouseClick(dialog.download_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error_label.text() != "", timeout=10_000)
    message = dialog.error_label.text()
    assert "downloading needs an internet connection" in message
    assert "in Settings" not in message and "--" not in message
    assert "Browse…" in message


def test_saving_the_tunnel_settings_ends_not_set_up(
    qtbot: Any,
    qloop: asyncio.AbstractEventLoop,
    data_dir: Path,
    no_tunnel_setup: Path,
    fake_ngrok_path: Path,
) -> None:
    core, window = open_app(qtbot, data_dir)
    try:
        indicator = window.tunnel_indicator
        indicator.start_at_launch()
        assert indicator.label.text() == "● Tunnel not set up"
        qtbot.mouseClick(indicator.settings_button, Qt.MouseButton.LeftButton)
        dialog = window.settings_dialog
        assert dialog is not None
        qtbot.keyClicks(dialog.ngrok_path, str(fake_ngrok_path))
        qtbot.keyClicks(dialog.authtoken.edit, "my-authtoken")
        dialog.save_button.click()
        qtbot.waitUntil(lambda: indicator.label.text() == "● Tunnel off")
        assert not indicator.settings_button.isVisible()
        assert core.tunnel_setup_missing() == []
    finally:
        close_app(qtbot, core, window)


def test_settings_refuse_pyngrok_script_as_the_agent(
    qtbot: Any, data_dir: Path, pyngrok_wrapper: Path
) -> None:
    dialog = SettingsDialog(
        Settings.load(data_dir), SecretStore(data_dir, use_keyring=False), data_dir
    )
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.ngrok_path, str(pyngrok_wrapper))
    dialog.save_button.click()
    assert "is pyngrok's installer script, not the ngrok agent" in dialog.error_label.text()
    assert dialog.isVisible()  # not saved
    assert Settings.load(data_dir).ngrok_path is None
