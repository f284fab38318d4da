"""The menu walk: every action of every menu and submenu of the main window, triggered as a
user would (``QAction.trigger()``), with the file dialogs answered and every dialog closed.

It fails on any exception (in a slot, a worker, an asyncio task), on any error logged, and
on any status message that reads as an internal error. The actions are found by walking the
menu bar, so an action added later is walked without touching this test.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import ModalCloser, menu_actions, send_http
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog

from inspector.app import AppCore
from inspector.core.formats import write_export
from inspector.core.tasks import Task
from inspector.gui import workers
from inspector.gui.main_window import MainWindow

pytestmark = pytest.mark.gui

#: What a message shown to the user must never contain: an internal error's words.
INTERNAL = re.compile(r"unexpected error|internal error|Traceback|\b[A-Z]\w*(Error|Exception)\b")


@pytest.fixture
def running(running_with_agent: tuple[AppCore, MainWindow]) -> tuple[AppCore, MainWindow]:
    return running_with_agent


class Watch:
    """Everything that would tell of an internal error while the walk runs."""

    def __init__(self, window: MainWindow, loop: asyncio.AbstractEventLoop) -> None:
        self.messages: list[str] = []
        self.exceptions: list[str] = []
        window.statusBar().messageChanged.connect(self.messages.append)
        self._previous_hook = sys.excepthook
        sys.excepthook = lambda kind, exc, tb: self.exceptions.append(f"{kind.__name__}: {exc}")
        loop.set_exception_handler(
            lambda _loop, context: self.exceptions.append(str(context.get("exception")))
        )

    def restore(self, loop: asyncio.AbstractEventLoop) -> None:
        sys.excepthook = self._previous_hook
        loop.set_exception_handler(None)


def settle(qtbot: Any, window: MainWindow) -> None:
    """Wait until what an action started (a coroutine, an import or export) has ended."""
    qtbot.waitUntil(
        lambda: not window.loop_tasks._running and window.transfers.job is None, timeout=20_000
    )
    qtbot.waitUntil(lambda: workers.wait_idle(0), timeout=10_000)
    qtbot.wait(20)


def walk(qtbot: Any, window: MainWindow, done: list[Any]) -> None:
    for label, action in menu_actions(window):
        if label == "File > Quit":
            continue
        action.trigger()
        settle(qtbot, window)
        done.append(action)


def test_every_menu_action_runs_without_an_internal_error(
    qtbot: Any,
    running: tuple[AppCore, MainWindow],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    qloop: asyncio.AbstractEventLoop,
) -> None:
    core, window = running
    url = core.listener.url
    for path in ("/blurit", "/hook", "/celantur?key=abc"):
        body = json.dumps({"path": path, "n": 1}).encode()
        assert send_http(qtbot, url + path, body, {"Content-Type": "application/json"}) == 200
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=5000)
    # A task, so that the Tasks dock has a row too.
    core.store.save_task(
        Task(vendor="blurit", task_id="job-1", file_name="a.jpg", webhook_url=url + "/blurit")
    )

    # File dialogs answer at once: an export goes to a temporary file, an import reads a
    # real export of the store's captures.
    importable = tmp_path / "import.har"
    with importable.open("w", encoding="utf-8") as fh:
        full = [core.store.get(c.id) for c in core.store.captures(limit=0)]
        write_export([c for c in full if c is not None], fh, "har")
    saved = tmp_path / "saved.har"
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(importable), ""))
    )
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(saved), "HAR (*.har)"))
    )
    monkeypatch.setattr(
        QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(tmp_path))
    )
    # The desktop opens folders and files (Help > Open data folder, Open log).
    opened: list[str] = []

    def open_url(url: QUrl) -> bool:
        opened.append(url.toLocalFile())
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", open_url)

    caplog.set_level(logging.WARNING)
    watch = Watch(window, qloop)
    done: list[Any] = []
    try:
        with ModalCloser() as closer:
            window.table.selectRow(0)  # what applies to one capture
            walk(qtbot, window, done)
            window.table.selectAll()  # and to several (Compare wants two)
            window.table.clearSelection()
            window.table.selectRow(0)
            window.table.selectionModel().select(
                window.model.index(1, 0),
                window.table.selectionModel().SelectionFlag.Select
                | window.table.selectionModel().SelectionFlag.Rows,
            )
            walk(qtbot, window, done)
            window.table.clearSelection()  # and to none
            walk(qtbot, window, done)
    finally:
        watch.restore(qloop)

    actions = menu_actions(window)
    labels = {label for label, _ in actions}
    assert "File > Import…" in labels and "Vendors > Submit test task…" in labels
    assert {id(a) for a in done} == {id(a) for label, a in actions if label != "File > Quit"}
    assert watch.exceptions == []
    internal = [m for m in watch.messages if INTERNAL.search(m)]
    assert internal == []
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []
    # The walk did what the actions say: the import read the file (nothing new: the
    # captures are there already), the export wrote one, dialogs opened and were closed.
    assert any("imported 0 captures from import.har" in m for m in watch.messages)
    assert saved.exists()
    assert "Submit a test task" in closer.seen
    assert str(core.data_dir) in opened

    # Quit, last: the window closes.
    quit_action = dict(menu_actions(window))["File > Quit"]
    quit_action.trigger()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
