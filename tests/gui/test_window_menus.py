"""The window's feedback, menus and keys as the user meets them: the message log, Delete and
Clear all, the context menus, Tab and Esc, and the View and Help menus."""

from __future__ import annotations

import json
import platform
import re
from pathlib import Path
from typing import Any

import pytest
from helpers import close_app, open_app, send_http
from PySide6.QtCore import QItemSelectionModel, QPoint, Qt, QUrl, qVersion
from PySide6.QtGui import QAction, QColor, QDesktopServices, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QDialog, QMenu

from inspector.app import AppCore
from inspector.core.capture import Capture
from inspector.core.endpoints import Endpoint
from inspector.core.settings import Settings
from inspector.core.store import CaptureStore
from inspector.gui.capture_actions import PER_CAPTURE_AT_MOST
from inspector.gui.capture_model import Column
from inspector.gui.help_menu import AboutDialog, ShortcutsDialog
from inspector.gui.main_window import MainWindow
from inspector.gui.theme import DARK, LIGHT

pytestmark = pytest.mark.gui


def capture_some(qtbot: Any, core: AppCore, window: MainWindow, n: int) -> None:
    for i in range(n):
        assert send_http(qtbot, f"{core.listener.url}/hook{i}", b"{}") == 200
    qtbot.waitUntil(lambda: window.model.rowCount() == n)


def paths(window: MainWindow) -> list[str]:
    """The listed paths, a pinned capture's marked "pinned "."""
    out = []
    for row in range(window.model.rowCount()):
        capture = window.model.capture_at(row)
        assert capture is not None
        out.append(("pinned " if capture.pinned else "") + capture.path)
    return out


def select_rows(window: MainWindow, rows: list[int]) -> None:
    window.table.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in rows:
        window.table.selectionModel().select(window.model.index(row, 0), flags)


def focus_table(qtbot: Any, window: MainWindow) -> None:
    """Give the capture list the keyboard focus, as a click would: the window's shortcuts
    (Delete, Esc) need it active and the list focused (offscreen, a closed dialog leaves
    neither)."""
    window.activateWindow()
    window.table.setFocus()
    qtbot.waitUntil(window.table.hasFocus)


def menu_actions(window: MainWindow, title: str) -> list[QAction]:
    for action in window.menuBar().actions():
        if action.text().replace("&", "") == title:
            menu = action.menu()
            assert isinstance(menu, QMenu)
            return [a for a in menu.actions() if not a.isSeparator()]
    raise AssertionError(f"no {title} menu")


def message_texts(window: MainWindow) -> list[str]:
    return [text for _, _, text in window.messages_view.rows()]


def test_the_message_log_keeps_messages_with_time_and_level(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    capture_some(qtbot, core, window, 1)
    window.table.selectRow(0)
    window.captures.replay_action.trigger()
    qtbot.waitUntil(lambda: any(t.startswith("Replayed #1: 200") for t in message_texts(window)))
    core.warned.emit("only 12 MiB free on the disk")
    # The status bar showed it (whole text in its tooltip); the log keeps it after.
    assert window.statusBar().currentMessage() == "Warning: only 12 MiB free on the disk"
    assert window.statusBar().toolTip() == "Warning: only 12 MiB free on the disk"
    window.statusBar().clearMessage()
    assert not window.messages_dock.isVisible()
    window.view_menu.messages_action.trigger()  # View -> Messages
    assert window.messages_dock.isVisible()
    rows = window.messages_view.rows()
    time, level, text = rows[-1]
    assert (level, text) == ("warning", "Warning: only 12 MiB free on the disk")
    assert re.fullmatch(r"\d\d:\d\d:\d\d", time)
    assert ("info", f"Listening on {core.listener.url}") == rows[0][1:]
    qtbot.mouseClick(window.messages_view.copy_button, Qt.MouseButton.LeftButton)
    copied = QGuiApplication.clipboard().text().splitlines()
    assert copied[-1].endswith("warning  Warning: only 12 MiB free on the disk")
    qtbot.mouseClick(window.messages_view.clear_button, Qt.MouseButton.LeftButton)
    assert window.messages_view.rows() == [] and window.messages.messages() == []


def test_delete_key_asks_then_deletes_the_selection_but_keeps_pinned(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    capture_some(qtbot, core, window, 3)
    assert paths(window) == ["/hook2", "/hook1", "/hook0"]
    window.table.selectRow(0)
    window.captures.pin_action.trigger()  # /hook2 pinned
    select_rows(window, [0, 1])
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Delete)
    dialog = window.deleting.dialog
    assert dialog is not None and dialog.isVisible()
    assert "2 captures selected" in dialog.question.text()
    assert dialog.include_pinned.isVisible() and not dialog.include_pinned.isChecked()
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: paths(window) == ["pinned /hook2", "/hook0"])
    assert core.store.count() == 2
    shown = window.detail.capture  # the pinned one stayed, selected
    assert shown is not None and shown.path == "/hook2"
    qtbot.waitUntil(lambda: "Deleted 1 capture" in message_texts(window))


