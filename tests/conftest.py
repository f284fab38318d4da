"""Shared fixtures: a data directory, a real store, a real listener on 127.0.0.1:0.

GUI tests get a qasync loop fixture (STACK-NOTES.md): pytest-qt has no asyncio support, so
a ``QEventLoop(qapp, already_running=True)`` is made the current loop and every
``qtbot.wait*`` then drives asyncio too. The loop is never stopped in teardown (that
would call ``QApplication.exit()`` and break every later wait).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
from collections.abc import AsyncIterator, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never read or write the developer's real keyring (subprocesses inherit this too).
os.environ["WEBHOOK_INSPECTOR_NO_KEYRING"] = "1"

from inspector.core.store import CaptureStore

T = TypeVar("T")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def store(data_dir: Path) -> Iterator[CaptureStore]:
    s = CaptureStore.in_dir(data_dir)
    yield s
    s.close()


@pytest.fixture
async def listener(store: CaptureStore) -> AsyncIterator[Any]:
    from inspector.net.listener import Listener

    lst = Listener(store, port=0, body_limit=1024 * 1024)
    await lst.start()
    yield lst
    await lst.stop()


@pytest.fixture
def fake_ngrok_path(tmp_path: Path) -> Path:
    """An ``ngrok`` executable that runs the stand-in agent (tests/doubles/fake_ngrok.py)
    with this interpreter, to hand to ``--ngrok-path`` or ``AppCore(ngrok_path=...)``."""
    import sys

    fake = Path(__file__).parent / "doubles" / "fake_ngrok.py"
    wrapper = tmp_path / "ngrok-bin" / "ngrok"
    wrapper.parent.mkdir()
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "{fake}" "$@"\n')
    wrapper.chmod(0o755)
    return wrapper


@pytest.fixture
def qloop(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    import qasync

    loop = qasync.QEventLoop(qapp, already_running=True)
    executor = concurrent.futures.ThreadPoolExecutor(4, thread_name_prefix="qloop")
    loop.set_default_executor(executor)
    asyncio.set_event_loop(loop)
    yield loop
    executor.shutdown(wait=True)
    # Undo "already running" without loop.stop() (which would call QApplication.exit()),
    # so that later plain-asyncio tests can start their own loops.
    asyncio.events._set_running_loop(None)
    asyncio.set_event_loop(None)


def run_in_qloop(qtbot: Any, coro: Coroutine[Any, Any, T], timeout_ms: int = 10_000) -> T:
    """Run a coroutine on the qasync loop from a synchronous GUI test and return its result."""
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=timeout_ms)
    return task.result()


def open_app(qtbot: Any, data_dir: Path, **kwargs: Any) -> tuple[Any, Any]:
    """A started AppCore (listener on port 0) and its MainWindow, shown offscreen."""
    from inspector.app import AppCore
    from inspector.gui.main_window import MainWindow

    core = AppCore(data_dir, port=0, kind="gui", **kwargs)
    run_in_qloop(qtbot, core.start())
    window = MainWindow(core.store, core)
    qtbot.addWidget(window)
    window.show()
    return core, window


def cell_text(table: Any, row: int, column: int) -> str:
    """The text of a QTableWidget cell that must exist."""
    item = table.item(row, column)
    assert item is not None, f"no item at ({row}, {column})"
    return str(item.text())


def close_app(qtbot: Any, core: Any, window: Any) -> None:
    """Close the window, let worker threads finish, stop the app's services."""
    from inspector.gui import workers

    window.close()
    workers.wait_idle(10)
    run_in_qloop(qtbot, core.stop())


@pytest.fixture
def running(
    qtbot: Any, qloop: asyncio.AbstractEventLoop, data_dir: Path
) -> Iterator[tuple[Any, Any]]:
    """The app started on an empty data directory, its window shown (GUI tests; a test
    module needing another set-up defines its own ``running``)."""
    core, window = open_app(qtbot, data_dir)
    yield core, window
    close_app(qtbot, core, window)
