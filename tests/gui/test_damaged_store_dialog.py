"""A damaged store at start: the user is asked, and nothing is emptied without a yes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from inspector.core.store import STORE_FILENAME, StoreError
from inspector.desktop import open_gui_core

pytestmark = pytest.mark.gui

GARBAGE = b"this is not a database" * 200


def answer_dialog(button: QMessageBox.StandardButton, seen: list[str]) -> None:
    """Click ``button`` in the dialog once it is up (it runs its own event loop)."""

    def click() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, click)
            return
        seen.append(box.windowTitle())
        seen.append(box.text())
        box.button(button).click()

    QTimer.singleShot(20, click)


def test_no_leaves_the_damaged_store_untouched(qtbot: Any, data_dir: Path) -> None:
    path = data_dir / STORE_FILENAME
    path.write_bytes(GARBAGE)
    seen: list[str] = []
    answer_dialog(QMessageBox.StandardButton.No, seen)
    with pytest.raises(StoreError, match="damaged"):
        open_gui_core(data_dir, port=0)
    title, text = seen
    assert title == "Capture store damaged"
    assert str(path) in text and "Move it aside" in text
    assert path.read_bytes() == GARBAGE
    assert not list(data_dir.glob(f"{STORE_FILENAME}.damaged-*"))


def test_yes_moves_it_aside_and_starts_empty(qtbot: Any, data_dir: Path) -> None:
    path = data_dir / STORE_FILENAME
    path.write_bytes(GARBAGE)
    seen: list[str] = []
    answer_dialog(QMessageBox.StandardButton.Yes, seen)
    core = open_gui_core(data_dir, port=0)
    try:
        assert core.store.count() == 0
    finally:
        core.store.close()
    assert seen and seen[0] == "Capture store damaged"
    (kept,) = data_dir.glob(f"{STORE_FILENAME}.damaged-*")
    assert kept.read_bytes() == GARBAGE


def test_a_healthy_store_asks_nothing(qtbot: Any, data_dir: Path) -> None:
    asked: list[str] = []

    def ask(message: str) -> bool:
        asked.append(message)
        return False

    core = open_gui_core(data_dir, port=0, ask=ask)
    core.store.close()
    assert asked == []
