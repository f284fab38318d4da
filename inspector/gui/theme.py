"""Light and dark themes: the app's palette and every colour the app draws itself.

One place for colours: the validation and status colours of the capture list, the labels
that say an error or a warning, the tunnel indicator, the JSON colours, the find bar, the
traffic chart and the latency strip all read :func:`colours` when they draw, so a switch
(:func:`apply_theme`) re-renders the open window without a restart. Widgets styled with a
style sheet take theirs through :func:`set_tone`, which :func:`apply_theme` re-applies;
things drawn once (the JSON highlighter, the tasks' badges) listen to :data:`signals`.

The theme is "system" (the desktop's light or dark, followed while the app runs), "light"
or "dark"; it is kept in settings.json (``theme``). The Fusion style is used for both so
that the dark palette looks the same on every desktop. Every pair of a text colour and the
background it is drawn on is listed in :data:`TEXT_PAIRS` and has a contrast of at least
4.5:1 in both themes (checked by the tests with :mod:`inspector.core.contrast`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from inspector.core.settings import THEMES as THEMES_SETTING

#: The choices, as saved in settings.json and offered in Settings and the menus.
THEME_CHOICES = THEMES_SETTING
THEME_TITLES = {"system": "Follow system", "light": "Light", "dark": "Dark"}


@dataclass(frozen=True)
class Colours:
    """Every colour of one theme, as ``#rrggbb``."""

    name: str
    # the palette
    window: str
    base: str
    alternate_base: str
    text: str
    button: str
    highlight: str
    highlighted_text: str
    placeholder: str
    disabled_text: str
    link: str
    # words that say what went wrong or needs a look
    error: str
    warning: str
    # a capture's validation, in the list, the Validation tab and the latency strip
    valid: str
    invalid: str
    missing: str
    unchecked: str
    #: text drawn on a validation colour (the Validation tab's badge)
    badge_text: str
    # the tunnel indicator in the status bar
    tunnel_off: str
    tunnel_starting: str
    tunnel_online: str
    tunnel_error: str
    # the JSON colours of a body's text view
    json_key: str
    json_string: str
    json_number: str
    json_literal: str
    # the find bar: every match, the current one, a search that found nothing
    find_all: str
    find_current: str
    find_error: str
    # drawings: the pin's needle, chart grid lines, the vendors' bars
    needle: str
    grid: str
    chart_other: str
    chart_series: tuple[str, ...]

    def validation(self, result: str) -> str:
        """The colour of a validation result (valid, invalid, missing, unchecked)."""
        return {
            "valid": self.valid,
            "invalid": self.invalid,
            "missing": self.missing,
        }.get(result, self.unchecked)

    def tunnel(self, state: str) -> str:
        """The tunnel indicator's colour in a state (off, starting, online, error)."""
        return {
            "starting": self.tunnel_starting,
            "online": self.tunnel_online,
            "error": self.tunnel_error,
        }.get(state, self.tunnel_off)


LIGHT = Colours(
    name="light",
    window="#efefef",
    base="#ffffff",
    alternate_base="#f5f5f5",
    text="#1a1a1a",
    button="#efefef",
    highlight="#2a5bb8",
    highlighted_text="#ffffff",
    placeholder="#6b6b6b",
    disabled_text="#8a8a8a",
    link="#1a5fb4",
    error="#b3261e",
    warning="#8f5300",
    valid="#176b32",
    invalid="#b3261e",
    missing="#8f5300",
    unchecked="#5c5c5c",
    badge_text="#ffffff",
    tunnel_off="#5c5c5c",
    tunnel_starting="#8f5300",
    tunnel_online="#176b32",
    tunnel_error="#b3261e",
    json_key="#7b3fa0",
    json_string="#176b32",
    json_number="#1565c0",
    json_literal="#995000",
    find_all="#fff59d",
    find_current="#ffb300",
    find_error="#ffcdd2",
    needle="#555555",
    grid="#d0d0d0",
    chart_other="#9e9e9e",
    chart_series=("#1f77b4", "#2ca02c", "#9467bd", "#17becf", "#8c564b", "#e377c2", "#bcbd22"),
)

