"""Settings' "Tray and notifications" page: close to the tray, and one switch per kind of
desktop notification (:data:`inspector.core.notify_policy.KINDS`).

Where the desktop has no tray, the close-to-tray option is disabled and the page says why.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QCheckBox, QGroupBox, QSystemTrayIcon, QVBoxLayout, QWidget

from inspector.core.notify_policy import KIND_LABELS, KINDS, settings_key
from inspector.core.settings import Settings
from inspector.gui.widgets import plain_label

NO_TRAY_REASON = (
    "This desktop has no system tray (no status-notifier host is running), so the window "
    "cannot be hidden there: closing it quits. Notifications are shown in the window's "
    "status bar instead."
)


def tray_available() -> bool:
    return QSystemTrayIcon.isSystemTrayAvailable()


class TrayPage(QWidget):
    """The page's check boxes, filled from ``settings``; :meth:`values` reads them back."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        available = tray_available()
        self.close_to_tray = QCheckBox("Closing the window hides it in the system tray")
        self.close_to_tray.setChecked(settings.close_to_tray and available)
        self.close_to_tray.setToolTip(
            "The listener keeps running while the window is hidden; Quit from the tray menu"
        )
        self.close_to_tray.setEnabled(available)
        self.reason = plain_label("" if available else NO_TRAY_REASON, selectable=False)
        self.reason.setWordWrap(True)
        self.reason.setVisible(not available)
        self.kinds: dict[str, QCheckBox] = {}
        group = QGroupBox("Desktop notifications")
        group_layout = QVBoxLayout(group)
        for kind in KINDS:
            box = QCheckBox(KIND_LABELS[kind])
            box.setChecked(bool(getattr(settings, settings_key(kind))))
            group_layout.addWidget(box)
            self.kinds[kind] = box
        group_layout.addWidget(
            plain_label(
                "A burst of the same kind shows one notification, then one summary "
                '("… and 57 more") at most every 30 seconds.',
                selectable=False,
            )
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.close_to_tray)
        layout.addWidget(self.reason)
        layout.addWidget(group)
        layout.addStretch(1)

    def values(self, settings: Settings) -> dict[str, Any]:
        """The settings fields this page edits, for ``dataclasses.replace``; the close
        option is kept as it was where it cannot be changed (no tray)."""
        out: dict[str, Any] = {
            settings_key(kind): box.isChecked() for kind, box in self.kinds.items()
        }
        out["close_to_tray"] = (
            self.close_to_tray.isChecked()
            if self.close_to_tray.isEnabled()
            else settings.close_to_tray
        )
        return out
