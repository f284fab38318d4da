"""The Submit dialog and the Tasks view against the Celantur and BlurIt doubles.

A real AppCore (listener on 127.0.0.1:0) and the vendor doubles run on the qasync loop;
the webhook URL is our listener's, since no tunnel runs in tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from helpers import run_in_qloop
from PySide6.QtGui import QColor, QImage

from inspector.app import AppCore
from inspector.gui.submit_dialog import NO_PUBLIC_URL_TEXT, SubmitDialog
from inspector.gui.tasks_view import TasksView
from inspector.gui.theme import tone_of
from inspector.gui.widgets import SecretField
from inspector.net.sandbox.blurit import BlurItSim
from inspector.net.sandbox.celantur import CelanturSim

pytestmark = pytest.mark.gui

CELANTUR_USER = {"username": "user@example.com", "password": "s3cret-pass"}
BLURIT_CLIENT = {"client_id": "client-id", "secret_id": "secret-id"}


@dataclass
class Rig:
    core: AppCore
    celantur: CelanturSim
    blurit: BlurItSim
    view: TasksView


@pytest.fixture
def rig(qtbot: Any, qloop: asyncio.AbstractEventLoop, data_dir: Path) -> Iterator[Rig]:
    celantur = CelanturSim(step_delay=0.3)
    blurit = BlurItSim(step_delay=0.1)
    run_in_qloop(qtbot, celantur.start())
    run_in_qloop(qtbot, blurit.start())
    core = AppCore(data_dir, port=0, kind="gui")
    run_in_qloop(qtbot, core.start())
    view = TasksView(core, api_base=celantur.base_url)
    view.set_api_base(blurit.base_url, vendor="blurit")
    qtbot.addWidget(view)
    view.resize(820, 600)
    view.show()
    yield Rig(core, celantur, blurit, view)
    view.detach()
    run_in_qloop(qtbot, core.stop())
    run_in_qloop(qtbot, celantur.stop())
    run_in_qloop(qtbot, blurit.stop())


def make_dialog(qtbot: Any, rig: Rig, vendor: str, api_base: str) -> SubmitDialog:
    dialog = SubmitDialog(rig.core, api_base=api_base)
    qtbot.addWidget(dialog)
    dialog.set_vendor(vendor)
    dialog.show()
    return dialog


def fill_credentials(dialog: SubmitDialog, values: dict[str, str]) -> None:
    page = dialog.credential_pages[dialog.vendor()]
    for name, value in values.items():
        page.fields[name].setText(value)


def png_file(tmp_path: Path, name: str = "street.png") -> Path:
    image = QImage(96, 64, QImage.Format.Format_RGB32)
    image.fill(QColor("#3a7ca5"))
    path = tmp_path / name
    assert image.save(str(path))  # the format follows the suffix
    return path


def test_celantur_submission_follows_callbacks_and_shows_result(
    qtbot: Any, rig: Rig, tmp_path: Path
) -> None:
    core, view = rig.core, rig.view
    assert view.task_ids() == [] and view.result_text().startswith("No tasks yet")
    core.set_public_url(core.listener.url)  # stands in for the tunnel's public URL
    dialog = make_dialog(qtbot, rig, "celantur", rig.celantur.base_url)
    webhook = dialog.webhook_edit.text()
    assert webhook.startswith(core.listener.url + "/celantur?key=")
    assert not dialog.webhook_hint.isVisible()
    fill_credentials(dialog, CELANTUR_USER)
    password = dialog.credential_pages["celantur"].fields["password"]
    assert isinstance(password, SecretField)
    assert password.edit.echoMode().name == "Password"
    dialog.remember.setChecked(True)  # Fetch result reads the saved credentials
    image = png_file(tmp_path)
    dialog.set_file(image)
    progress: list[tuple[int, int]] = []
    dialog.upload_progressed.connect(lambda done, total: progress.append((done, total)))

    with qtbot.waitSignal(dialog.submitted, timeout=10_000) as submitted:
        dialog.submit_button.click()
        assert dialog.is_busy() and not dialog.submit_button.isEnabled()
    task = submitted.args[0]
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=3000)
    assert dialog.status_text() == f"task {task.task_id}"
    assert dialog.error_text() == ""
    size = image.stat().st_size
    assert progress[-1] == (size, size)
    # the double got our exact webhook URL
    assert rig.celantur.tasks[int(task.task_id)].webhook == webhook
    assert core.credentials("celantur") == CELANTUR_USER

    # the task is listed at once (task_saved), still without callbacks
    qtbot.waitUntil(lambda: task.task_id in view.task_ids(), timeout=3000)
    row = view.row_texts(task.task_id)
    assert row[:3] == ["Celantur v2", task.task_id, "street.png"]
    assert row[4:] == ["submitted", "0"]
    assert view.result_text() == ""
    view.select_task(task.task_id)
    current = view.tree.currentItem()
    assert current is not None
    current.setExpanded(True)
    # the callback arrives; the row is updated in place: still expanded and selected
    qtbot.waitUntil(lambda: view.row_texts(task.task_id)[4] == "done", timeout=10_000)
    assert view.row_texts(task.task_id)[5] == "1"
    assert view.is_expanded(task.task_id)
    selected = view.selected_task()
    assert selected is not None and selected.task_id == task.task_id
    lines = view.timeline_texts(task.task_id)
    assert lines[0].startswith("+0.00 s  submitted street.png")
    assert lines[1].endswith("done (answered 200)  [valid]")
    assert float(lines[1].split()[0].lstrip("+")) > 0

    with qtbot.waitSignal(view.show_callbacks_requested, timeout=1000) as shown:
        view.callbacks_button.click()
    assert shown.args == [task.task_id]

    view.fetch_button.click()
    assert view.is_fetching() and "fetching" in view.result_text()
    qtbot.waitUntil(lambda: not view.is_fetching(), timeout=10_000)
    assert view.error_text() == ""
    assert view.has_image()
    assert view.result_text().startswith("done: 96x64 image")
    view.grab().save("/tmp/tasks_view_celantur.png")


def test_blurit_submission_registers_webhook_and_validates_callbacks(
    qtbot: Any, rig: Rig, tmp_path: Path
) -> None:
    core, view = rig.core, rig.view
    core.set_public_url(core.listener.url)
    dialog = make_dialog(qtbot, rig, "blurit", rig.blurit.base_url)
    assert dialog.webhook_edit.text() == core.listener.url + "/blurit"
    fill_credentials(dialog, BLURIT_CLIENT)
    dialog.remember.setChecked(True)
    dialog.option_pages["blurit"].set_value("blur_type", "pixelate")
    dialog.set_file(png_file(tmp_path, "plates.png"))
    with qtbot.waitSignal(dialog.submitted, timeout=10_000) as submitted:
        dialog.submit()
    task = submitted.args[0]
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=3000)
    assert dialog.status_text() == f"task {task.task_id}"
    assert "BlurIt webhook created" in dialog.log_text()
    job = rig.blurit.jobs[task.task_id]
    assert '"pixelate"' in job.form["blur_type"]

    qtbot.waitUntil(lambda: view.row_texts(task.task_id)[4:5] == ["Succeeded"], timeout=10_000)
    lines = view.timeline_texts(task.task_id)
    assert [line.split("  ", 1)[1] for line in lines[1:]] == [
        "Sent (answered 200)  [valid]",
        "Started (answered 200)  [valid]",
        "Succeeded (answered 200)  [valid]",
    ]
    assert rig.blurit.deliveries and all(d.compliant for d in rig.blurit.deliveries)

    view.select_task(task.task_id)
    view.fetch_selected()
    qtbot.waitUntil(lambda: not view.is_fetching(), timeout=10_000)
    assert view.error_text() == ""
    assert view.has_image()
    dialog.grab().save("/tmp/submit_dialog_blurit.png")

    # tasks persist: a new view lists the task with its timeline; deleting it unsubscribes
    followers = len(core.store.added), len(core.task_saved)
    other = TasksView(core)
    assert other.task_ids() == [task.task_id]
    assert other.timeline_texts(task.task_id) == view.timeline_texts(task.task_id)
    assert (len(core.store.added), len(core.task_saved)) == (followers[0] + 1, followers[1] + 1)
    other.deleteLater()
    qtbot.waitUntil(
        lambda: (len(core.store.added), len(core.task_saved)) == followers, timeout=3000
    )


def test_cancel_during_upload_returns_to_idle(qtbot: Any, rig: Rig, tmp_path: Path) -> None:
    core = rig.core
    core.set_public_url(core.listener.url)
    dialog = make_dialog(qtbot, rig, "celantur", rig.celantur.base_url)
    fill_credentials(dialog, CELANTUR_USER)
    big = tmp_path / "big.png"
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(8 * 1024 * 1024))
    dialog.set_file(big)
    cancelled_at: list[int] = []

    def cancel_mid_upload(done: int, total: int) -> None:
        if 0 < done < total and not cancelled_at:
            cancelled_at.append(done)
            assert dialog.cancel_button.isEnabled()
            dialog.cancel_button.click()

    dialog.upload_progressed.connect(cancel_mid_upload)
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=10_000)
    assert cancelled_at, "the upload never reported progress"
    assert dialog.status_text() == "cancelled"
    assert dialog.error_text() == ""
    assert dialog.submit_button.isEnabled() and not dialog.cancel_button.isEnabled()
    assert core.store.tasks() == []
    assert rig.view.task_ids() == []
    qtbot.waitUntil(lambda: rig.celantur.aborted_uploads == 1, timeout=5000)
    assert not rig.celantur.upload_requests


def test_cancel_right_after_submit(qtbot: Any, rig: Rig, tmp_path: Path) -> None:
    dialog = make_dialog(qtbot, rig, "blurit", rig.blurit.base_url)
    dialog.webhook_edit.setText(rig.core.listener.url + "/blurit")
    fill_credentials(dialog, BLURIT_CLIENT)
    dialog.set_file(png_file(tmp_path))
    dialog.submit()
    assert dialog.is_busy()
    dialog.cancel()
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=5000)
    assert dialog.status_text() == "cancelled"
    assert rig.core.store.tasks() == []


def test_refused_credentials_show_the_vendor_sentence(qtbot: Any, rig: Rig, tmp_path: Path) -> None:
    rig.core.set_public_url(rig.core.listener.url)
    dialog = make_dialog(qtbot, rig, "celantur", rig.celantur.base_url)
    fill_credentials(dialog, {"username": "user@example.com", "password": "wrong"})
    dialog.remember.setChecked(True)
    dialog.set_file(png_file(tmp_path))
    dialog.submit()
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=5000)
    assert dialog.error_text() == "the Celantur credentials were refused"
    assert dialog.error_label.isVisible()
    assert tone_of(dialog.error_label) == "error"
    assert dialog.status_text() == ""
    assert rig.core.store.tasks() == []
    assert rig.core.credentials("celantur") == {}  # not remembered when refused


def test_missing_file_and_wrong_type_are_one_line_errors(
    qtbot: Any, rig: Rig, tmp_path: Path
) -> None:
    rig.core.set_public_url(rig.core.listener.url)
    dialog = make_dialog(qtbot, rig, "celantur", rig.celantur.base_url)
    fill_credentials(dialog, CELANTUR_USER)
    missing = tmp_path / "nope.jpg"
    dialog.set_file(missing)
    dialog.submit()
    assert not dialog.is_busy()
    assert dialog.error_text() == f"no such file: {missing}"
    assert dialog.error_label.isVisible()

    text = tmp_path / "notes.txt"
    text.write_text("hello")
    dialog.set_file(text)
    dialog.submit()
    assert dialog.error_text() == "notes.txt is not a JPEG or PNG image (Celantur takes only those)"

    dialog.set_vendor("anesya")
    dialog.submit()
    assert dialog.error_text() == (
        "notes.txt is not a PDF, PNG or JPEG document (Anesya takes only those)"
    )
    assert not dialog.is_busy()
    assert rig.celantur.api_requests() == []  # nothing was sent


def test_without_public_url_the_dialog_says_how_to_get_one(
    qtbot: Any, rig: Rig, tmp_path: Path
) -> None:
    assert rig.core.public_url is None
    dialog = make_dialog(qtbot, rig, "anesya", "")
    assert dialog.webhook_edit.text() == ""
    assert dialog.webhook_edit.isEnabled() and not dialog.webhook_edit.isReadOnly()
    assert dialog.webhook_hint.isVisible()
    assert dialog.webhook_hint.text().startswith(NO_PUBLIC_URL_TEXT)
    # Nothing is created before Submit: the token shown is the one Submit will create.
    assert rig.core.endpoints.for_vendor("anesya") == []
    token = dialog._plan("anesya").endpoint.token
    assert token and token in dialog.dashboard_info.text()
    dialog.webhook_edit.setText("https://hooks.example.com/anesya")
    assert "Submit creates the endpoint /anesya for Anesya" in dialog.changes_text()
    assert "URL: https://hooks.example.com/anesya" in dialog.dashboard_info.text()
    assert dialog.dashboard_info.isVisible()
    dialog.grab().save("/tmp/submit_dialog_anesya.png")
    dialog.set_vendor("celantur")
    assert not dialog.dashboard_info.isVisible()
    dialog.set_file(png_file(tmp_path))
    dialog.webhook_edit.setText("")
    fill_credentials(dialog, CELANTUR_USER)
    dialog.submit()
    assert dialog.error_text().startswith("give a webhook URL")


def test_unrelated_traffic_does_not_refresh_the_tasks(qtbot: Any, rig: Rig) -> None:
    from inspector.core.tasks import Task

    core, view = rig.core, rig.view
    task = Task(vendor="celantur", task_id="777", file_name="a.png", webhook_url="")
    core.store.save_task(task)
    core.task_saved.emit(task)
    qtbot.waitUntil(lambda: view.task_ids() == ["777"], timeout=3000)

    async def post(path: str, body: bytes) -> None:
        async with (
            aiohttp.ClientSession() as s,
            s.post(core.listener.url + path, data=body) as r,
        ):
            await r.read()

    for i in range(20):  # not callbacks of a listed task: the store is not read again
        run_in_qloop(qtbot, post(f"/other{i}", b'{"event": "x", "task_id": "other"}'))
        assert not view._refresh_timer.isActive()
    assert view.row_texts("777")[5] == "0"
    callback = b'{"task_id": "777", "task_status": "done", "customer_id": "c"}'
    run_in_qloop(qtbot, post("/hook", callback))
    qtbot.waitUntil(lambda: view.row_texts("777")[5] == "1", timeout=3000)
    assert view.row_texts("777")[4] == "done"


def test_webhook_url_placeholder_and_hint_follow_the_vendor(qtbot: Any, rig: Rig) -> None:
    assert rig.core.public_url is None
    dialog = make_dialog(qtbot, rig, "blurit", "")
    assert dialog.webhook_edit.placeholderText() == "https://your-public-host/blurit"
    assert dialog.webhook_hint.isVisible()
    assert dialog.webhook_hint.text().endswith(
        "BlurIt will call it, e.g. https://your-public-host/blurit"
    )
    dialog.set_vendor("celantur")
    assert dialog.webhook_edit.placeholderText() == "https://your-public-host/celantur?key=…"
    assert "Celantur will call it" in dialog.webhook_hint.text()
    # Typing a URL answers the hint: it goes away; emptying the field brings it back.
    qtbot.keyClicks(dialog.webhook_edit, "https://hooks.example.com/celantur?key=k")
    assert not dialog.webhook_hint.isVisible() and dialog.webhook_hint.text() == ""
    dialog.webhook_edit.clear()
    assert dialog.webhook_hint.isVisible()