DARK = Colours(
    name="dark",
    window="#2b2b2b",
    base="#1e1e1e",
    alternate_base="#262626",
    text="#e6e6e6",
    button="#353535",
    highlight="#2a5bb8",
    highlighted_text="#ffffff",
    placeholder="#a0a0a0",
    disabled_text="#808080",
    link="#8ab4f8",
    error="#ff8a80",
    warning="#f0b050",
    valid="#6fcf87",
    invalid="#ff8a80",
    missing="#f0b050",
    unchecked="#a8a8a8",
    badge_text="#1e1e1e",
    tunnel_off="#a8a8a8",
    tunnel_starting="#f0b050",
    tunnel_online="#6fcf87",
    tunnel_error="#ff8a80",
    json_key="#c792ea",
    json_string="#a5d6a7",
    json_number="#82b1ff",
    json_literal="#ffb74d",
    find_all="#5c5300",
    find_current="#7a5a00",
    find_error="#5c1f24",
    needle="#c0c0c0",
    grid="#474747",
    chart_other="#8a8a8a",
    chart_series=("#5fa8e8", "#6cc46c", "#b59ae0", "#4fd0dc", "#c49a8c", "#f09ad6", "#d8d860"),
)

THEMES = {"light": LIGHT, "dark": DARK}

#: (text colour, background it is drawn on) for every text the app colours itself: the
#: field names of :class:`Colours`. Each must reach 4.5:1 in both themes.
TEXT_PAIRS: tuple[tuple[str, str], ...] = (
    ("text", "window"),
    ("text", "base"),
    ("text", "alternate_base"),
    ("text", "button"),
    ("highlighted_text", "highlight"),
    ("placeholder", "base"),
    ("link", "base"),
    # labels on the window or a dialog
    ("error", "window"),
    ("warning", "window"),
    ("tunnel_off", "window"),
    ("tunnel_starting", "window"),
    ("tunnel_online", "window"),
    ("tunnel_error", "window"),
    # the capture list's cells (rows alternate) and the tasks' badges
    *(
        (result, background)
        for result in ("valid", "invalid", "missing", "unchecked", "error")
        for background in ("base", "alternate_base")
    ),
    # the Validation tab's badge: its text on the result's colour
    *(("badge_text", result) for result in ("valid", "invalid", "missing", "unchecked")),
    # JSON colours on a text view
    *((kind, "base") for kind in ("json_key", "json_string", "json_number", "json_literal")),
    # the find bar: text on a match and on the search field that found nothing
    ("text", "find_all"),
    ("text", "find_current"),
    ("text", "find_error"),
)


class ThemeSignals(QObject):
    """``changed`` is emitted after a new theme was applied (with its Colours)."""

    changed = Signal(object)


#: The app's one notifier (made on first use, once a QApplication exists).
_signals: ThemeSignals | None = None
_current: Colours = LIGHT
_choice = "system"
_following = False


def signals() -> ThemeSignals:
    global _signals
    if _signals is None:
        _signals = ThemeSignals()
    return _signals


def colours() -> Colours:
    """The colours of the theme in use."""
    return _current


def system_is_dark() -> bool:
    """Whether the desktop asks for dark (Qt 6.5+); unknown counts as light."""
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def resolve(choice: str, system_dark: bool | None = None) -> Colours:
    """The colours for a choice; "system" (or anything unknown) follows the desktop."""
    if choice in THEMES:
        return THEMES[choice]
    dark = system_is_dark() if system_dark is None else system_dark
    return DARK if dark else LIGHT


def palette(c: Colours) -> QPalette:
    """The Qt palette of a theme (active, inactive and disabled)."""
    pal = QPalette()
    roles = {
        QPalette.ColorRole.Window: c.window,
        QPalette.ColorRole.WindowText: c.text,
        QPalette.ColorRole.Base: c.base,
        QPalette.ColorRole.AlternateBase: c.alternate_base,
        QPalette.ColorRole.ToolTipBase: c.base,
        QPalette.ColorRole.ToolTipText: c.text,
        QPalette.ColorRole.PlaceholderText: c.placeholder,
        QPalette.ColorRole.Text: c.text,
        QPalette.ColorRole.Button: c.button,
        QPalette.ColorRole.ButtonText: c.text,
        QPalette.ColorRole.BrightText: c.error,
        QPalette.ColorRole.Highlight: c.highlight,
        QPalette.ColorRole.HighlightedText: c.highlighted_text,
        QPalette.ColorRole.Link: c.link,
        QPalette.ColorRole.LinkVisited: c.link,
    }
    for role, colour in roles.items():
        pal.setColor(role, QColor(colour))
    # 3-D edges Fusion draws around frames and buttons
    light = QColor(c.button)
    pal.setColor(QPalette.ColorRole.Light, light.lighter(150))
    pal.setColor(QPalette.ColorRole.Midlight, light.lighter(120))
    pal.setColor(QPalette.ColorRole.Mid, light.darker(130))
    pal.setColor(QPalette.ColorRole.Dark, light.darker(160))
    pal.setColor(QPalette.ColorRole.Shadow, QColor("#000000"))
    disabled = QPalette.ColorGroup.Disabled
    for role in (
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
    ):
        pal.setColor(disabled, role, QColor(c.disabled_text))
    pal.setColor(disabled, QPalette.ColorRole.Highlight, QColor(c.disabled_text))
    return pal


