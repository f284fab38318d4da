"""The tunnel in the window: a coloured status-bar indicator, Start/Stop, Copy public URL.

The indicator is one short word in the status bar ("● Tunnel online"); the public URL, a
warning or the reason of an error are in its tooltip (and the message log), and a click on
it opens the tunnel's settings.

At launch the tunnel starts only once it is set up (an agent and an authtoken, or a custom
public URL): a first window is not a red error, and a one-time hint says how to set it up.
Failures are worded for the window (:mod:`inspector.core.tunnel_help`: menus and buttons,
no command-line flags), and an "Open tunnel settings" button sits next to them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow, QToolButton

from inspector.core.tunnel_help import (
    OPEN_TUNNEL_SETTINGS,
    SETUP_HINT,
    SETUP_HINT_SHORT,
    window_message,
)
from inspector.gui.loop_tasks import LoopTasks
from inspector.gui.message_log import Level, say
from inspector.gui.services import AppServices, TunnelView
from inspector.gui.settings_dialog import SettingsDialog
from inspector.gui.theme import set_tone
from inspector.gui.widgets import make_action

#: The indicator's words, by state.
TUNNEL_WORDS = {
    "off": "Tunnel off",
    "not set up": "Tunnel not set up",
    "starting": "Tunnel starting…",
    "online": "Tunnel online",
    "error": "Tunnel error",
}
CLICK_HINT = "Click for the tunnel settings."
#: settings.json's extra key that remembers the set-up hint was shown once
HINT_SHOWN_KEY = "tunnel_setup_hint_shown"


class TunnelIndicator(QObject):
    """Shows each state the tunnel reports and starts or stops it.

    ``public_url_changed`` is called on every state (the endpoints panel's URLs follow).
    """

    #: emitted after the indicator showed a new state
    changed = Signal()

    def __init__(
        self,
        window: QMainWindow,
        services: AppServices,
        tasks: LoopTasks,
        public_url_changed: Callable[[], None],
        open_settings: Callable[[], SettingsDialog] | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.services = services
        self.tasks = tasks
        self.public_url_changed = public_url_changed
        self._open_settings = open_settings
        self.state = "off"
        #: what the tunnel lacks (set at launch; cleared when it starts)
        self.missing: list[str] = []
        #: the status bar's indicator: a flat button, so that a click opens the settings
        self.label = QToolButton()
        self.label.setObjectName("tunnel-indicator")
        self.label.setAutoRaise(True)
        self.label.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.label.setCursor(Qt.CursorShape.PointingHandCursor)
        self.label.clicked.connect(self.open_tunnel_settings)
        #: the indicator's full text (its tooltip starts with it)
        self.full_text = ""
        self.toggle_action = make_action(
            window, "Start tunnel", self.toggle, tip="Expose the listener on a public HTTPS URL"
        )
        self.copy_url_action = make_action(
            window, "Copy public URL", self.copy_public_url, tip="Copy the tunnel's public URL"
        )
        self.copy_url_action.setEnabled(False)
        self.settings_action = make_action(
            window,
            "Tunnel settings…",
            self.open_tunnel_settings,
            tip="The ngrok authtoken, the ngrok agent, region, domain or a custom public URL",
        )
        #: shown next to the indicator while the tunnel failed or is not set up
        self.settings_button = QToolButton()
        self.settings_button.setObjectName("open-tunnel-settings")
        self.settings_button.setText(OPEN_TUNNEL_SETTINGS)
        self.settings_button.setAutoRaise(True)
        self.settings_button.clicked.connect(self.open_tunnel_settings)
        self.settings_button.setVisible(False)

    def _say(self, message: str, ms: int | None = None, level: Level = "info") -> None:
        say(self.window, message, ms, level)

    def show_status(self, status: TunnelView) -> None:
        state, url, reason, warning = status.state, status.public_url, status.reason, status.warning
        detail = status.detail or reason or "unknown error"
        message = window_message(status.error_code, detail) if state == "error" else ""
        if state == "online":
            self.missing = []
            text = f"Tunnel online: {url}" + (f" ({warning})" if warning else "")
        elif state == "starting":
            self.missing = []
            text = "Tunnel starting…"
        elif state == "error":
            text = f"Tunnel error: {detail}"
        elif self.missing:
            text = "Tunnel not set up"
        else:
            text = "Tunnel off"
        self.full_text = text
        word = "not set up" if state == "off" and self.missing else state
        self.label.setText("● " + TUNNEL_WORDS.get(word, "Tunnel off"))
        # One word in the bar; the whole text, and what to do, in its tooltip.
        hint = message or (SETUP_HINT if self.missing and state == "off" else "")
        self.label.setToolTip("\n".join(t for t in (text, hint, CLICK_HINT) if t))
        self.settings_button.setVisible(state == "error" or (state == "off" and bool(self.missing)))
        set_tone(self.label, f"tunnel-{state}")
        if state != self.state and state in ("online", "off"):
            self._say(text)  # tunnel changes are kept in the message log
        self.state = state
        running = state in ("online", "starting")
        self.toggle_action.setText("Stop tunnel" if running else "Start tunnel")
        self.copy_url_action.setEnabled(state == "online" and bool(url))
        self.public_url_changed()
        if state == "online" and self.services.url_changed_from:
            stale = ", ".join(self.services.endpoints_with_stale_url())
            self._say(
                f"The public URL changed (was {self.services.url_changed_from}): update the "
                f"webhook URL registered at your vendors" + (f" for {stale}" if stale else ""),
                level="warning",
            )
        elif state == "error":
            self._say(f"Tunnel: {message} Still listening locally.", 30_000, "error")
        self.changed.emit()

    def start_at_launch(self) -> None:
        """What the app does with the tunnel when its window opens.

        Not set up (no agent or no authtoken): nothing starts, the indicator says so, and
        the first time a hint says how to set it up. Set up: it starts when Settings say so.
        """
        settings = self.services.settings
        self.missing = self.services.tunnel_setup_missing()
        if self.missing:
            self.show_status(self.services.tunnel.status)
            if not settings.extra.get(HINT_SHOWN_KEY):
                self._say(SETUP_HINT_SHORT, 60_000)
                settings.extra[HINT_SHOWN_KEY] = True
                with contextlib.suppress(OSError):  # a read-only data dir: shown again
                    settings.save(self.services.data_dir)
            return
        if settings.tunnel_autostart:
            self.tasks.spawn(self.services.start_tunnel(), "starting the tunnel")

    def open_tunnel_settings(self) -> None:
        """Settings, at the tunnel's fields (the first one missing has the focus)."""
        if self._open_settings is None:
            return
        dialog = self._open_settings()
        dialog.focus_tunnel(self.missing)
        dialog.accepted.connect(self.refresh_setup)

    def refresh_setup(self) -> None:
        """After Settings were saved: "not set up" goes once the tunnel has what it needs."""
        if self.missing:
            self.missing = self.services.tunnel_setup_missing()
            self.show_status(self.services.tunnel.status)

    def toggle(self) -> None:
        if self.state in ("online", "starting"):
            self.tasks.spawn(self.services.stop_tunnel(), "stopping the tunnel")
        else:
            self.tasks.spawn(self.services.start_tunnel(), "starting the tunnel")

    def copy_public_url(self) -> None:
        url = self.services.public_url
        if url:
            QGuiApplication.clipboard().setText(url)
            self._say(f"Copied {url}", 3000)
