"""Errors reach the log and the terminal with their traceback; the user reads one line.

Each failure is provoked by a fault planted in the store or the app (what no real input
makes fail), then reached through the menu action a user triggers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import send_http
from PySide6.QtWidgets import QFileDialog

from inspector.app import AppCore
from inspector.core.formats import write_export
from inspector.gui.error_log import (
    install_excepthook,
    install_loop_handler,
    log_to_stderr,
    stop_logging_to_stderr,
)
from inspector.gui.main_window import MainWindow

pytestmark = pytest.mark.gui


@pytest.fixture
def stderr_log() -> Iterator[None]:
    log_to_stderr()
    yield
    stop_logging_to_stderr()


def failed(records: list[logging.LogRecord]) -> list[logging.LogRecord]:
    return [r for r in records if r.levelno >= logging.ERROR and r.exc_info]


def test_a_failing_import_is_logged_with_its_traceback(
    qtbot: Any,
    running: tuple[AppCore, MainWindow],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    stderr_log: None,
) -> None:
    core, window = running
    send_http(qtbot, core.listener.url + "/hook", b"{}")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)
    export = tmp_path / "in.har"
    first = core.store.get(window.model.capture_at(0).id)  # type: ignore[union-attr]
    assert first is not None
    with export.open("w", encoding="utf-8") as fh:
        write_export([first], fh, "har")
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(export), ""))
    )

    def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(core.store, "import_captures", broken)
    window.transfers.import_action.trigger()
    qtbot.waitUntil(lambda: window.transfers.job is None, timeout=10_000)
    qtbot.waitUntil(lambda: "failed" in window.statusBar().currentMessage(), timeout=5000)

    shown = window.statusBar().currentMessage()
    assert "RuntimeError: disk on fire" in shown and "Traceback" not in shown
    assert "\n" not in shown
    (record,) = failed(caplog.records)
    assert record.exc_info is not None and record.exc_info[1] is not None
    assert str(record.exc_info[1]) == "disk on fire"
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "RuntimeError: disk on fire" in err


def test_a_failing_sample_is_logged_with_its_traceback(
    qtbot: Any,
    running: tuple[AppCore, MainWindow],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    stderr_log: None,
) -> None:
    core, window = running

    async def broken(vendor: str, event: str | None = None) -> list[str]:
        raise ConnectionResetError("the listener hung up")

    monkeypatch.setattr(core, "simulate", broken)
    next(iter(window.sample_actions.values())).trigger()
    qtbot.waitUntil(lambda: "failed" in window.statusBar().currentMessage(), timeout=5000)
    assert "the listener hung up" in window.statusBar().currentMessage()
    assert "Traceback" not in window.statusBar().currentMessage()
    (record,) = failed(caplog.records)
    assert "sample failed" in record.getMessage()
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_an_exception_in_a_slot_is_logged_and_told_in_one_line(
    qtbot: Any,
    running: tuple[AppCore, MainWindow],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    stderr_log: None,
) -> None:
    core, window = running
    send_http(qtbot, core.listener.url + "/hook", b"{}")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=5000)
    window.table.selectRow(0)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise PermissionError("store is read-only")

    monkeypatch.setattr(core.store, "set_pinned", broken)
    undo = install_excepthook(lambda m: window.statusBar().showMessage(m))
    try:
        window.captures.pin_action.trigger()
    finally:
        undo()
    shown = window.statusBar().currentMessage()
    assert "PermissionError: store is read-only" in shown and "Traceback" not in shown
    assert len(failed(caplog.records)) == 1
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_an_unwatched_loop_task_failure_is_logged(
    qtbot: Any,
    qloop: asyncio.AbstractEventLoop,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    stderr_log: None,
) -> None:
    install_loop_handler(qloop)
    try:

        async def boom() -> None:
            raise LookupError("nobody waits for me")

        # Nobody keeps the task: once it is freed, asyncio reports its exception.
        qloop.call_soon(lambda: qloop.create_task(boom()) and None)
        qtbot.waitUntil(lambda: bool(failed(caplog.records)), timeout=5000)
    finally:
        qloop.set_exception_handler(None)
    assert "nobody waits for me" in capsys.readouterr().err
