"""What many tests share: waiting for a condition, raw HTTP, driving the app in GUI tests.

Waiting: :func:`wait_until` (in plain code and threads) and :func:`wait_until_async` (in a
coroutine, so that the event loop keeps running) check a condition until it holds and
return its value, or fail saying what did not happen. Both run :func:`_polls`, the one
implementation; only the way they pause differs. GUI tests use ``qtbot.waitUntil``
instead, which keeps the Qt event loop running while it waits.

Raw HTTP: bytes go out exactly as written (no client library tidies them up) and the
answer comes back as bytes.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
import urllib.request
from collections.abc import Callable, Coroutine, Generator
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

#: How long a wait may take before the test fails: generous, for a loaded machine.
WAIT_TIMEOUT = 10.0
#: Pause between two checks of a condition.
POLL_INTERVAL = 0.01

# -- waiting ------------------------------------------------------------------------------


def _polls(
    condition: Callable[[], T | None], within: float, what: str
) -> Generator[float, None, T]:
    """Check ``condition`` until it returns a truthy value, which is returned; in between,
    yield the pause to make. Raises AssertionError after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            name = what or getattr(condition, "__qualname__", repr(condition))
            raise AssertionError(f"not reached within {within:g} s: {name} (last: {value!r})")
        yield POLL_INTERVAL


def wait_until(
    condition: Callable[[], T | None], within: float = WAIT_TIMEOUT, what: str = ""
) -> T:
    """Block until ``condition()`` is truthy; returns that value."""
    polls = _polls(condition, within, what)
    while True:
        try:
            pause = next(polls)
        except StopIteration as reached:
            return reached.value
        time.sleep(pause)


async def wait_until_async(
    condition: Callable[[], T | None], within: float = WAIT_TIMEOUT, what: str = ""
) -> T:
    """:func:`wait_until` for coroutines: the event loop runs while it waits."""
    polls = _polls(condition, within, what)
    while True:
        try:
            pause = next(polls)
        except StopIteration as reached:
            return reached.value
        await asyncio.sleep(pause)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists (a zombie counts as alive)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


# -- raw HTTP -----------------------------------------------------------------------------


async def send_last(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    data: bytes = b"",
    read_timeout: float = 5.0,
) -> bytes:
    """Send a connection's last bytes, read until the server closes, close our side."""
    try:
        if data:
            writer.write(data)
            await writer.drain()
        return await asyncio.wait_for(reader.read(), read_timeout)
    finally:
        writer.close()
        await writer.wait_closed()


async def raw_http(port: int, request: bytes, read_timeout: float = 5.0) -> bytes:
    """Send ``request`` on a fresh connection to 127.0.0.1; return everything answered."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    return await send_last(reader, writer, request, read_timeout)


async def trickle(port: int, data: bytes, delay: float, read_timeout: float = 10.0) -> bytes:
    """Send ``data`` one byte at a time, ``delay`` seconds apart (a slow sender); return
    the answer."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for i in range(len(data)):
            writer.write(data[i : i + 1])
            await writer.drain()
            await asyncio.sleep(delay)
    except BaseException:
        writer.close()
        raise
    return await send_last(reader, writer, read_timeout=read_timeout)


async def read_one_answer(reader: asyncio.StreamReader) -> bytes:
    """Read one answer with a Content-Length off a kept-alive connection; returns its head."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    await reader.readexactly(length)
    return head


def status_of(answer: bytes) -> int:
    """The status code on an HTTP/1.x status line (0 when there was no answer)."""
    parts = answer.split(b" ", 2)
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def post(url: str, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """A blocking POST, as an outside script sends it; returns the status and the body."""
    req = urllib.request.Request(url, data=body, method="POST", headers=headers or {})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, resp.read()


# -- the app in GUI tests -----------------------------------------------------------------


def run_in_qloop(qtbot: Any, coro: Coroutine[Any, Any, T], timeout_ms: int = 10_000) -> T:
    """Run a coroutine on the qasync loop (the ``qloop`` fixture) from a synchronous GUI
    test and return its result."""
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=timeout_ms)
    return task.result()


def open_app(qtbot: Any, data_dir: Path, **kwargs: Any) -> tuple[Any, Any]:
    """A started AppCore (listener on port 0) and its MainWindow, shown offscreen."""
    # Imported here: tests that never open the app do not load Qt.
    from inspector.app import AppCore
    from inspector.gui.main_window import MainWindow

    core = AppCore(data_dir, port=0, kind="gui", **kwargs)
    run_in_qloop(qtbot, core.start())
    window = MainWindow(core.store, core)
    qtbot.addWidget(window)
    window.show()
    return core, window


def close_app(qtbot: Any, core: Any, window: Any) -> None:
    """Close the window, let worker threads finish, stop the app's services."""
    from inspector.gui import workers

    window.close()
    workers.wait_idle(10)
    run_in_qloop(qtbot, core.stop())


