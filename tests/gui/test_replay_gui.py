"""Replay, edit and replay, copy as, compare, export/import and forward, from the window."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from helpers import cell_text, close_app, open_app, run_in_qloop
from PySide6.QtGui import QGuiApplication

from inspector.app import AppCore
from inspector.gui.capture_model import COLUMNS
from inspector.gui.main_window import MainWindow

pytestmark = pytest.mark.gui


def send(qtbot: Any, url: str, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
    async def go() -> None:
        async with aiohttp.ClientSession() as s, s.post(url, data=body, headers=headers) as r:
            await r.read()

    run_in_qloop(qtbot, go())


def cell(window: MainWindow, row: int, column: str) -> str:
    return str(window.model.index(row, COLUMNS.index(column)).data())


def test_replay_button_sends_again_and_links(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    send(qtbot, core.listener.url + "/hook?x=1", b'{"a": 1}', {"X-Custom": "yes"})
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=3000)
    window.table.selectRow(0)
    assert window.captures.replay_action.isEnabled()
    window.captures.replay_action.trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=5000)
    assert cell(window, 0, "Path") == "/hook?x=1 ↻"
    replay = window.model.capture_at(0)
    original = window.model.capture_at(1)
    assert replay is not None and original is not None
    assert replay.replay_of == original.id and replay.source == "replay"
    assert ("X-Custom", "yes") in replay.headers
    qtbot.waitUntil(lambda: "Replayed #1: 200" in window.statusBar().currentMessage(), timeout=3000)
    assert "200 in" in window.detail.replays.toPlainText()


def test_edit_and_replay_sends_the_edited_body(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    send(
        qtbot,
        core.listener.url + "/edit",
        b'{"status": "Sent"}',
        {"Content-Type": "application/json"},
    )
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=3000)
    window.table.selectRow(0)
    dialog = window.captures.edit_and_replay()
    assert dialog is not None
    assert dialog.url.text() == core.listener.url + "/edit"
    dialog.body.setPlainText('{"status": ')
    assert dialog.body_check.text().startswith("not valid JSON")
    dialog.body.setPlainText('{"status": "Succeeded"}')
    assert dialog.body_check.text() == ""
    dialog.url.setText(core.listener.url + "/edited?v=2")
    dialog.send()
    qtbot.waitUntil(lambda: not dialog.is_sending(), timeout=5000)
    assert dialog.answer.toPlainText().startswith(
        "HTTP 200 from " + core.listener.url + "/edited?v=2"
    )
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=3000)
    new = core.store.get(window.model.capture_at(0).id)  # type: ignore[union-attr]
    assert new is not None
    assert new.body == b'{"status": "Succeeded"}' and new.path == "/edited" and new.query == "v=2"
    assert new.source == "replay"


def test_edit_dialog_rejects_a_bad_url(qtbot: Any, running: tuple[AppCore, MainWindow]) -> None:
    core, window = running
    send(qtbot, core.listener.url + "/e", b"x")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=3000)
    window.table.selectRow(0)
    dialog = window.captures.edit_and_replay()
    assert dialog is not None
    dialog.url.setText("not a url")
    dialog.send()
    assert "must start with http://" in dialog.answer.toPlainText()


def test_copy_as_curl_masks_secrets_unless_asked(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    send(qtbot, core.listener.url + "/c", b"{}", {"X-Auth-Token": "topsecret-token"})
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=3000)
    window.table.selectRow(0)
    window.captures.copy_actions["curl"].trigger()
    text = QGuiApplication.clipboard().text()
    assert text.startswith("curl") and "topsecret-token" not in text
    window.captures.reveal_action.setChecked(True)
    window.captures.copy_actions["curl"].trigger()
    assert "topsecret-token" in QGuiApplication.clipboard().text()


def test_compare_two_callbacks_shows_changed_keys(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    send(
        qtbot,
        core.listener.url + "/b",
        json.dumps({"taskId": "j1", "status": "Sent", "n": 1}).encode(),
    )
    send(
        qtbot,
        core.listener.url + "/b",
        json.dumps({"taskId": "j1", "status": "Succeeded"}).encode(),
    )
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=3000)
    window.table.selectAll()
    assert window.captures.compare_action.isEnabled()
    dialog = window.captures.compare_selected()
    assert dialog is not None
    assert sorted(dialog.changed_paths()) == ["$.n", "$.status"]
    kinds = {
        cell_text(dialog.changes, r, 0): cell_text(dialog.changes, r, 1)
        for r in range(dialog.changes.rowCount())
    }
    assert kinds == {"$.status": "changed", "$.n": "removed"}


def test_export_then_import_through_the_window(
    qtbot: Any, running: tuple[AppCore, MainWindow], tmp_path: Path
) -> None:
    core, window = running
    for i in range(3):
        send(qtbot, f"{core.listener.url}/x{i}", bytes([i, 255, 0]))
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=3000)
    target = tmp_path / "out.har"
    window.transfers.export_captures("all", target, "har")
    qtbot.waitUntil(
        lambda: window.transfers.last_job_message.startswith("exported 3"), timeout=5000
    )
    har = json.loads(target.read_text())
    assert len(har["log"]["entries"]) == 3
    # import into a second window on another data directory
    other_dir = tmp_path / "other"
    other_dir.mkdir()
    core2, window2 = open_app(qtbot, other_dir)
    try:
        window2.transfers.import_file(target)
        qtbot.waitUntil(
            lambda: window2.transfers.last_job_message.startswith("imported 3"), timeout=5000
        )
        assert window2.model.rowCount() == 3
        assert cell(window2, 0, "Path") == "/x2"
        got = core2.store.get(window2.model.capture_at(0).id)
        assert got is not None and got.body == bytes([2, 255, 0]) and got.source == "import"
    finally:
        close_app(qtbot, core2, window2)


def test_import_of_a_bad_file_says_why(
    qtbot: Any, running: tuple[AppCore, MainWindow], tmp_path: Path
) -> None:
    _, window = running
    bad = tmp_path / "bad.har"
    bad.write_text("{ not json")
    window.transfers.import_file(bad)
    qtbot.waitUntil(lambda: window.transfers.last_job_message != "", timeout=5000)
    assert "bad.har" in window.transfers.last_job_message
    assert "Importing failed" in window.statusBar().currentMessage()


def test_forward_result_shows_in_the_list(
    qtbot: Any, qloop: asyncio.AbstractEventLoop, data_dir: Path
) -> None:
    received: list[bytes] = []

    async def handler(request: web.Request) -> web.Response:
        received.append(await request.read())
        return web.json_response({"dev": True}, status=202)

    async def start_target() -> web.AppRunner:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        return runner

    runner = run_in_qloop(qtbot, start_target())
    port = runner.addresses[0][1]
    core, window = open_app(qtbot, data_dir, forward_url=f"http://127.0.0.1:{port}")
    try:
        send(qtbot, core.listener.url + "/fw", b'{"k": "v"}')
        qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)
        qtbot.waitUntil(
            lambda: (
                window.model.rowCount() == 1 and cell(window, 0, "Forward").startswith("202 · ")
            ),
            timeout=5000,
        )
        assert received == [b'{"k": "v"}']
        window.table.selectRow(0)
        assert "--- forwarded to" in window.detail.response.toPlainText()
        assert '{"dev": true}' in window.detail.response.toPlainText()
    finally:
        close_app(qtbot, core, window)
        run_in_qloop(qtbot, runner.cleanup())


def test_edit_dialog_resigns_a_signed_body(
    qtbot: Any, qloop: asyncio.AbstractEventLoop, data_dir: Path
) -> None:
    from inspector.core.endpoints import Endpoint, EndpointTable
    from inspector.core.simulate import sample_requests

    endpoint = Endpoint("/gh", vendor="generic", scheme="github", secret="gh-secret")
    table = EndpointTable.load(data_dir)
    table.add(endpoint)
    table.save()
    core, window = open_app(qtbot, data_dir)
    try:
        (sample,) = sample_requests("generic", endpoint=endpoint)
        send(qtbot, core.listener.url + "/gh", sample.body, dict(sample.headers))
        qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=3000)
        assert window.model.capture_at(0).validation.result == "valid"
        window.table.selectRow(0)
        dialog = window.captures.edit_and_replay()
        assert dialog is not None and dialog.resign_box is not None
        dialog.body.setPlainText(dialog.body.toPlainText().replace("sample", "edited"))
        dialog.send()
        qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=5000)
        resent = window.model.capture_at(0)
        assert resent is not None and resent.validation.result == "valid"
        # and without re-signing the same edit is rejected
        dialog.resign_box.setChecked(False)
        dialog.send()
        qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=5000)
        qtbot.waitUntil(lambda: not dialog.is_sending(), timeout=5000)
        rejected = window.model.capture_at(0)
        assert rejected is not None and rejected.validation.result == "invalid"
        assert dialog.answer.toPlainText().startswith("HTTP 401")
    finally:
        close_app(qtbot, core, window)


def test_export_shown_and_selected(
    qtbot: Any, running: tuple[AppCore, MainWindow], tmp_path: Path
) -> None:
    core, window = running
    for path in ("/a", "/b-needle", "/c-needle"):
        send(qtbot, core.listener.url + path, b"x")
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=3000)
    window.filter_edit.setText("needle")
    window.apply_filter()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=3000)
    shown = tmp_path / "shown.json"
    window.transfers.export_captures("shown", shown, "json")
    qtbot.waitUntil(
        lambda: window.transfers.last_job_message.startswith("exported 2"), timeout=5000
    )
    assert [c["path"] for c in json.loads(shown.read_text())["captures"]] == [
        "/b-needle",
        "/c-needle",
    ]
    window.table.selectRow(0)
    selected = tmp_path / "selected.har"
    window.transfers.last_job_message = ""
    window.transfers.export_captures("selected", selected, "har")
    qtbot.waitUntil(
        lambda: window.transfers.last_job_message.startswith("exported 1"), timeout=5000
    )
    (entry,) = json.loads(selected.read_text())["log"]["entries"]
    assert entry["request"]["url"].endswith("/c-needle")
