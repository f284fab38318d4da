"""What the window says and offers about captures: vendor names, validation words, the
pin mark, counts, and New endpoint from capture (issue 13), through the real listener."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import send_http
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTabWidget

from inspector.app import AppCore
from inspector.core.endpoints import Endpoint
from inspector.gui.capture_model import COLUMNS
from inspector.gui.main_window import MainWindow

pytestmark = pytest.mark.gui


def cell(window: MainWindow, row: int, column: str) -> str:
    return str(window.model.index(row, COLUMNS.index(column)).data())


def wait_rows(qtbot: Any, window: MainWindow, n: int) -> None:
    qtbot.waitUntil(lambda: window.model.rowCount() == n, timeout=5000)


def test_new_endpoint_from_capture_fills_path_vendor_and_token(
    qtbot: Any, running: tuple[AppCore, MainWindow], data_dir: Path
) -> None:
    core, window = running
    send_http(
        qtbot,
        core.local_url + "/blurit",
        b'{"status": "Succeeded", "taskId": "t-1"}',
        {"Content-Type": "application/json", "X-Auth-Token": "tok-seen"},
    )
    wait_rows(qtbot, window, 1)
    action = window.captures.new_endpoint_action
    assert not action.isEnabled()  # nothing selected
    window.table.selectRow(0)
    assert action in window.table.actions()  # offered on the capture's context menu
    action.trigger()
    dialog = window.endpoints_panel.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.windowTitle() == "Add endpoint"
    assert dialog.path.text() == "/blurit"
    assert dialog.vendor.currentText() == "BlurIt"
    assert dialog.token.text() == "tok-seen"
    assert dialog.error_text() == ""
    dialog.ok_button.click()
    qtbot.waitUntil(lambda: window.endpoints_panel.dialog is None)
    saved = core.endpoints.get("/blurit")
    assert saved is not None and saved.vendor == "blurit" and saved.token == "tok-seen"


def test_new_endpoint_from_a_generic_capture_takes_its_token_header(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    send_http(qtbot, core.local_url + "/hooks/in", b"{}", {"X-Hook-Token": "abc"})
    wait_rows(qtbot, window, 1)
    window.table.selectRow(0)
    window.captures.new_endpoint_action.trigger()
    dialog = window.endpoints_panel.dialog
    assert dialog is not None
    assert (dialog.path.text(), dialog.vendor.currentText()) == ("/hooks/in", "Generic")
    assert (dialog.header.text(), dialog.token.text()) == ("X-Hook-Token", "abc")
    dialog.reject()


def test_table_spells_vendors_as_everywhere_and_says_not_checked(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    core.endpoints.add(Endpoint("/blurit", vendor="blurit", token="t"))
    blurit = b'{"status": "Succeeded", "taskId": "t-1"}'
    send_http(qtbot, core.local_url + "/blurit", blurit, {"X-Auth-Token": "t"})
    celantur = b'{"task_id": 1693295888421318, "task_status": "done"}'
    send_http(qtbot, core.local_url + "/celantur?key=x", celantur)
    wait_rows(qtbot, window, 2)
    assert [cell(window, r, "Vendor") for r in range(2)] == ["Celantur v2", "BlurIt"]
    assert [cell(window, r, "Validation") for r in range(2)] == ["Not checked", "Valid"]
    assert [cell(window, r, "#") for r in range(2)] == ["2", "1"]
    vendor_filter = [window.vendor_combo.itemText(i) for i in range(window.vendor_combo.count())]
    assert {"BlurIt", "Celantur v2", "Celantur v1", "Anesya"} <= set(vendor_filter)
    window.table.selectRow(0)
    scheme = window.detail.validation.scheme.text()
    assert scheme.startswith("Checked: nothing") and "token-header" not in scheme


def test_pin_mark_is_an_icon_and_leaves_the_path_alone(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    send_http(qtbot, core.local_url + "/a/rather/long/path/to/see", b"x")
    wait_rows(qtbot, window, 1)
    window.table.selectRow(0)
    window.captures.pin_action.trigger()
    assert window.statusBar().currentMessage() == "Pinned 1 capture"
    number = window.model.index(0, COLUMNS.index("#"))
    qtbot.waitUntil(lambda: number.data(Qt.ItemDataRole.DecorationRole) is not None)
    assert "pinned" in number.data(Qt.ItemDataRole.ToolTipRole)
    path = window.model.index(0, COLUMNS.index("Path"))
    assert path.data() == "/a/rather/long/path/to/see"
    assert path.data(Qt.ItemDataRole.DecorationRole) is None  # the path keeps its room
    window.captures.pin_action.trigger()
    assert window.statusBar().currentMessage() == "Unpinned 1 capture"


def test_compare_gives_both_sides_equal_columns_and_counts_in_words(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    for body in (b'{"a": 1, "b": "same"}', b'{"a": 2, "b": "same"}'):
        send_http(qtbot, core.local_url + "/cmp", body, {"Content-Type": "application/json"})
    wait_rows(qtbot, window, 2)
    window.table.selectAll()
    window.captures.compare_action.trigger()
    dialog = window.captures.diff_dialog
    assert dialog is not None
    qtbot.waitExposed(dialog)
    tabs = dialog.findChild(QTabWidget)
    assert tabs is not None
    assert [tabs.tabText(i) for i in range(2)] == ["Body: 1 change", "Headers: 0 changes"]
    for table in (dialog.changes, dialog.headers):
        assert abs(table.columnWidth(2) - table.columnWidth(3)) <= 1
        assert table.columnWidth(2) > table.columnWidth(1)
    dialog.reject()
