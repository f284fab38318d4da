"""The View menu: the docks (Endpoints, Tasks, Messages), the toolbars, and the theme."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QToolBar

from inspector.gui.message_log import say
from inspector.gui.services import AppServices
from inspector.gui.theme import THEME_CHOICES, THEME_TITLES, apply_theme, current_choice, signals


class ViewMenu(QObject):
    """Fills ``menu``; ``theme_chosen(theme)`` is called when the user picks a theme.

    The theme is settings.json's ``theme``, the same as Settings → General → Theme: the
    app applies it at start-up, a choice here applies it at once, and a choice in Settings
    shows here."""

    def __init__(
        self,
        window: QMainWindow,
        menu: QMenu,
        *,
        docks: list[QDockWidget],
        messages_dock: QDockWidget,
        toolbars: list[QToolBar],
        theme: str,
        theme_chosen: Callable[[str], None],
    ) -> None:
        super().__init__(window)
        self.theme_chosen = theme_chosen
        for dock in docks:
            menu.addAction(dock.toggleViewAction())
        self.messages_action = messages_dock.toggleViewAction()
        self.messages_action.setText("Messages")
        self.messages_action.setShortcut(QKeySequence("Ctrl+Shift+M"))
        self.messages_action.setToolTip("The messages the window showed, with time and level")
        menu.addAction(self.messages_action)
        menu.addSeparator()
        for bar in toolbars:
            action = bar.toggleViewAction()
            action.setText(f"{bar.windowTitle()} toolbar")
            menu.addAction(action)
        menu.addSeparator()
        themes = menu.addMenu("Theme")
        self.theme_group = QActionGroup(self)
        self.theme_group.setExclusive(True)
        self.theme_actions: dict[str, QAction] = {}
        for name in THEME_CHOICES:
            action = QAction(THEME_TITLES[name], self.theme_group)
            action.setCheckable(True)
            action.setChecked(name == theme)
            action.triggered.connect(lambda _=False, n=name: self.choose_theme(n))
            themes.addAction(action)
            self.theme_actions[name] = action
        self.theme = theme if theme in THEME_CHOICES else "system"
        self.theme_actions[self.theme].setChecked(True)
        signals().changed.connect(self._on_theme_applied)

    def choose_theme(self, theme: str) -> None:
        apply_theme(theme)
        self.theme_chosen(self.theme)

    def _on_theme_applied(self, _colours: object) -> None:
        self.theme = current_choice()
        self.theme_actions[self.theme].setChecked(True)


def save_theme(window: QMainWindow, services: AppServices, theme: str) -> None:
    """View → Theme: settings.json's theme, as Settings → General saves it."""
    services.settings.theme = theme
    try:
        services.settings.save(services.data_dir)
    except OSError as exc:
        say(window, f"Could not save the theme in the settings: {exc}", level="error")
