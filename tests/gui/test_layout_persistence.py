"""The window's layout: what a restart keeps, who gets the width, and the empty list's page
(test_window_layout.py: the window keeps its size at 1024x700).

Each test runs on its own temporary data directory, so the saved layout (window.json
there) is never the user's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import close_app, open_app, send_http
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QGuiApplication, QHelpEvent
from PySide6.QtWidgets import QApplication, QPushButton, QToolTip

from inspector.app import AppCore
from inspector.core.endpoints import Endpoint
from inspector.gui.capture_model import Column
from inspector.gui.columns import CAPTURE_ELASTIC
from inspector.gui.layout_state import LAYOUT_FILENAME
from inspector.gui.main_window import MainWindow
from inspector.gui.tasks_view import TaskColumn

pytestmark = pytest.mark.gui


def test_layout_comes_back_after_a_restart(qtbot: Any, qloop: Any, data_dir: Path) -> None:
    core, window = open_app(qtbot, data_dir)
    send_http(qtbot, core.listener.url + "/first", b"{}")  # the detail pane shows with one
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    # Within the (offscreen) screen: Qt fits a restored window to the screen it is on.
    screen = QGuiApplication.primaryScreen().availableGeometry()
    width, height = min(1100, screen.width() - 40), min(720, screen.height() - 40)
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.size().width() == width)
    window.splitter.setSizes([180, 400])
    header = window.table.horizontalHeader()
    header.resizeSection(Column.TIME, 130)  # as a drag on the header does
    header.resizeSection(Column.EVENT, 170)
    window.tasks_view.tree.header().resizeSection(TaskColumn.STATUS, 140)
    window.view_menu.messages_action.trigger()  # View -> Messages
    assert window.messages_dock.isVisible()
    window.tasks_dock.raise_()
    tasks = window.tasks_view.splitter
    qtbot.waitUntil(tasks.isVisible)
    tasks.setSizes([100, 300])  # the result area taller than the list (not the default)
    splitter = window.splitter
    qtbot.waitUntil(lambda: sum(splitter.sizes()) + splitter.handleWidth() == splitter.height())
    close_app(qtbot, core, window)
    saved = json.loads((data_dir / LAYOUT_FILENAME).read_text(encoding="utf-8"))
    assert saved["columns"]["captures"]["Time"] == 130
    sizes = saved["splitters"]["list-detail"]
    assert sizes[0] < sizes[1]  # as dragged: the list smaller than the detail pane

    core, window = open_app(qtbot, data_dir)
    try:
        assert (window.width(), window.height()) == (width, height)
        assert window.splitter.sizes() == sizes
        header = window.table.horizontalHeader()
        assert header.sectionSize(Column.TIME) == 130
        assert window.path_room.preferred[Column.EVENT] == 170
        assert window.tasks_view.tree.header().sectionSize(TaskColumn.STATUS) == 140
        assert window.messages_dock.isVisible()
        window.tasks_dock.raise_()
        tasks = window.tasks_view.splitter
        qtbot.waitUntil(lambda: tasks.isVisible() and sum(tasks.sizes()) > 0)
        top, bottom = tasks.sizes()
        assert top < bottom
    finally:
        close_app(qtbot, core, window)


def test_a_damaged_layout_file_means_the_default_layout(
    qtbot: Any, qloop: Any, data_dir: Path
) -> None:
    (data_dir / LAYOUT_FILENAME).write_text('{"format": 1, "geometry": 12, "splitters": [', "utf-8")
    core, window = open_app(qtbot, data_dir)
    try:
        assert not window.messages_dock.isVisible()
        assert window.table.horizontalHeader().sectionSize(Column.TIME) == 90
    finally:
        close_app(qtbot, core, window)


def test_path_keeps_its_room_in_a_small_window(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    path = "/blurit/task-42"
    send_http(qtbot, core.listener.url + path, b'{"status": "Started"}')
    qtbot.waitUntil(lambda: window.model.rowCount() == 1)
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024)
    header = window.table.horizontalHeader()
    event_wanted = CAPTURE_ELASTIC[Column.EVENT][0]
    forward_wanted = CAPTURE_ELASTIC[Column.FORWARD][0]
    qtbot.waitUntil(lambda: header.sectionSize(Column.EVENT) < event_wanted)
    # Event and Forward gave up width; Path shows the whole path.
    needed = window.table.fontMetrics().horizontalAdvance(path)
    assert header.sectionSize(Column.PATH) > needed
    assert header.sectionSize(Column.FORWARD) < forward_wanted
    # A cut column title is in its tooltip.
    title = window.model.headerData(
        Column.VALIDATION, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
    )
    assert title == "Validation"
    # Wide again: the columns get their widths back.
    window.resize(1600, 1000)
    qtbot.waitUntil(lambda: header.sectionSize(Column.EVENT) == event_wanted)


def test_a_cut_cell_shows_its_whole_text_in_a_tooltip(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    _, window = running
    window.services.endpoints.add(Endpoint("/anesya", vendor="anesya", token="whk_42"))
    window.send_sample("anesya")
    qtbot.waitUntil(lambda: window.model.rowCount() >= 1, timeout=5000)
    event_text = str(window.model.index(0, Column.EVENT).data())
    assert event_text
    window.path_room.set_preferred(Column.EVENT, 40)
    window.table.horizontalHeader().resizeSection(Column.EVENT, 40)
    rect = window.table.visualRect(window.model.index(0, Column.EVENT))
    viewport = window.table.viewport()
    pos = rect.center()
    QApplication.sendEvent(
        viewport, QHelpEvent(QEvent.Type.ToolTip, pos, viewport.mapToGlobal(pos))
    )
    assert QToolTip.isVisible() and QToolTip.text() == event_text
    QToolTip.hideText()


def test_endpoints_dock_shows_the_whole_public_url_with_a_copy_button(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    window.resize(1024, 700)
    panel = window.endpoints_panel
    assert not panel.url_box.copy_button.isEnabled()
    assert "start the tunnel" in panel.shown_url().lower()
    core.endpoints.add(Endpoint("/celantur", vendor="celantur", query_token="key=s3cr3t"))
    core.set_public_url("https://3f2a-81-56-120-7.ngrok-free.app")
    panel.refresh()
    panel.select_path("/celantur")
    masked = "https://3f2a-81-56-120-7.ngrok-free.app/celantur?key=•••"
    assert panel.shown_url() == masked
    box = panel.url_box.url
    qtbot.waitUntil(lambda: box.width() < window.endpoints_dock.width())
    # Wrapped, not scrolled: every line of it is inside the box.
    lines = int(box.document().documentLayout().documentSize().height())
    assert lines >= 2  # too long for one line at this width
    qtbot.waitUntil(lambda: box.height() >= lines * box.fontMetrics().lineSpacing())
    assert not box.horizontalScrollBar().isVisible()
    qtbot.mouseClick(panel.url_box.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == masked.replace("•••", "s3cr3t")


def test_tasks_table_shows_status_and_callbacks_at_its_default_width(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    _, window = running
    window.resize(1024, 700)
    window.tasks_dock.raise_()
    tree = window.tasks_view.tree
    qtbot.waitUntil(tree.isVisible)
    header = tree.header()
    for column in (TaskColumn.STATUS, TaskColumn.CALLBACKS):
        right = header.sectionViewportPosition(column) + header.sectionSize(column)
        assert right <= tree.viewport().width(), column


def test_the_empty_list_shows_how_to_get_a_first_webhook(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    empty = window.empty_state
    assert window.list_stack.currentWidget() is empty and empty.mode == "empty"
    assert empty.url_field.text() == core.listener.url
    assert empty.curl_field.text().startswith(f"curl -X POST {core.listener.url}/hello")
    assert empty.tunnel_button.text() == "Start tunnel"
    copy_curl = empty.findChild(QPushButton, "empty-curl-copy")
    assert copy_curl is not None
    qtbot.mouseClick(copy_curl, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == empty.curl_field.text()
    qtbot.mouseClick(empty.sample_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.rowCount() >= 1, timeout=5000)
    assert window.list_stack.currentWidget() is window.table
    assert window.detail.isVisible()
    # A filter that hides everything says so, and offers to clear it.
    window.filter_edit.setText("no-such-text-anywhere")
    window.apply_filter()
    assert window.list_stack.currentWidget() is empty and empty.mode == "filtered"
    qtbot.mouseClick(empty.clear_button, Qt.MouseButton.LeftButton)
    assert window.filter_edit.text() == ""
    assert window.list_stack.currentWidget() is window.table


def test_tunnel_indicator_is_compact_and_a_click_opens_tunnel_settings(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    _, window = running
    indicator = window.tunnel_indicator.label
    assert indicator.text() == "● Tunnel off"
    assert indicator.toolTip().startswith("Tunnel off")
    qtbot.mouseClick(indicator, Qt.MouseButton.LeftButton)
    dialog = window.settings_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.authtoken.edit.hasFocus() or dialog.focusWidget() is dialog.authtoken.edit
    dialog.reject()
