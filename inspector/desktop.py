"""The desktop app's start-up: QApplication, the qasync loop, the app's core, the window.

The command line's ``gui`` command (the default) calls :func:`run_gui`; everything the
window works with is the headless :class:`~inspector.app.AppCore`.
"""

from __future__ import annotations

import asyncio
import errno
import gc
import logging
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import qasync
from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from inspector import resources
from inspector.app import AppCore
from inspector.core.errors import UserError
from inspector.core.store import STORE_FILENAME, CaptureStore, StoreError
from inspector.gui import workers
from inspector.gui.error_log import install_excepthook, install_loop_handler, log_to_stderr
from inspector.gui.main_window import MainWindow
from inspector.gui.port_dialog import ask_port
from inspector.gui.qt_messages import install_font_message_filter
from inspector.gui.theme import apply_theme

log = logging.getLogger(__name__)

#: The listener's port when neither ``--port`` nor settings.json's ``listen_port`` says.
DEFAULT_PORT = 8765
#: ask(reason, host) -> (port, remember) or None to quit: when the port cannot be bound
AskPort = Callable[[str, str], Awaitable[tuple[int, bool] | None]]

RESOURCES = resources.path(resources.ICON).parent


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
    data_dir: Path, *, port: int | None, ask: Callable[[str], bool] = _ask_move_aside
) -> AppCore:
    """The app's core; a damaged store is moved aside only when the user says so.

    The listener takes ``port`` (``--port``), else settings.json's ``listen_port``, and
    bodies up to its ``body_limit``: what the Settings dialog saves.
    """
    try:
        core = AppCore(data_dir, port=DEFAULT_PORT, kind="gui")
    except StoreError as exc:
        if not exc.damaged or not ask(str(exc)):
            raise
        moved = CaptureStore.move_aside(data_dir / STORE_FILENAME)
        log.warning("moved a damaged store aside to %s", moved)
        core = AppCore(data_dir, port=DEFAULT_PORT, kind="gui")
    core.listener.requested_port = core.settings.listen_port if port is None else port
    core.listener.body_limit = core.settings.body_limit
    return core


def _cannot_bind(exc: UserError) -> bool:
    cause = exc.__cause__
    return isinstance(cause, OSError) and cause.errno in (errno.EADDRINUSE, errno.EACCES)


async def start_listening(core: AppCore, ask: AskPort = ask_port) -> bool:
    """Start the core; when its port cannot be bound, ask for another (a free one is
    offered) until one works. False when the user chose to quit (the store is closed)."""
    while True:
        try:
            await core.start()
            return True
        except UserError as exc:
            if not _cannot_bind(exc):
                core.store.close()
                raise
            log.warning("%s", exc)
            answer = await ask(str(exc).split(";")[0], core.listener.host)
        except BaseException:
            core.store.close()
            raise
        if answer is None:
            core.store.close()
            return False
        port, remember = answer
        core.listener.requested_port = port
        if remember:
            core.settings.listen_port = port
            try:
                core.settings.save(core.data_dir)
            except OSError as exc:
                log.warning("could not save the port in the settings: %s", exc)


def run_gui(data_dir: Path, *, port: int | None = None) -> int:
    """Start the desktop app: QApplication + qasync loop + listener + main window."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    install_font_message_filter()  # Qt's font warnings go to the log, not the terminal
    app.setApplicationName("Webhook Inspector")
    # The loop must outlive the window: services shut down after it closed.
    app.setQuitOnLastWindowClosed(False)
    app.setDesktopFileName(resources.APP_ID)
    icon = QIcon(str(resources.path(resources.ICON)))
    app.setWindowIcon(icon)

    # Errors (with their tracebacks) also go to the terminal the app was started from.
    log_to_stderr()

    async def main() -> int:
        install_loop_handler(asyncio.get_running_loop())
        core = open_gui_core(data_dir, port=port)
        apply_theme(core.settings.theme)  # the dialogs asking about the port use it too
        if not await start_listening(core):
            return 0
        window = MainWindow(core.store, core, icon=icon)
        undo_hook = install_excepthook(lambda m: window.statusBar().showMessage(m, 15_000))
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
            undo_hook()
            wake.stop()
            # Closing cancelled any import or export; let background jobs end before the
            # store they read closes.
            await asyncio.to_thread(workers.wait_idle, 10)
            await core.stop()
        return 0

    return int(qasync.run(main()))
