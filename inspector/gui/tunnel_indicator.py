"""The tunnel in the window: a coloured status-bar indicator, Start/Stop, Copy public URL.

The indicator is one short word in the status bar ("● Tunnel online"); the public URL, a
warning or the reason of an error are in its tooltip (and the message log), and a click on
it opens the tunnel's settings.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMainWindow, QToolButton

from inspector.gui.loop_tasks import LoopTasks
from inspector.gui.message_log import Level, say
from inspector.gui.services import AppServices, TunnelView
from inspector.gui.widgets import make_action

TUNNEL_COLOURS = {"off": "#8a8a8a", "starting": "#b86e00", "online": "#1b7f3b", "error": "#b3261e"}
#: The indicator's words, by state.
TUNNEL_WORDS = {
    "off": "Tunnel off",
    "starting": "Tunnel starting…",
    "online": "Tunnel online",
    "error": "Tunnel error",
}
CLICK_HINT = "Click for the tunnel settings."


class TunnelIndicator(QObject):
    """Shows each state the tunnel reports and starts or stops it.

    ``public_url_changed`` is called on every state (the endpoints panel's URLs follow).
    """

    #: emitted after the indicator showed a new state
    changed = Signal()
    #: the user clicked the indicator
    settings_requested = Signal()

    def __init__(
        self,
        window: QMainWindow,
        services: AppServices,
        tasks: LoopTasks,
        public_url_changed: Callable[[], None],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.services = services
        self.tasks = tasks
        self.public_url_changed = public_url_changed
        self.state = "off"
        #: the status bar's indicator: a flat button, so that a click opens the settings
        self.label = QToolButton()
        self.label.setObjectName("tunnel-indicator")
        self.label.setAutoRaise(True)
        self.label.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.label.setCursor(Qt.CursorShape.PointingHandCursor)
        self.label.clicked.connect(self.settings_requested)
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
            self.settings_requested.emit,
            tip="The ngrok authtoken and agent, or a custom public URL",
        )

    def _say(self, message: str, ms: int | None = None, level: Level = "info") -> None:
        say(self.window, message, ms, level)

    def show_status(self, status: TunnelView) -> None:
        state, url, reason, warning = status.state, status.public_url, status.reason, status.warning
        if state == "online":
            text = f"Tunnel online: {url}" + (f" ({warning})" if warning else "")
        elif state == "starting":
            text = "Tunnel starting…"
        elif state == "error":
            text = f"Tunnel error: {reason}"
        else:
            text = "Tunnel off"
        self.full_text = text
        self.label.setText("● " + TUNNEL_WORDS.get(state, "Tunnel off"))
        self.label.setToolTip(f"{text}\n{CLICK_HINT}")
        self.label.setStyleSheet(f"color: {TUNNEL_COLOURS.get(state, '#8a8a8a')};")
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
            self._say(f"Tunnel: {reason}. Still listening locally.", 30_000, "error")
        self.changed.emit()

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
