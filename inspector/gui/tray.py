"""The system tray icon: the tunnel's state and the count of webhooks not seen yet, a menu
(Show window, Start/Stop tunnel, Copy public URL, Pause capture, Quit), desktop
notifications, and hiding the window on close when the user chose that in Settings.

Which events notify and how a flood is coalesced is decided by the pure
:mod:`inspector.core.notify_policy`; this module only feeds it and shows what it lets
through. The tray object is built even where the desktop has no tray
(``QSystemTrayIcon.isSystemTrayAvailable()`` false, as offscreen): its menu and texts still
exist, the icon is simply never shown, closing the window quits, and notifications go to
the window's status bar instead.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QColor, QFont, QIcon, QPainter
from PySide6.QtWidgets import QMainWindow, QMenu, QSystemTrayIcon

from inspector.core.capture import Capture
from inspector.core.notify_policy import (
    CaptureNotices,
    Notice,
    NotifyPolicy,
    settings_key,
    tunnel_notice,
)
from inspector.gui.notify_settings import tray_available
from inspector.gui.services import AppServices
from inspector.gui.tunnel_indicator import TunnelIndicator
from inspector.gui.widgets import make_action

#: Why the tray options are disabled where there is no tray (shown in Settings).
#: How often the tray's texts follow the counts, and held notifications are summarised.
TICK_MS = 1000
NOTIFY_MS = 8000
BADGE_COLOUR = "#b3261e"


class _Relay(QObject):
    """Brings the store's plain-Python events into Qt (queued if one comes from a thread)."""

    captures_added = Signal(object)
    task_saved = Signal(object)