def shut_app(qtbot: Any, core: Any, window: Any) -> None:
    """:func:`close_app` for a window the test may have quit already, or hidden in the
    tray (closed once for real, never twice)."""
    from inspector.gui import workers

    if not window.isVisible() and not window.quitting:
        window.show()  # hidden in the tray: closed below
    if window.isVisible():
        window.quitting = True
        close_app(qtbot, core, window)
    else:
        workers.wait_idle(10)
        run_in_qloop(qtbot, core.stop())


def cell_text(table: Any, row: int, column: int) -> str:
    """The text of a QTableWidget cell that must exist."""
    item = table.item(row, column)
    assert item is not None, f"no item at ({row}, {column})"
    return str(item.text())


def key_with(qtbot: Any, widget: Any, key: Any, modifier: Any) -> None:
    """Press ``key`` with ``modifier`` (e.g. Ctrl+F) on ``widget`` as a user would.

    QTest's keyClick leaves the application's idea of the held modifiers at ``modifier``
    after the click, so a later ``QTableView.selectRow`` acts as a Ctrl-click and toggles
    the row instead of selecting it; releasing the modifier key clears that.
    """
    from PySide6.QtCore import Qt

    qtbot.keyClick(widget, key, modifier)
    for flag, modifier_key in (
        (Qt.KeyboardModifier.ControlModifier, Qt.Key.Key_Control),
        (Qt.KeyboardModifier.ShiftModifier, Qt.Key.Key_Shift),
        (Qt.KeyboardModifier.AltModifier, Qt.Key.Key_Alt),
        (Qt.KeyboardModifier.MetaModifier, Qt.Key.Key_Meta),
    ):
        if modifier & flag:
            qtbot.keyRelease(widget, modifier_key)


def send_http(
    qtbot: Any,
    url: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
    method: str = "POST",
) -> int:
    """Send one request with aiohttp on the qasync loop (GUI tests); returns the status."""
    import io

    import aiohttp

    async def go() -> int:
        data = io.BytesIO(body) if len(body) > 65536 else body
        async with (
            aiohttp.ClientSession() as s,
            s.request(method, url, data=data, headers=headers) as r,
        ):
            await r.read()
            return r.status

    return run_in_qloop(qtbot, go())


def menu_actions(window: Any) -> list[tuple[str, Any]]:
    """Every action in every menu and submenu of ``window``'s menu bar, with its menu path
    ("File > Import…"), in menu order; separators and submenu titles left out."""
    out: list[tuple[str, Any]] = []

    def walk(actions: list[Any], prefix: str) -> None:
        for action in actions:
            if action.isSeparator():
                continue
            label = f"{prefix}{action.text().replace('&', '')}"
            if action.menu() is not None:
                walk(action.menu().actions(), f"{label} > ")
            else:
                out.append((label, action))

    walk(window.menuBar().actions(), "")
    return out


class ModalCloser:
    """While in a ``with`` block, closes any modal dialog that opens (a message box run with
    ``exec()``, a window-modal dialog) and every new top-level dialog, as a user pressing
    Escape would; ``seen`` keeps their titles. Progress dialogs are left alone: the job
    they follow ends by itself."""

    def __init__(self, interval_ms: int = 50) -> None:
        from PySide6.QtCore import QTimer

        self.seen: list[str] = []
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.close_all)

    def close_all(self) -> None:
        from PySide6.QtWidgets import QApplication, QDialog, QProgressDialog

        modal = QApplication.activeModalWidget()
        while modal is not None and not isinstance(modal, QProgressDialog):
            self.seen.append(modal.windowTitle())
            modal.close()
            if QApplication.activeModalWidget() is modal:
                break
            modal = QApplication.activeModalWidget()
        for widget in QApplication.topLevelWidgets():
            if (
                isinstance(widget, QDialog)
                and not isinstance(widget, QProgressDialog)
                and widget.isVisible()
            ):
                self.seen.append(widget.windowTitle())
                widget.reject()

    def __enter__(self) -> ModalCloser:
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.stop()
        self.close_all()


def downgrade_to_schema_7(path: Path) -> None:
    """Make the store at ``path`` what schema 7 wrote: no search index, no index keys (an
    older version's store, which the app upgrades and indexes in the background)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("DROP TABLE search_index")
        conn.execute("DELETE FROM meta WHERE key IN ('index_from', 'indexed_to', 'index_unicode')")
        conn.execute("PRAGMA user_version=7")
    finally:
        conn.close()