# -- style sheets that follow the theme ----------------------------------------------------


def _tunnel_style(state: str) -> Callable[[Colours], str]:
    return lambda c: f"color: {c.tunnel(state)};"


def _badge_style(result: str) -> Callable[[Colours], str]:
    return lambda c: (
        f"background: {c.validation(result)}; color: {c.badge_text}; "
        "border-radius: 4px; padding: 2px 6px;"
    )


#: Tone name -> style sheet, for widgets whose colour says something (:func:`set_tone`).
_TONES: dict[str, Callable[[Colours], str]] = {
    "error": lambda c: f"color: {c.error};",
    "warning": lambda c: f"color: {c.warning};",
    "find-error": lambda c: f"background: {c.find_error}; color: {c.text};",
    **{f"tunnel-{state}": _tunnel_style(state) for state in ("off", "starting", "online", "error")},
    **{
        f"badge-{result}": _badge_style(result)
        for result in ("valid", "invalid", "missing", "unchecked")
    },
}
_TONE_PROPERTY = "themeTone"


def set_tone(widget: QWidget, tone: str | None) -> None:
    """Colour a widget by what it says ("error", "warning", "tunnel-online", "badge-valid",
    ...; None: plain); re-applied when the theme changes."""
    widget.setProperty(_TONE_PROPERTY, tone or "")
    style = _TONES.get(tone or "")
    widget.setStyleSheet(style(_current) if style is not None else "")


def tone_of(widget: QWidget) -> str:
    """The tone last given to a widget ("" for none)."""
    return str(widget.property(_TONE_PROPERTY) or "")


def _retone_shown(app: QApplication) -> None:
    """Re-apply the tones in the windows shown. Only those: walking every widget of the
    process met one being torn down in the test suite (a crash); a hidden dialog is built
    again, with the theme of the day, when it is opened."""
    for window in app.topLevelWidgets():
        if not window.isVisible():
            continue
        for widget in (window, *window.findChildren(QWidget)):
            tone = widget.property(_TONE_PROPERTY)
            if tone:
                set_tone(widget, str(tone))


def _app_style(c: Colours) -> str:
    """What the palette cannot say: Fusion draws a checked button only 10 % darker than an
    unchecked one, which is lost on a dark grey (the body view's Tree/Text/Hex), so in the
    dark theme a checked button takes the selection's colour. Light needs nothing."""
    if c.name != "dark":
        return ""
    return (
        f'QPushButton[checkable="true"] {{ background-color: {c.button}; '
        f"border: 1px solid {c.base}; border-radius: 2px; padding: 3px 12px; min-width: 54px; }}"
        f' QPushButton[checkable="true"]:hover {{ background-color: {QColor(c.button).lighter(115).name()}; }}'
        f' QPushButton[checkable="true"]:checked {{ background-color: {c.highlight}; '
        f"color: {c.highlighted_text}; }}"
        f' QPushButton[checkable="true"]:disabled {{ color: {c.disabled_text}; }}'
    )


# -- applying --------------------------------------------------------------------------------


def apply_theme(choice: str, *, system_dark: bool | None = None) -> Colours:
    """Use a theme now: Fusion, its palette, the toned widgets, then ``changed``.

    ``choice`` is one of :data:`THEME_CHOICES`; "system" also follows the desktop's later
    light/dark switches. ``system_dark`` overrides what the desktop says (tests).
    """
    global _current, _choice, _following
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        raise RuntimeError("apply_theme needs a QApplication")
    _choice = choice if choice in THEME_CHOICES else "system"
    hints = QGuiApplication.styleHints()
    if not _following:
        hints.colorSchemeChanged.connect(_on_system_scheme_changed)
        _following = True
    if system_dark is None and hasattr(hints, "setColorScheme"):
        # Qt 6.8+: the platform's parts (title bars, native dialogs) take the same scheme;
        # Unknown gives the choice back to the desktop. Its change signal is ignored
        # below while a theme is chosen.
        scheme = {"light": Qt.ColorScheme.Light, "dark": Qt.ColorScheme.Dark}
        hints.setColorScheme(scheme.get(_choice, Qt.ColorScheme.Unknown))
    new = resolve(_choice, system_dark)
    _current = new
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    app.setPalette(palette(new))
    app.setStyleSheet(_app_style(new))
    _retone_shown(app)
    signals().changed.emit(new)
    return new


def current_choice() -> str:
    """What :func:`apply_theme` was last asked for."""
    return _choice


def _on_system_scheme_changed(scheme: Qt.ColorScheme) -> None:
    if _choice == "system":
        apply_theme("system", system_dark=scheme == Qt.ColorScheme.Dark)
