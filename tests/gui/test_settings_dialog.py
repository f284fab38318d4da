"""The Settings dialog: saved settings, the authtoken in the secret store, the agent download."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog, QLineEdit, QPushButton

from inspector.core.secrets import (
    CUSTOM_TUNNEL_VALUE,
    NGROK_AUTHTOKEN,
    SECRETS_FILENAME,
    SecretStore,
)
from inspector.core.settings import SETTINGS_FILENAME, Settings
from inspector.gui.settings_dialog import CANCELLED_TEXT, SettingsDialog

pytestmark = pytest.mark.gui

Progress = Callable[[int, int | None], None]


def make_dialog(qtbot: Any, data_dir: Path, **kw: Any) -> tuple[SettingsDialog, SecretStore]:
    secrets = SecretStore(data_dir, use_keyring=False)
    dialog = SettingsDialog(Settings.load(data_dir), secrets, data_dir, **kw)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog, secrets


def fake_agent(tmp_path: Path) -> Path:
    agent = tmp_path / "bin" / "ngrok"
    agent.parent.mkdir(exist_ok=True)
    agent.write_text("#!/bin/sh\necho ngrok version 3.0.0\n")
    agent.chmod(agent.stat().st_mode | stat.S_IXUSR)
    return agent


def test_save_round_trip(qtbot: Any, data_dir: Path, tmp_path: Path) -> None:
    # A key from a newer version must survive this dialog's save.
    (data_dir / SETTINGS_FILENAME).write_text(json.dumps({"future_key": [1, 2]}))
    agent = fake_agent(tmp_path)
    dialog, _ = make_dialog(qtbot, data_dir)
    assert dialog.port.value() == 8765
    assert dialog.body_limit.value() == 25.0
    assert dialog.region.currentText() == "auto"

    dialog.port.setValue(9100)
    dialog.body_limit.setValue(2.5)
    dialog.ngrok_path.setText(str(agent))
    dialog.region.setCurrentText("eu")
    dialog.domain.setText("my-team.ngrok.app")
    dialog.custom_url.setText("https://hooks.example.com")
    dialog.autostart.setChecked(False)
    with qtbot.waitSignal(dialog.accepted):
        dialog.save_button.click()
    assert dialog.error_label.text() == ""

    loaded = Settings.load(data_dir)
    assert loaded.listen_port == 9100
    assert loaded.body_limit == int(2.5 * 1024 * 1024)
    assert loaded.ngrok_path == str(agent)
    assert loaded.ngrok_region == "eu"
    assert loaded.ngrok_domain == "my-team.ngrok.app"
    assert loaded.custom_public_url == "https://hooks.example.com"
    assert loaded.tunnel_autostart is False
    assert loaded.extra == {"future_key": [1, 2]}
    # The caller's object follows, since the app keeps using it.
    assert dialog.settings.listen_port == 9100

    # Opened again, the dialog shows what was saved; "auto" maps back to no region.
    again, _ = make_dialog(qtbot, data_dir)
    assert again.port.value() == 9100
    assert again.ngrok_path.text() == str(agent)
    again.region.setCurrentText("auto")
    again.save_button.click()
    assert Settings.load(data_dir).ngrok_region is None
    assert Settings.load(data_dir).body_limit == int(2.5 * 1024 * 1024)


def test_untouched_odd_body_limit_is_kept(qtbot: Any, data_dir: Path) -> None:
    Settings(body_limit=1_000_003).save(data_dir)
    dialog, _ = make_dialog(qtbot, data_dir)
    dialog.save_button.click()
    assert Settings.load(data_dir).body_limit == 1_000_003


def test_authtoken_goes_to_secret_store_masked(qtbot: Any, data_dir: Path) -> None:
    dialog, secrets = make_dialog(qtbot, data_dir)
    assert dialog.authtoken.text() == ""
    dialog.authtoken.setText("2abcTOKENxyz")
    dialog.save_button.click()
    assert secrets.get(NGROK_AUTHTOKEN) == "2abcTOKENxyz"
    assert "2abcTOKENxyz" not in (data_dir / SETTINGS_FILENAME).read_text()
    assert os.stat(data_dir / SECRETS_FILENAME).st_mode & 0o077 == 0

    again, _ = make_dialog(qtbot, data_dir)
    assert again.authtoken.text() == "2abcTOKENxyz"
    assert again.authtoken.edit.echoMode() == QLineEdit.EchoMode.Password
    again.authtoken.show_toggle.setChecked(True)
    assert again.authtoken.edit.echoMode() == QLineEdit.EchoMode.Normal
    assert again.token_where.text() == (
        f"Kept in {data_dir / SECRETS_FILENAME} (readable by you alone), never in settings.json."
    )

    # Emptying the field forgets the token.
    again.authtoken.setText("")
    again.save_button.click()
    assert SecretStore(data_dir, use_keyring=False).get(NGROK_AUTHTOKEN) is None


def test_custom_public_url_must_be_https(qtbot: Any, data_dir: Path) -> None:
    dialog, _ = make_dialog(qtbot, data_dir)
    dialog.custom_url.setText("http://hooks.example.com")
    dialog.save_button.click()
    assert dialog.error_label.text().startswith("custom public URL must start with https://")
    assert dialog.isVisible()
    assert not (data_dir / SETTINGS_FILENAME).exists()

    dialog.custom_url.setText("https://hooks.example.com")
    dialog.ngrok_path.setText(str(data_dir / "missing-ngrok"))
    dialog.save_button.click()
    assert dialog.error_label.text() == f"no ngrok binary at {data_dir / 'missing-ngrok'}"
    assert not (data_dir / SETTINGS_FILENAME).exists()

    dialog.ngrok_path.setText("")
    dialog.save_button.click()
    assert not dialog.isVisible()
    assert Settings.load(data_dir).custom_public_url == "https://hooks.example.com"


def test_the_header_a_custom_tunnel_adds_is_saved_with_its_value_as_a_secret(
    qtbot: Any, data_dir: Path
) -> None:
    dialog, secrets = make_dialog(qtbot, data_dir)
    dialog.custom_url.setText("https://hooks.example.com")
    dialog.tunnel_header.setText("X-Tunnel-Secret")
    dialog.save_button.click()
    assert dialog.error_label.text() == (
        "the header your tunnel adds needs both its name and its value"
    )
    dialog.tunnel_value.setText("from-the-edge")
    dialog.save_button.click()
    assert not dialog.isVisible()
    assert Settings.load(data_dir).custom_tunnel_header == "X-Tunnel-Secret"
    assert secrets.get(CUSTOM_TUNNEL_VALUE) == "from-the-edge"
    assert "from-the-edge" not in (data_dir / SETTINGS_FILENAME).read_text()

    again, _ = make_dialog(qtbot, data_dir)
    assert again.tunnel_value.text() == "from-the-edge"
    assert again.tunnel_value.edit.echoMode() == QLineEdit.EchoMode.Password
    again.tunnel_header.setText("")
    again.tunnel_value.setText("")
    again.save_button.click()
    assert Settings.load(data_dir).custom_tunnel_header is None
    assert SecretStore(data_dir, use_keyring=False).get(CUSTOM_TUNNEL_VALUE) is None


def test_no_download_button_without_installer(qtbot: Any, data_dir: Path) -> None:
    dialog, _ = make_dialog(qtbot, data_dir)
    assert dialog.download_button is None


def test_download_reports_progress_and_fills_path(
    qtbot: Any, qloop: asyncio.AbstractEventLoop, data_dir: Path
) -> None:
    seen: list[str] = []
    release = asyncio.Event()

    async def install(progress: Progress, cancel: asyncio.Event) -> str:
        progress(0, 4 * 1024 * 1024)
        progress(2 * 1024 * 1024, 4 * 1024 * 1024)
        await release.wait()
        progress(4 * 1024 * 1024, 4 * 1024 * 1024)
        return "/opt/ngrok/ngrok"

    dialog, _ = make_dialog(qtbot, data_dir, install_agent=install)
    assert dialog.download_button is not None
    dialog.download_button.click()
    qtbot.waitUntil(lambda: dialog.progress is not None and dialog.progress.value() == 2048)
    assert dialog.progress is not None
    seen.append(dialog.progress.labelText())
    assert not dialog.download_button.isEnabled()
    release.set()
    qtbot.waitUntil(lambda: dialog.ngrok_path.text() == "/opt/ngrok/ngrok")
    assert seen == ["Downloading the ngrok agent… 2.0 MiB of 4.0 MiB"]
    assert dialog.progress is None
    assert dialog.info_label.text() == "ngrok agent installed at /opt/ngrok/ngrok"
    assert dialog.error_label.text() == ""
    assert dialog.download_button.isEnabled()


def test_download_failure_shows_the_message(
    qtbot: Any, qloop: asyncio.AbstractEventLoop, data_dir: Path
) -> None:
    async def install(progress: Progress, cancel: asyncio.Event) -> str:
        progress(1024, None)
        await asyncio.sleep(0)
        raise OSError(
            "could not download the ngrok agent (no network); set the path to an installed "
            "ngrok or keep working locally"
        )

    dialog, _ = make_dialog(qtbot, data_dir, install_agent=install)
    assert dialog.download_button is not None
    dialog.download_button.click()
    qtbot.waitUntil(lambda: dialog.error_label.text() != "")
    assert dialog.error_label.text().startswith("could not download the ngrok agent (no network)")
    assert dialog.ngrok_path.text() == ""
    assert dialog.progress is None


@pytest.mark.parametrize("stops_with", [asyncio.CancelledError, ConnectionAbortedError])
def test_download_cancel(
    qtbot: Any, qloop: asyncio.AbstractEventLoop, data_dir: Path, stops_with: type[BaseException]
) -> None:
    started = asyncio.Event()

    async def install(progress: Progress, cancel: asyncio.Event) -> str:
        progress(0, None)
        started.set()
        await cancel.wait()
        # An installer may stop by cancelling itself or by failing its transfer.
        raise stops_with("transfer aborted")

    dialog, _ = make_dialog(qtbot, data_dir, install_agent=install)
    assert dialog.download_button is not None
    dialog.download_button.click()
    qtbot.waitUntil(started.is_set)
    assert dialog.progress is not None
    cancel_button = dialog.progress.findChild(QPushButton)
    assert cancel_button is not None and cancel_button.text() == "Cancel"
    cancel_button.click()
    qtbot.waitUntil(lambda: dialog.error_label.text() == CANCELLED_TEXT)
    assert dialog.ngrok_path.text() == ""
    assert dialog.progress is None
    assert not dialog.is_downloading()


def test_browse_fills_the_binary_path(
    qtbot: Any, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = fake_agent(tmp_path)
    # Qt's native file dialog cannot be driven offscreen; answer it as the user would.
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(agent), ""))
    dialog, _ = make_dialog(qtbot, data_dir)
    dialog.browse_button.click()
    assert dialog.ngrok_path.text() == str(agent)
