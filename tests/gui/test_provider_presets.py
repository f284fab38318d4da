"""Provider presets in the endpoint dialog: the fields follow the vendor's credential
(a secret with no scheme to choose, or a public key), typed as the user types them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from provider_cases import BY_VENDOR
from PySide6.QtCore import Qt

from inspector.core.endpoints import ENDPOINTS_FILE, EndpointTable
from inspector.gui.endpoints_panel import EndpointsPanel

pytestmark = pytest.mark.gui


def add_through_dialog(qtbot: Any, panel: EndpointsPanel, path: str, vendor: str) -> Any:
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    dialog = panel.dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClicks(dialog.path, path)
    dialog.vendor.setCurrentIndex(dialog.vendor.findData(vendor))
    return dialog


def test_provider_presets_ask_for_their_secret_or_public_key(qtbot: Any, data_dir: Path) -> None:
    table = EndpointTable.load(data_dir)
    panel = EndpointsPanel(table, "http://127.0.0.1:8765", lambda: "https://abc.ngrok-free.app")
    qtbot.addWidget(panel)
    panel.show()

    dialog = add_through_dialog(qtbot, panel, "/slack", "slack")
    assert not dialog.secret.isHidden() and dialog.public_key.isHidden()
    assert dialog.token.isHidden()  # providers send no shared token
    assert "no scheme needed" in dialog.secret.edit.placeholderText()
    qtbot.keyClicks(dialog.secret.edit, "slack-signing-secret")
    assert dialog.error_text() == ""
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.dialog is None)
    assert panel.cell_text("/slack", "Check") == "Slack X-Slack-Signature"
    assert not any("slack-signing-secret" in panel.cell_text("/slack", c) for c in ("Check",))

    dialog = add_through_dialog(qtbot, panel, "/discord", "discord")
    assert not dialog.public_key.isHidden()
    qtbot.keyClicks(dialog.public_key, "not-hex")
    assert dialog.error_text().startswith("an Ed25519 public key is 64 hex digits")
    assert not dialog.ok_button.isEnabled()
    dialog.public_key.clear()
    key = BY_VENDOR["discord"].credential
    qtbot.keyClicks(dialog.public_key, key)
    assert dialog.error_text() == ""
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.dialog is None)
    assert panel.cell_text("/discord", "Check") == "Discord X-Signature-Ed25519"

    saved = {e["path"]: e for e in json.loads((data_dir / ENDPOINTS_FILE).read_text())["endpoints"]}
    assert saved["/slack"]["secret"] == "slack-signing-secret" and saved["/slack"]["scheme"] is None
    assert saved["/discord"]["public_key"] == key
