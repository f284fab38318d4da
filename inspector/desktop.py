"""The desktop app's start-up: QApplication, the qasync loop, the app's core, the window.

The command line's ``gui`` command (the default) calls :func:`run_gui`; everything the
window works with is the headless :class:`~inspector.app.AppCore`.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import qasync
from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from inspector.app import AppCore
from inspector.core.errors import UserError
from inspector.core.store import STORE_FILENAME, CaptureStore, StoreError
from inspector.gui import workers
from inspector.gui.main_window import MainWindow
from inspector.gui.qt_messages import install_font_message_filter

log = logging.getLogger(__name__)

#: The listener's port when ``--port`` is not given.
DEFAULT_PORT = 8765

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def _ask_move_aside(message: str) -> bool:
    """Ask the user whether to move a damaged store aside (never silently empty it)."""
    answer = QMessageBox.question(
        None,
        "Capture store damaged",
        f"{message}\n\nMove it aside (it is kept, renamed) and start with an empty store?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def settle_heap() -> None:
    """Move everything alive after start-up out of the garbage collector's way.

    A full collection walks every tracked object, and under a flood of webhooks the GUI's
    full collections stalled the event loop; the objects made at start-up (Qt wrappers,
    modules, the window) are never garbage (figures in docs/performance.md).
    """
    gc.collect()
    gc.freeze()


def open_gui_core(
    data_dir: Path, *, port: int, ask: Callable[[str], bool] = _ask_move_aside
) -> AppCore:
    """The app's core; a damaged store is moved aside only when the user says so."""
    try:
        return AppCore(data_dir, port=port, kind="gui")
    except StoreError as exc:
        if not exc.damaged or not ask(str(exc)):
            raise
        moved = CaptureStore.move_aside(data_dir / STORE_FILENAME)
        log.warning("moved a damaged store aside to %s", moved)
        return AppCore(data_dir, port=port, kind="gui")


def run_gui(data_dir: Path, *, port: int | None = None) -> int:
    """Start the desktop app: QApplication + qasync loop + listener + main window."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    install_font_message_filter()  # Qt's font warnings go to the log, not the terminal
    app.setApplicationName("Webhook Inspector")
    # The loop must outlive the window: services shut down after it closed.
    app.setQuitOnLastWindowClosed(False)
    app.setDesktopFileName("webhook-inspector")
    icon_path = RESOURCES / "icon.svg"
    icon = QIcon(str(icon_path)) if icon_path.exists() else None
    if icon is not None:
        app.setWindowIcon(icon)

    async def main() -> int:
        core = open_gui_core(data_dir, port=DEFAULT_PORT if port is None else port)
        try:
            await core.start()
        except (OSError, UserError):
            core.store.close()
            raise
        window = MainWindow(core.store, core, icon=icon)
        closed = asyncio.Event()
        window.closed.connect(closed.set)
        # Python runs signal handlers only when it gets control: a timer makes sure it does.
        wake = QTimer()
        wake.start(200)
        wake.timeout.connect(lambda: None)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: window.close())
        window.show()
        settle_heap()
        # Starts only once set up (else a one-time hint); closing the window cancels it.
        window.tunnel_indicator.start_at_launch()
        try:
            await closed.wait()
        finally:
            wake.stop()
            # Closing cancelled any import or export; let background jobs end before the
            # store they read closes.
            await asyncio.to_thread(workers.wait_idle, 10)
            await core.stop()
        return 0

    return int(qasync.run(main()))
