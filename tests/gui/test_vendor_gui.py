"""Vendor meaning, validation badges and samples, as the user sees them in the window."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import close_app, open_app, run_in_qloop

from inspector.app import AppCore
from inspector.core.endpoints import Endpoint, EndpointTable
from inspector.gui.capture_model import COLUMNS
from inspector.gui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def running(
    qtbot: Any, qloop: asyncio.AbstractEventLoop, data_dir: Path
) -> Iterator[tuple[AppCore, MainWindow]]:
    table = EndpointTable.load(data_dir)
    table.add(Endpoint("/blurit", vendor="blurit", token="tok_blurit"))
    table.add(Endpoint("/celantur", vendor="celantur", query_token="key=k1"))
    table.save()
    core, window = open_app(qtbot, data_dir)
    yield core, window
    close_app(qtbot, core, window)


def cell(window: MainWindow, row: int, column: str) -> str:
    return str(window.model.index(row, COLUMNS.index(column)).data())


def test_blurit_samples_show_vendor_status_and_badges(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    _, window = running
    window.sample_actions[("blurit", "Succeeded")].trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=5000)
    assert [cell(window, r, "Event") for r in range(3)] == ["Succeeded", "Started", "Sent"]
    assert {cell(window, r, "Vendor") for r in range(3)} == {"BlurIt"}
    assert {cell(window, r, "Validation") for r in range(3)} == {"Valid"}
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.detail.capture is not None, timeout=3000)
    assert window.detail.validation.badge.text().strip() == "Valid"
    assert "endpoint /blurit" in window.detail.validation.scheme.text()
    assert window.detail.vendor.vendor.text() == "BlurIt"
    assert window.detail.vendor.status.text() == "Succeeded"
    # every status of the job, by task id
    window.detail.vendor.same_task.click()
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=3000)
    assert window.filter_edit.text() == window.detail.vendor.task.text()


def test_wrong_token_is_invalid_and_explained(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running

    async def wrong() -> int:
        import aiohttp

        async with (
            aiohttp.ClientSession() as s,
            s.post(
                core.listener.url + "/blurit",
                json={"taskId": "j9", "status": "Sent"},
                headers={"X-Auth-Token": "Bearer tok_blurit"},
            ) as r,
        ):
            return r.status

    assert run_in_qloop(qtbot, wrong()) == 401
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=3000)
    assert cell(window, 0, "Validation") == "Invalid"
    assert cell(window, 0, "Status") == "401"
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.detail.capture is not None, timeout=3000)
    assert window.detail.validation.badge.text().strip() == "Invalid"
    detail = window.detail.validation.detail.toPlainText()
    assert "X-Auth-Token" in detail and "Bearer" in detail
    assert "tok_blurit" not in detail.replace("Bearer tok_blurit", "")  # never the secret itself


def test_celantur_links_and_validation_filter(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    _, window = running
    opened: list[str] = []
    window.detail.vendor._open_url = opened.append
    window.sample_actions[("celantur", "done")].trigger()
    window.sample_actions[("blurit", "Sent")].trigger()
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=5000)
    window.vendor_combo.setCurrentIndex(window.vendor_combo.findData("celantur"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=3000)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.detail.capture is not None, timeout=3000)
    assert window.detail.vendor.vendor.text() == "Celantur v2"
    assert window.detail.vendor.task.text().isdigit()
    assert window.detail.vendor.link_buttons, "anonymized_url is offered as a link"
    window.detail.vendor.link_buttons[0].click()
    assert opened and opened[0].startswith("https://")
    window.vendor_combo.setCurrentIndex(0)
    window.validation_combo.setCurrentIndex(window.validation_combo.findData("invalid"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=3000)
    window.validation_combo.setCurrentIndex(window.validation_combo.findData("valid"))
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=3000)


def test_unmatched_path_explains_why_nothing_was_checked(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running

    async def go() -> None:
        import aiohttp

        async with aiohttp.ClientSession() as s, s.post(core.listener.url + "/random") as r:
            await r.read()

    run_in_qloop(qtbot, go())
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=3000)
    window.table.selectRow(0)
    qtbot.waitUntil(lambda: window.detail.capture is not None, timeout=3000)
    assert window.detail.validation.badge.text().strip() == "Not checked"
    assert "no endpoint" in window.detail.validation.detail.toPlainText()


def test_endpoints_dock_and_settings_from_the_window(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    panel = window.endpoints_panel
    assert window.endpoints_dock.isVisible()
    assert panel.view.rowCount() == 2
    assert panel.cell_text("/blurit", "Vendor").lower().startswith("blurit")
    # an endpoint added from the command line shows up in the dock
    from inspector.core.endpoints import Endpoint, EndpointTable

    other = EndpointTable.load(core.data_dir)
    other.add(Endpoint("/anesya", vendor="anesya", token="whk"))
    other.save()
    qtbot.waitUntil(lambda: panel.view.rowCount() == 3, timeout=3000)
    dialog = window.open_settings()
    assert dialog.isVisible()
    dialog.reject()


def test_submit_dialog_and_tasks_dock_from_the_window(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    _, window = running
    assert window.submit_action.isEnabled()
    dialog = window.open_submit()
    assert dialog.isVisible()
    dialog.set_vendor("blurit")
    assert dialog.vendor() == "blurit"
    dialog.reject()
    assert window.tasks_view.task_ids() == []
