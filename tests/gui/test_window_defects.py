"""Defects a new user hit in the window (issue 13), each through the action, button or key
the user touches, asserting on what the user sees."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import cell_text, menu_actions, send_http
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

from inspector.app import AppCore
from inspector.core.settings import Settings
from inspector.gui.main_window import FILTER_DEBOUNCE_MS, MainWindow

pytestmark = pytest.mark.gui

NO_CAPTURE = "Select a capture to see it here."


def header_row(table: Any, name: str) -> int:
    for row in range(table.rowCount()):
        if cell_text(table, row, 0).lower() == name.lower():
            return row
    raise AssertionError(f"no {name} row")


def test_edit_and_replay_shows_the_edited_content_length(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    body = b'{"status": "Sent"}'
    send_http(qtbot, core.listener.url + "/edit", body, {"Content-Type": "application/json"})
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)
    window.table.selectRow(0)
    window.captures.edit_replay_action.trigger()
    dialog = window.captures.edit_dialog
    assert dialog is not None and dialog.isVisible()
    row = header_row(dialog.headers, "Content-Length")
    assert cell_text(dialog.headers, row, 1) == str(len(body))

    dialog.body.selectAll()
    qtbot.keyClicks(dialog.body, '{"status": "Succeeded", "n": 1}')
    edited = '{"status": "Succeeded", "n": 1}'
    assert dialog.body.toPlainText() == edited
    assert cell_text(dialog.headers, row, 1) == str(len(edited.encode()))
    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=5000)
    sent = core.store.get(window.model.capture_at(0).id)  # type: ignore[union-attr]
    assert sent is not None and sent.body == edited.encode()
    assert dict((k.lower(), v) for k, v in sent.headers)["content-length"] == cell_text(
        dialog.headers, row, 1
    )
    dialog.close()


def test_the_filter_hiding_the_shown_capture_clears_the_detail_pane(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    for name in ("alpha", "beta"):
        send_http(qtbot, core.listener.url + f"/{name}", json.dumps({"who": name}).encode())
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=5000)
    window.table.selectRow(0)  # newest first: /beta
    qtbot.waitUntil(lambda: "/beta" in window.detail.title.text(), timeout=3000)

    qtbot.keyClicks(window.filter_edit, "alpha")
    qtbot.wait(FILTER_DEBOUNCE_MS)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=3000)
    assert window.detail.title.text() == NO_CAPTURE
    assert window.detail.capture is None

    # A filter that still shows the capture keeps it selected and shown.
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: "/alpha" in window.detail.title.text(), timeout=3000)
    qtbot.keyClick(window.filter_edit, Qt.Key.Key_Backspace)  # "alph"
    qtbot.wait(FILTER_DEBOUNCE_MS)
    qtbot.waitUntil(lambda: not window._filter_timer.isActive(), timeout=3000)
    assert "/alpha" in window.detail.title.text()


def test_one_remembered_secrets_choice_for_copies_and_exports(
    qtbot: Any,
    running: tuple[AppCore, MainWindow],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    data_dir: Path,
) -> None:
    core, window = running
    send_http(qtbot, core.listener.url + "/hook", b"{}", {"X-Webhook-Token": "topsecret-token"})
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)
    window.table.selectRow(0)
    target = tmp_path / "out.har"
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "HAR (*.har)"))
    )

    def export_all() -> str:
        window.transfers.export_all_action.trigger()
        qtbot.waitUntil(lambda: window.transfers.job is None, timeout=10_000)
        assert "exported 1 capture to" in window.statusBar().currentMessage()
        return target.read_text(encoding="utf-8")

    def copy_curl() -> str:
        window.captures.copy_actions["curl"].trigger()
        return QGuiApplication.clipboard().text()

    # Off by default: both the copy and the export mask the token, and say so.
    assert not window.captures.reveal_action.isChecked()
    assert "topsecret-token" not in copy_curl()
    assert "secrets masked" in window.statusBar().currentMessage()
    assert "topsecret-token" not in export_all()
    assert "secrets masked" in window.statusBar().currentMessage()

    # One action, in both menus, turns it on for both, and is remembered.
    labels = [
        label for label, action in menu_actions(window) if action is window.captures.reveal_action
    ]
    assert labels == [
        "File > Include secrets in copies and exports",
        "Capture > Include secrets in copies and exports",
    ]
    window.captures.reveal_action.trigger()
    assert "topsecret-token" in copy_curl()
    assert "topsecret-token" in export_all()
    assert "secrets included" in window.statusBar().currentMessage()
    assert json.loads((data_dir / "settings.json").read_text())["reveal_secrets"] is True
    core.settings = Settings.load(data_dir)
    again = MainWindow(core.store, core)
    qtbot.addWidget(again)
    assert again.captures.reveal_action.isChecked()
    again.close()
