"""Guard against PySide6 6.12.0 on Python 3.11 (docs/decisions.md, "Versions"): every void-returning call
there drops a reference to ``None``, and qasync makes one per asyncio callback, so the app
dies after about a thousand requests. The suite alone would not notice; this test does.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest
from PySide6.QtCore import QObject, QTimer

pytestmark = pytest.mark.gui


def test_void_calls_do_not_leak_none_references(qapp: Any) -> None:
    obj = QObject()
    timer = QTimer()
    before = sys.getrefcount(None)
    for i in range(1000):
        obj.setObjectName(f"n{i % 3}")
        timer.start(10_000)
        timer.stop()
    after = sys.getrefcount(None)
    # Immortal None (3.12+) reports a huge constant; on 3.11 a broken build loses ~3000.
    assert after >= before - 50, f"None lost {before - after} references: PySide6 is broken"
