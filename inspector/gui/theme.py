"""Light, dark, or the system's colours (View → Theme).

"system" leaves the colours to the platform (Qt follows the desktop's light or dark
setting where the platform tells it); "light" and "dark" set a palette of our own, since
not every platform honours a requested colour scheme.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

THEMES = ("system", "light", "dark")
THEME_TITLES = {"system": "Follow system", "light": "Light", "dark": "Dark"}

_system_palette: QPalette | None = None
#: the theme applied last: a window that starts with it changes nothing
_applied = "system"


def _dark_palette() -> QPalette:
    palette = QPalette()
    role = QPalette.ColorRole
    for r, colour in (
        (role.Window, "#2b2b2b"),
        (role.WindowText, "#e6e6e6"),
        (role.Base, "#1f1f1f"),
        (role.AlternateBase, "#282828"),
        (role.ToolTipBase, "#3a3a3a"),
        (role.ToolTipText, "#f0f0f0"),
        (role.Text, "#e6e6e6"),
        (role.Button, "#353535"),
        (role.ButtonText, "#e6e6e6"),
        (role.BrightText, "#ff6b6b"),
        (role.Link, "#7ab7ff"),
        (role.Highlight, "#2f65ca"),
        (role.HighlightedText, "#ffffff"),
        (role.PlaceholderText, "#8c8c8c"),
    ):
        palette.setColor(r, QColor(colour))
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.Text, role.ButtonText, role.WindowText):
        palette.setColor(disabled, r, QColor("#7a7a7a"))
    return palette


def apply_theme(theme: str) -> str:
    """Use ``theme`` ("system", "light" or "dark"; anything else means "system")."""
    global _system_palette, _applied
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return "system"
    if theme not in THEMES:
        theme = "system"
    if theme == _applied:
        return theme  # nothing to change (a window starting with the system's colours)
    if _system_palette is None:
        _system_palette = QPalette(app.palette())
    _applied = theme
    hints = QGuiApplication.styleHints()
    scheme = {
        "system": Qt.ColorScheme.Unknown,
        "light": Qt.ColorScheme.Light,
        "dark": Qt.ColorScheme.Dark,
    }[theme]
    if hasattr(hints, "setColorScheme"):  # Qt 6.8 and later
        hints.setColorScheme(scheme)
    if theme == "dark":
        app.setPalette(_dark_palette())
    elif theme == "light":
        style = app.style()
        app.setPalette(style.standardPalette() if style is not None else QPalette())
    else:
        app.setPalette(_system_palette)
    # Widgets with a style sheet keep the colours they were polished with: polish again,
    # in the windows shown (not in widgets that are being torn down).
    for window in app.topLevelWidgets():
        if not window.isVisible():
            continue
        for widget in (window, *window.findChildren(QWidget)):
            sheet = widget.styleSheet()
            if sheet:
                widget.setStyleSheet(sheet)
    return theme
