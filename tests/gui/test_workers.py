"""Background jobs (inspector.gui.workers): outcomes, progress and failures arrive on the GUI
thread, and thousands of jobs with garbage collection in between do not crash the process
(the QRunnable-with-signals pattern it replaced died of a segmentation fault here)."""

from __future__ import annotations

import gc
import threading
from functools import partial
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from inspector.gui import workers

pytestmark = pytest.mark.gui


def _number_of(payload: dict[str, Any], report: workers.Progress) -> int:
    return int(payload["n"])


def test_outcome_and_progress_arrive_on_the_gui_thread(qtbot: Any) -> None:
    gui_thread = threading.get_ident()
    seen: list[tuple[str, object, int]] = []
    worked_in: list[int] = []

    def work(report: workers.Progress) -> str:
        worked_in.append(threading.get_ident())
        for i in range(3):
            report(i + 1, 3)
        return "result"

    workers.submit(
        work,
        lambda result: seen.append(("done", result, threading.get_ident())),
        on_progress=lambda d, t: seen.append(("progress", (d, t), threading.get_ident())),
    )
    qtbot.waitUntil(lambda: any(kind == "done" for kind, _, _ in seen), timeout=5000)
    assert [(kind, value) for kind, value, _ in seen] == [
        ("progress", (1, 3)),
        ("progress", (2, 3)),
        ("progress", (3, 3)),
        ("done", "result"),
    ]
    assert {thread for _, _, thread in seen} == {gui_thread}
    assert worked_in and worked_in[0] != gui_thread


def test_an_exception_goes_to_on_failed(qtbot: Any) -> None:
    failures: list[BaseException] = []

    def work(report: workers.Progress) -> None:
        raise ValueError("bad input")

    workers.submit(work, lambda _: pytest.fail("on_done called"), failures.append)
    qtbot.waitUntil(lambda: bool(failures), timeout=5000)
    assert isinstance(failures[0], ValueError) and str(failures[0]) == "bad input"


def test_thousands_of_jobs_with_collections_in_between(qtbot: Any) -> None:
    results: list[int] = []
    rounds, per_round = 200, 20
    for r in range(rounds):
        for i in range(per_round):
            payload = {"n": r * per_round + i, "pad": [object() for _ in range(5)]}
            workers.submit(partial(_number_of, payload), results.append)
        if r % 3 == 0:
            gc.collect()
        QApplication.processEvents()  # results delivered so far run in between
    assert workers.wait_idle(30)
    qtbot.waitUntil(lambda: len(results) == rounds * per_round, timeout=30_000)
    assert sorted(results) == list(range(rounds * per_round))