def test_rows_chosen_with_clicks_and_ctrl_a_are_the_ones_deleted(
    qtbot: Any, running: tuple[AppCore, MainWindow], tmp_path: Path
) -> None:
    core, window = running
    capture_some(qtbot, core, window, 7)  # listed /hook6 (row 0) ... /hook0 (row 6)
    window.show()
    viewport = window.table.viewport()

    def click(row: int, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        where = window.table.visualRect(window.model.index(row, Column.PATH)).center()
        qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, modifier, where)

    click(1)
    click(3, Qt.KeyboardModifier.ShiftModifier)  # rows 1-3
    click(5, Qt.KeyboardModifier.ControlModifier)  # and row 5
    click(2, Qt.KeyboardModifier.ControlModifier)  # but not row 2
    assert window.captures.compare_action.isEnabled() is False  # three are selected
    window.transfers.export_captures("selected", tmp_path / "chosen.json", "json")
    qtbot.waitUntil(lambda: window.transfers.last_job_message.startswith("exported 3"))
    exported = json.loads((tmp_path / "chosen.json").read_text())["captures"]
    assert [c["path"] for c in exported] == ["/hook1", "/hook3", "/hook5"]  # oldest first
    focus_table(qtbot, window)
    qtbot.keyClick(window.table, Qt.Key.Key_Delete)
    dialog = window.deleting.dialog
    assert dialog is not None and "Delete the 3 captures selected?" in dialog.question.text()
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: paths(window) == ["/hook6", "/hook4", "/hook2", "/hook0"])
    # Ctrl+A selects every row; the detail pane shows the first.
    focus_table(qtbot, window)
    qtbot.keyClick(window.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: window.detail.capture is not None)
    assert window.transfers.export_selected_action.isEnabled()
    qtbot.keyClick(window.table, Qt.Key.Key_Delete)
    dialog = window.deleting.dialog
    assert dialog is not None and "Delete the 4 captures selected?" in dialog.question.text()
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.rowCount() == 0 and core.store.count() == 0)


def test_delete_in_the_filter_box_deletes_no_capture(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    capture_some(qtbot, core, window, 1)
    window.table.selectRow(0)
    window.filter_edit.setFocus()
    window.filter_edit.setText("x")
    qtbot.keyClick(window.filter_edit, Qt.Key.Key_Delete)
    assert window.deleting.dialog is None


def test_clear_all_keeps_pinned_captures_unless_asked(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    capture_some(qtbot, core, window, 3)
    window.table.selectRow(2)
    window.captures.pin_action.trigger()  # /hook0 pinned
    qtbot.waitUntil(lambda: window.detail.capture is not None)
    window.deleting.clear_action.trigger()  # Capture -> Clear all…
    dialog = window.deleting.dialog
    assert dialog is not None and "Delete all 3 captures?" in dialog.question.text()
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: paths(window) == ["pinned /hook0"])
    # Clear all emptied the search index in one step; what it kept is indexed again.
    qtbot.waitUntil(lambda: core.store.index_pending() == 0)
    qtbot.keyClicks(window.filter_edit, "HOOK0")
    qtbot.waitUntil(lambda: window.model.filter.text == "HOOK0" and not window.model.searching)
    assert paths(window) == ["pinned /hook0"]
    focus_table(qtbot, window)
    qtbot.keyClick(window.table, Qt.Key.Key_Escape)  # clears the filter
    qtbot.waitUntil(lambda: window.filter_edit.text() == "" and not window.model.searching)
    window.deleting.clear_action.trigger()
    dialog = window.deleting.dialog
    assert dialog is not None
    dialog.include_pinned.setChecked(True)
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.model.rowCount() == 0 and core.store.count() == 0)
    assert window.detail.capture is None  # it showed /hook0, deleted now
    assert window.list_stack.currentWidget() is window.empty_state
    # Cancel deletes nothing.
    capture_some(qtbot, core, window, 1)
    window.deleting.clear_action.trigger()
    dialog = window.deleting.dialog
    assert dialog is not None
    dialog.reject()
    assert core.store.count() == 1


