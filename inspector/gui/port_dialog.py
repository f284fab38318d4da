"""When the listener cannot bind its port at start-up: a dialog that says why, offers a free
port, and can remember the choice (``settings.json``'s ``listen_port``).

The desktop app is often started from a launcher, with no terminal to read a one-line
error in: without this dialog it would end with no window at all.
"""

from __future__ import annotations

import socket

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from inspector.gui.widgets import answered, plain_label


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the system's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class PortDialog(QDialog):
    """ "Port N cannot be used": choose another (a free one is offered) or quit."""

    def __init__(self, reason: str, offered: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Webhook Inspector: port in use")
        self.reason_label = plain_label(f"The listener cannot start: {reason}.")
        self.reason_label.setObjectName("port-reason")
        explain = plain_label(
            "A port free right now is filled in below. Vendors and scripts must then send "
            "to that port (the tunnel follows it by itself).",
            selectable=False,
        )
        self.port_spin = QSpinBox()
        self.port_spin.setObjectName("port")
        self.port_spin.setRange(1, 65535)
        self.port_spin.setValue(offered)
        row = QHBoxLayout()
        row.addWidget(QLabel("Listen on port"))
        row.addWidget(self.port_spin)
        row.addStretch(1)
        self.remember = QCheckBox("Use this port from now on (saved in Settings)")
        self.remember.setChecked(True)
        buttons = QDialogButtonBox()
        self.start_button = buttons.addButton(
            "Start on this port", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.start_button.setDefault(True)
        self.quit_button = buttons.addButton("Quit", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.reason_label)
        layout.addWidget(explain)
        layout.addLayout(row)
        layout.addWidget(self.remember)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def choice(self) -> tuple[int, bool]:
        """(port, remember it)."""
        return self.port_spin.value(), self.remember.isChecked()


async def ask_port(reason: str, host: str = "127.0.0.1") -> tuple[int, bool] | None:
    """Show :class:`PortDialog` without blocking the event loop; None when the user quits."""
    dialog = PortDialog(reason, free_port(host))
    try:
        return dialog.choice() if await answered(dialog) else None
    finally:
        dialog.deleteLater()
