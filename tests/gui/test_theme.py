"""Light and dark themes: every coloured text readable, the choice saved, and a switch in
Settings that re-renders the open window without a restart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from helpers import close_app, menu_actions, open_app, send_http
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QDialogButtonBox

from inspector.core.contrast import MIN_TEXT_CONTRAST, contrast_ratio
from inspector.core.endpoints import Endpoint, EndpointTable
from inspector.core.settings import SETTINGS_FILENAME, Settings
from inspector.gui.capture_model import Column
from inspector.gui.theme import DARK, LIGHT, TEXT_PAIRS, Colours, apply_theme, colours, tone_of

pytestmark = pytest.mark.gui


@pytest.fixture
def light_after(qapp: Any) -> Iterator[None]:
    """Whatever a test switched to, the next test starts in the light theme."""
    yield
    apply_theme("light")


@pytest.mark.parametrize("theme", [LIGHT, DARK], ids=lambda t: t.name)
@pytest.mark.parametrize("pair", TEXT_PAIRS, ids=lambda p: f"{p[0]}-on-{p[1]}")
def test_every_coloured_text_is_readable(theme: Colours, pair: tuple[str, str]) -> None:
    text, background = (getattr(theme, name) for name in pair)
    ratio = contrast_ratio(text, background)
    assert ratio >= MIN_TEXT_CONTRAST, f"{theme.name}: {pair} is only {ratio:.2f}:1"


def test_the_pairs_cover_every_text_colour() -> None:
    # A colour added to the theme for text must be listed with its background.
    drawn_only = {"name", "window", "base", "alternate_base", "button", "highlight"}
    drawn_only |= {"disabled_text", "needle", "grid", "chart_other", "chart_series"}
    drawn_only |= {"find_all", "find_current", "find_error"}  # backgrounds, listed as such
    listed = {name for pair in TEXT_PAIRS for name in pair}
    assert {f.name for f in fields(Colours)} - drawn_only <= listed
    # and the two themes differ in every text colour but the highlight's text
    same = {f.name for f in fields(Colours) if getattr(LIGHT, f.name) == getattr(DARK, f.name)}
    assert same <= {"highlight", "highlighted_text"}


def test_the_theme_setting_round_trips_and_a_bad_value_falls_back(data_dir: Path) -> None:
    assert Settings().theme == "system"
    Settings(theme="dark").save(data_dir)
    assert json.loads((data_dir / SETTINGS_FILENAME).read_text())["theme"] == "dark"
    assert Settings.load(data_dir).theme == "dark"
    (data_dir / SETTINGS_FILENAME).write_text(json.dumps({"theme": "purple"}))
    loaded = Settings.load(data_dir)
    assert loaded.theme == "system"
    assert loaded.problems == [
        'setting \'theme\' must be "system", "light", "dark", not \'purple\'; using the default'
    ]


def test_system_follows_the_desktop_while_the_app_runs(qapp: Any, light_after: None) -> None:
    apply_theme("system", system_dark=False)
    assert colours() is LIGHT
    hints = QGuiApplication.styleHints()
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # what Qt says when the desktop turns dark
    assert colours() is DARK
    assert qapp.palette().color(QPalette.ColorRole.Window).name() == DARK.window
    apply_theme("light")
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # a chosen theme stays
    assert colours() is LIGHT


def test_switching_to_dark_in_settings_re_renders_the_open_window(
    qtbot: Any, qloop: Any, data_dir: Path, light_after: None
) -> None:
    table = EndpointTable.load(data_dir)
    table.add(Endpoint("/blurit", vendor="blurit", token="tok_right"))
    table.save()
    apply_theme("light")
    core, window = open_app(qtbot, data_dir)
    try:
        send_http(qtbot, core.listener.url + "/blurit", b"{}", {"X-Auth-Token": "wrong"})
        qtbot.waitUntil(lambda: window.model.rowCount() == 1)
        cell = window.model.index(0, Column.VALIDATION)
        assert cell.data() == "Invalid"
        assert cell.data(Qt.ItemDataRole.ForegroundRole).color().name() == LIGHT.invalid
        window.table.selectRow(0)
        badge = window.detail.validation.badge
        qtbot.waitUntil(lambda: badge.text().strip() == "Invalid")
        assert LIGHT.invalid in badge.styleSheet()
        window_colour = window.palette().color(QPalette.ColorRole.Window).name()
        assert window_colour == LIGHT.window

        # File > Settings…, General page, Theme: down twice (Follow system, Light,
        # Dark), Save.
        dict(menu_actions(window))["File > Settings…"].trigger()
        dialog = window.settings_dialog
        qtbot.waitUntil(dialog.isVisible)
        assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "General"
        assert dialog.theme.currentText() == "Follow system"
        dialog.theme.setFocus()
        qtbot.keyClick(dialog.theme, Qt.Key.Key_Down)
        qtbot.keyClick(dialog.theme, Qt.Key.Key_Down)
        assert dialog.theme.currentText() == "Dark"
        save = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
        qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not dialog.isVisible())

        # The same window, now dark: its palette, the list's validation colour, the
        # Validation tab's badge; and the choice is saved.
        # (Qt posts the palette change to every widget: it arrives on the next events.)
        qtbot.waitUntil(
            lambda: window.palette().color(QPalette.ColorRole.Window).name() == DARK.window
        )
        assert window.table.palette().color(QPalette.ColorRole.Base).name() == DARK.base
        assert cell.data(Qt.ItemDataRole.ForegroundRole).color().name() == DARK.invalid
        assert tone_of(badge) == "badge-invalid"
        assert DARK.invalid in badge.styleSheet()
        indicator = window.tunnel_indicator.label
        assert indicator.styleSheet() == f"color: {DARK.tunnel(window.tunnel_indicator.state)};"
        assert Settings.load(data_dir).theme == "dark"
        assert core.settings.theme == "dark"
        # View → Theme shows the same choice
        assert window.view_menu.theme_actions["dark"].isChecked()
    finally:
        close_app(qtbot, core, window)