def badge_icon(base: QIcon, count: int, size: int = 64) -> QIcon:
    """``base`` with the count of unseen webhooks in a red disc (99+ above 99)."""
    if count <= 0 or base.isNull():
        return base
    pixmap = base.pixmap(size, size)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    disc = QRect(size // 3, 0, size - size // 3, size - size // 3)
    painter.setBrush(QColor(BADGE_COLOUR))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(disc)
    font = QFont()
    font.setBold(True)
    font.setPixelSize(size // 3 if count < 100 else size // 4)
    painter.setFont(font)
    painter.setPen(QColor("white"))
    painter.drawText(disc, Qt.AlignmentFlag.AlignCenter, str(count) if count < 100 else "99+")
    painter.end()
    return QIcon(pixmap)


class Tray(QObject):
    """The tray icon and its menu for ``window``; reuses the tunnel's actions."""

    def __init__(
        self,
        window: QMainWindow,
        services: AppServices,
        tunnel: TunnelIndicator,
        quit_app: Callable[[], None],
        *,
        icon: QIcon | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.services = services
        self.tunnel = tunnel
        self.available = tray_available()
        self.base_icon = icon if icon is not None else window.windowIcon()
        self.icon = QSystemTrayIcon(self.base_icon, self)
        #: webhooks stored while the window was hidden, minimised or in the background
        self.unseen = 0
        self._shown_count = -1
        self._told_hidden = False
        self._tunnel_state = tunnel.state
        self._stop_requested = False
        self.policy = NotifyPolicy()
        store = services.store
        tasks = store.tasks()
        self.notices = CaptureNotices(
            tasks, seen={t.id: len(store.task_callbacks(t)) for t in tasks}
        )

        self.status_action = QAction("", self)
        self.status_action.setEnabled(False)
        self.show_action = make_action(self, "Show window", self.show_window)
        self.pause_action = make_action(
            window,
            "Pause capture",
            lambda: self.set_paused(self.pause_action.isChecked()),
            tip="Answer every request 503 with Retry-After instead of storing it: vendors "
            "that retry deliver again once capture resumes",
        )
        self.pause_action.setCheckable(True)
        self.quit_action = make_action(self, "Quit", quit_app)
        menu = QMenu(window)
        menu.addAction(self.status_action)
        menu.addSeparator()
        menu.addAction(self.show_action)
        menu.addSeparator()
        menu.addAction(tunnel.toggle_action)
        menu.addAction(tunnel.copy_url_action)
        menu.addAction(self.pause_action)
        menu.addSeparator()
        menu.addAction(self.quit_action)
        self.menu = menu
        self.icon.setContextMenu(menu)
        self.icon.activated.connect(self._on_activated)
        tunnel.toggle_action.triggered.connect(self._on_tunnel_toggled)
        tunnel.changed.connect(self._on_tunnel_changed)

        self._relay = _Relay(self)
        self._relay.captures_added.connect(self._on_captures)
        self._relay.task_saved.connect(self.notices.add_task)
        relay = self._relay
        self._unsubscribe = [
            store.added.connect(relay.captures_added.emit),
            services.task_saved.connect(relay.task_saved.emit),
        ]
        window.installEventFilter(self)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self.tick)
        self._timer.start()
        self.refresh()
        if self.available:
            self.icon.show()

    def detach(self) -> None:
        """Stop following the store (before it closes) and take the icon away."""
        while self._unsubscribe:
            self._unsubscribe.pop()()
        self._timer.stop()
        self.icon.hide()

    # -- what the tray shows ------------------------------------------------------------------
    def tunnel_text(self) -> str:
        state, url = self.tunnel.state, self.services.public_url
        if state == "online" and url:
            return f"Tunnel online: {url}"
        return {"starting": "Tunnel starting…", "error": "Tunnel error"}.get(state, "Tunnel off")

    def unseen_text(self) -> str:
        if not self.unseen:
            return "No new webhooks"
        return f"{self.unseen:,} new webhook" + ("s" if self.unseen != 1 else "")

    def tooltip_text(self) -> str:
        lines = ["Webhook Inspector", self.tunnel_text(), self.unseen_text()]
        if self.services.capture_paused:
            lines.append("Capture paused (requests answered 503)")
        return "\n".join(lines)

    def refresh(self) -> None:
        """Bring the tooltip, the menu's status line and the badge up to date."""
        self.status_action.setText(f"{self.tunnel_text()} · {self.unseen_text()}")
        self.show_action.setText(
            f"Show window ({self.unseen:,} new)" if self.unseen else "Show window"
        )
        self.icon.setToolTip(self.tooltip_text())
        if self.unseen != self._shown_count:
            self._shown_count = self.unseen
            self.icon.setIcon(badge_icon(self.base_icon, self.unseen))

    def tick(self) -> None:
        """Once a second: the texts, and the summaries of held notifications that are due."""
        if self.unseen != self._shown_count:
            self.refresh()
        for notice in self.policy.due(time.monotonic()):
            self.show_notice(notice)

    # -- following the app ---------------------------------------------------------------------
    def watching(self) -> bool:
        """Whether the user sees the window (new webhooks there are not "new")."""
        w = self.window
        return w.isVisible() and not w.isMinimized() and w.isActiveWindow()

    def _on_captures(self, captures: list[Capture]) -> None:
        if not self.watching():
            self.unseen += len(captures)
        for notice in self.notices.notices(captures):
            self.offer(notice)

    def _on_tunnel_toggled(self) -> None:
        # Pressed while running: the user stops it, and its going off is no news.
        self._stop_requested = self.tunnel.state in ("online", "starting")

    def _on_tunnel_changed(self) -> None:
        previous, state = self._tunnel_state, self.tunnel.state
        self._tunnel_state = state
        status = self.services.tunnel.status
        notice = tunnel_notice(previous, state, status.reason, stop_requested=self._stop_requested)
        if state in ("off", "error"):
            self._stop_requested = False
        if notice is not None:
            self.offer(notice)
        self.refresh()

    # -- notifications -------------------------------------------------------------------------
    def offer(self, notice: Notice, now: float | None = None) -> None:
        """Show ``notice`` if its kind is switched on and the flood policy lets it through."""
        if not getattr(self.services.settings, settings_key(notice.kind), True):
            return
        shown = self.policy.offer(notice, time.monotonic() if now is None else now)
        if shown is not None:
            self.show_notice(shown)

    def show_notice(self, notice: Notice) -> None:
        if self.available:
            self.icon.showMessage(
                notice.title, notice.text, QSystemTrayIcon.MessageIcon.Information, NOTIFY_MS
            )
        else:
            text = notice.text.replace("\n", " ")
            self.window.statusBar().showMessage(f"{notice.title}: {text}", NOTIFY_MS)

    # -- the menu's actions --------------------------------------------------------------------
    def show_window(self) -> None:
        w = self.window
        w.showNormal()
        w.raise_()
        w.activateWindow()
        self.mark_seen()

    def mark_seen(self) -> None:
        if self.unseen:
            self.unseen = 0
            self.refresh()

    def set_paused(self, paused: bool) -> None:
        self.services.set_capture_paused(paused)
        self.pause_action.setChecked(paused)
        self.window.statusBar().showMessage(
            "Capture paused: requests are answered 503 with Retry-After and not stored"
            if paused
            else "Capture resumed",
            8000,
        )
        self.refresh()

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            if self.window.isVisible() and not self.window.isMinimized():
                self.window.hide()
            else:
                self.show_window()

    def hide_on_close(self, event: QCloseEvent) -> bool:
        """Hide the window instead of closing it, when the user chose that and a tray
        exists; True when the close was turned into a hide."""
        if not (self.available and self.services.settings.close_to_tray):
            return False
        event.ignore()
        self.window.hide()
        if not self._told_hidden:
            self._told_hidden = True
            self.icon.showMessage(
                "Webhook Inspector is still listening",
                f"The window is in the tray; webhooks to {self.services.local_url} are still "
                "captured. Quit from the tray menu to stop listening.",
                QSystemTrayIcon.MessageIcon.Information,
                NOTIFY_MS,
            )
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.WindowActivate:
            self.mark_seen()
        return False
