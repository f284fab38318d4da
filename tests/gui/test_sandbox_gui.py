"""The Submit dialog's "Sandbox (simulated vendor)" on a first start: no account, no
tunnel, and the Tasks view shows the simulated task's whole timeline (docs/cli.md, submit;
docs/decisions.md, Sandbox)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import run_in_qloop
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from inspector.core.origin import SANDBOX_NOTE
from inspector.gui.submit_dialog import SubmitDialog
from inspector.net.sandbox.anesya import AnesyaSim

pytestmark = pytest.mark.gui


def png_file(tmp_path: Path) -> Path:
    image = QImage(96, 64, QImage.Format.Format_RGB32)
    image.fill(QColor("#3a7ca5"))
    path = tmp_path / "street.png"
    assert image.save(str(path))
    return path


def open_submit(window: Any) -> SubmitDialog:
    window.submit_action.trigger()
    dialog = window.submit_dialog
    assert isinstance(dialog, SubmitDialog) and dialog.isVisible()
    return dialog


def test_sandbox_choice_shows_a_whole_simulated_timeline(
    qtbot: Any, running: tuple[Any, Any], tmp_path: Path
) -> None:
    core, window = running
    assert core.public_url is None  # no tunnel, and no credentials anywhere
    # the empty Tasks view points a new user at the sandbox
    assert "Send to: Sandbox" in window.tasks_view.result_text()
    dialog = open_submit(window)
    dialog.set_vendor("blurit")
    assert dialog.real_api_radio.isChecked() and dialog.credentials_box.isEnabled()

    qtbot.mouseClick(dialog.sandbox_radio, Qt.MouseButton.LeftButton)
    assert dialog.is_sandbox()
    # the sandbox brings its own API, credentials and URL
    assert not dialog.credentials_box.isEnabled() and not dialog.webhook_edit.isEnabled()
    assert not dialog.webhook_hint.isVisible()
    dialog.set_file(png_file(tmp_path))
    with qtbot.waitSignal(dialog.submitted, timeout=15_000) as submitted:
        qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    task = submitted.args[0]
    assert task.sandbox and dialog.error_text() == ""
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=5000)
    assert not dialog.webhook_edit.isEnabled()  # still the sandbox's, after the run
    assert dialog.log_text().startswith(
        f"sandbox: a simulated BlurIt API on this machine (nothing is sent to BlurIt); "
        f"its callbacks go to {core.local_url}/blurit, labelled simulated"
    )

    view = window.tasks_view
    assert window.tasks_dock.isVisible()
    qtbot.waitUntil(lambda: view.row_texts(task.task_id)[4] == "Succeeded", timeout=15_000)
    row = view.row_texts(task.task_id)
    assert row[0] == "BlurIt (simulated)" and row[2] == "street.png" and row[5] == "3"
    lines = view.timeline_texts(task.task_id)
    assert lines[0].startswith("+0.00 s  submitted street.png to the sandbox (simulated)")
    assert [line.split("  ", 1)[1] for line in lines[1:]] == [
        "Sent (answered 200)  [valid]",
        "Started (answered 200)  [valid]",
        "Succeeded (answered 200)  [valid]",
    ]
    callbacks = core.store.task_callbacks(task)
    assert [c.source for c in callbacks] == ["simulate"] * 3
    assert all(SANDBOX_NOTE in c.notes for c in callbacks)

    # the result comes from the same simulation, while the app runs
    view.select_task(task.task_id)
    qtbot.mouseClick(view.fetch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.is_fetching(), timeout=10_000)
    assert view.error_text() == "" and view.has_image()
    assert view.result_text().startswith("Succeeded: 96x64 image")


def test_back_to_the_real_api_asks_for_credentials_again(
    qtbot: Any, running: tuple[Any, Any], tmp_path: Path
) -> None:
    _core, window = running
    dialog = open_submit(window)
    dialog.set_vendor("celantur")
    qtbot.mouseClick(dialog.sandbox_radio, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.real_api_radio, Qt.MouseButton.LeftButton)
    assert not dialog.is_sandbox() and dialog.credentials_box.isEnabled()
    assert dialog.webhook_edit.isEnabled() and dialog.webhook_hint.isVisible()
    dialog.set_file(png_file(tmp_path))
    qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
    assert dialog.error_text().startswith("give a webhook URL")
    assert window.tasks_view.task_ids() == []


def test_anesya_submits_from_the_dialog_without_a_public_url(
    qtbot: Any, running: tuple[Any, Any], tmp_path: Path
) -> None:
    """Anesya's API takes no webhook URL: no tunnel is no reason to refuse the task."""
    core, window = running
    anesya = AnesyaSim(step_delay=0.05)
    run_in_qloop(qtbot, anesya.start())
    try:
        dialog = open_submit(window)
        dialog.set_vendor("anesya")
        assert core.public_url is None and dialog.webhook_edit.text() == ""
        assert "URL: (no webhook URL yet)" in dialog.dashboard_info.text()
        dialog.api_base_edit.setText(anesya.base_url)
        dialog.credential_pages["anesya"].fields["api_key"].setText("anesya-test-key")
        document = tmp_path / "invoice.pdf"
        document.write_bytes(b"%PDF-1.4\n" + b"0" * 200 + b"\n%%EOF\n")
        dialog.set_file(document)
        with qtbot.waitSignal(dialog.submitted, timeout=10_000) as submitted:
            qtbot.mouseClick(dialog.submit_button, Qt.MouseButton.LeftButton)
        task = submitted.args[0]
        assert not task.sandbox and list(anesya.extracts) == [task.task_id]
        qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=5000)
        assert dialog.error_text() == ""
    finally:
        run_in_qloop(qtbot, anesya.stop())
