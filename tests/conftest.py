"""Shared fixtures: a data directory, a real store, a real listener on 127.0.0.1:0.

GUI tests get a qasync loop fixture (docs/decisions.md, "Tooling and tests"): pytest-qt has no asyncio support, so
a ``QEventLoop(qapp, already_running=True)`` is made the current loop and every
``qtbot.wait*`` then drives asyncio too. The loop is never stopped in teardown (that
would call ``QApplication.exit()`` and break every later wait).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never read or write the developer's real keyring (subprocesses inherit this too).
os.environ["WEBHOOK_INSPECTOR_NO_KEYRING"] = "1"

from helpers import close_app, open_app, shut_app

from inspector.core.store import CaptureStore


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
def pyngrok_wrapper(tmp_path: Path) -> Path:
    """A directory's ``ngrok`` made like the console script pip installs with pyngrok
    (which downloads the agent when run); running it leaves ``ran`` beside it."""
    import sys

    wrapper = tmp_path / "venv-bin" / "ngrok"
    wrapper.parent.mkdir()
    wrapper.write_text(
        f"#!{sys.executable}\n"
        "import pathlib, sys\n"
        "pathlib.Path(__file__).with_name('ran').write_text('ran')\n"
        "from pyngrok.ngrok import main\n"
        "if __name__ == '__main__':\n"
        "    sys.argv[0] = sys.argv[0].removesuffix('.exe')\n"
        "    sys.exit(main())\n"
    )
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


@pytest.fixture
def running(
    qtbot: Any, qloop: asyncio.AbstractEventLoop, data_dir: Path
) -> Iterator[tuple[Any, Any]]:
    """The app started on an empty data directory, its window shown (GUI tests; a test
    module needing another set-up defines its own ``running``)."""
    core, window = open_app(qtbot, data_dir)
    yield core, window
    close_app(qtbot, core, window)


@pytest.fixture
def running_with_agent(
    qtbot: Any, qloop: asyncio.AbstractEventLoop, data_dir: Path, fake_ngrok_path: Path
) -> Iterator[tuple[Any, Any]]:
    """The app with the stand-in ngrok agent, its window shown; the test may quit the
    window itself or hide it in the tray."""
    core, window = open_app(qtbot, data_dir, ngrok_path=str(fake_ngrok_path))
    yield core, window
    shut_app(qtbot, core, window)