def test_context_menus_offer_the_menus_own_actions(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    capture_some(qtbot, core, window, 2)
    # Captures: a right click on the second row selects it; Pin there pins it.
    pos = window.table.visualRect(window.model.index(1, Column.PATH)).center()
    window.table.customContextMenuRequested.emit(pos)
    menu = window.capture_context.menu
    assert menu is not None
    assert window.selected_capture_id() == core.store.get(1, with_body=False).id  # type: ignore[union-attr]
    capture_menu = menu_actions(window, "Capture")
    for action in (window.captures.replay_action, window.deleting.delete_action):
        assert action in menu.actions() and action in capture_menu
    window.captures.pin_action.trigger()
    assert paths(window)[1] == "pinned /hook0"
    # Endpoints: the same Copy action as the Endpoints menu.
    panel = window.endpoints_panel
    core.endpoints.add(Endpoint("/blurit", vendor="blurit", token="t"))
    panel.refresh()
    pos = panel.view.visualRect(panel.view.model().index(0, 0)).center()
    panel.view.customContextMenuRequested.emit(pos)
    copy_local = window.endpoint_actions.copy_local_action
    assert copy_local in menu_actions(window, "Endpoints")
    menus = [m for m in panel.view.findChildren(QMenu) if copy_local in m.actions()]
    assert menus and copy_local.isEnabled()
    copy_local.trigger()
    assert QGuiApplication.clipboard().text() == f"{core.listener.url}/blurit"
    # Tasks: Submit is the Vendors menu's action; nothing to fetch without a task.
    tree = window.tasks_view.tree
    tree.customContextMenuRequested.emit(QPoint(5, 5))
    tasks_menus = [m for m in tree.findChildren(QMenu) if window.submit_action in m.actions()]
    assert tasks_menus
    assert window.submit_action in menu_actions(window, "Vendors")
    assert not window.task_actions.fetch_action.isEnabled()


def test_tab_leaves_the_capture_list_and_esc_clears_the_filter(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    capture_some(qtbot, core, window, 2)
    window.table.selectRow(0)
    focus_table(qtbot, window)
    qtbot.keyClick(window.table, Qt.Key.Key_Tab)
    assert not window.table.hasFocus()
    assert window.table.currentIndex().column() == 0  # it did not walk to the next cell
    window.filter_edit.setText("hook1")
    window.vendor_combo.setCurrentIndex(1)
    qtbot.waitUntil(lambda: window.model.rowCount() == 0)
    qtbot.keyClick(window.table, Qt.Key.Key_Escape)
    assert window.filter_edit.text() == "" and window.vendor_combo.currentIndex() == 0
    qtbot.waitUntil(lambda: window.model.rowCount() == 2)  # the search runs in a worker


def test_help_menu_opens_folders_and_shows_shortcuts_and_versions(
    qtbot: Any, running: tuple[AppCore, MainWindow], monkeypatch: pytest.MonkeyPatch
) -> None:
    core, window = running
    opened: list[QUrl] = []

    def open_url(url: QUrl) -> bool:  # what the desktop would open
        opened.append(url)
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", open_url)
    help_actions = menu_actions(window, "Help")
    window.help.data_folder_action.trigger()
    assert opened == [QUrl.fromLocalFile(str(core.data_dir))]
    assert window.help.log_action in help_actions
    log = Path(core.data_dir) / "logs" / "inspector.log"
    if log.exists():
        log.unlink()
    window.help.log_action.trigger()
    assert len(opened) == 1 and "No log yet" in window.statusBar().currentMessage()
    log.parent.mkdir(exist_ok=True)
    log.write_text("a line\n", encoding="utf-8")
    window.help.log_action.trigger()
    assert opened[-1] == QUrl.fromLocalFile(str(log))

    window.help.shortcuts_action.trigger()
    dialog = window.help.dialog
    assert isinstance(dialog, ShortcutsDialog) and dialog.isVisible()
    rows = dialog.rows()
    names = {what for _, what in rows}
    for action in window.findChildren(QAction):
        if not action.shortcut().isEmpty() and action.text():
            assert action.text().replace("&", "").rstrip("…").strip() in names, action.text()
    assert ("Esc", "Clear the filter") in rows
    dialog.reject()

    window.help.about_action.trigger()
    about = window.help.dialog
    assert isinstance(about, AboutDialog)
    text = about.text.text()
    assert f"Python: {platform.python_version()}" in text and f"Qt: {qVersion()}" in text
    assert re.search(r"aiohttp: \d+\.\d+", text)
    about.reject()


def test_view_menu_theme_is_applied_and_remembered(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    titles = [a.text() for a in menu_actions(window, "View")]
    assert {"Endpoints", "Tasks", "Messages"} <= set(titles)
    window.view_menu.theme_actions["dark"].trigger()
    try:
        qtbot.waitUntil(
            lambda: window.palette().color(QPalette.ColorRole.Window) == QColor(DARK.window)
        )
        # the same setting as Settings → General → Theme
        assert Settings.load(core.data_dir).theme == "dark"
        assert core.settings.theme == "dark"
        dialog = window.open_settings()
        assert dialog.theme.currentData() == "dark"
        dialog.reject()
    finally:
        window.view_menu.theme_actions["light"].trigger()
    assert app.palette().color(QPalette.ColorRole.Window) == QColor(LIGHT.window)
    assert Settings.load(core.data_dir).theme == "light"


def test_new_menus_are_safe_to_trigger_on_an_empty_window(
    qtbot: Any, running: tuple[AppCore, MainWindow], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, window = running
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: True)
    for title in ("Capture", "Endpoints", "View", "Help"):
        for action in menu_actions(window, title):
            if action.menu() is None and action.isEnabled():
                action.trigger()
                for dialog in window.findChildren(QDialog):
                    if dialog.isVisible():
                        dialog.reject()
    levels = {level for _, level, _ in window.messages_view.rows()}
    assert "error" not in levels


def test_closing_the_window_stops_a_deletion_between_two_batches(
    qtbot: Any, qloop: Any, data_dir: Path
) -> None:
    core, window = open_app(qtbot, data_dir)
    core.store.add_many([Capture(method="POST", path=f"/c{i}") for i in range(10_000)])
    qtbot.waitUntil(lambda: window.model.rowCount() == 10_000)
    window.deleting.clear_action.trigger()
    dialog = window.deleting.dialog
    assert dialog is not None
    qtbot.mouseClick(dialog.delete_button, Qt.MouseButton.LeftButton)
    assert window.deleting.running
    close_app(qtbot, core, window)  # the deletion stops: the app does not wait for it all
    store = CaptureStore.in_dir(data_dir)
    try:
        left = store.count()
        assert left > 0 and left % 2000 == 0  # whole batches of 2,000
    finally:
        store.close()


def test_pin_and_replay_refuse_a_selection_too_large_and_say_so(
    qtbot: Any, running: tuple[AppCore, MainWindow]
) -> None:
    core, window = running
    many = PER_CAPTURE_AT_MOST + 1
    core.store.add_many([Capture(method="POST", path=f"/m{i}") for i in range(many)])
    qtbot.waitUntil(lambda: window.model.rowCount() == many)
    focus_table(qtbot, window)
    qtbot.keyClick(window.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    window.captures.pin_action.trigger()
    window.captures.replay_action.trigger()
    said = f"works on at most {PER_CAPTURE_AT_MOST:,} captures at a time ({many:,} are selected)"
    assert f"Pin / unpin {said}" in message_texts(window)
    assert f"Replay {said}" in message_texts(window)
    assert core.store.pinned_count() == 0
    # One fewer is done as asked.
    window.table.selectionModel().clearSelection()
    select_rows(window, list(range(PER_CAPTURE_AT_MOST)))
    window.captures.pin_action.trigger()
    assert core.store.pinned_count() == PER_CAPTURE_AT_MOST
