"""Qt's font warnings go to the app's log, every other Qt message where it went before."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from PySide6.QtCore import qWarning
from PySide6.QtGui import QFont

from inspector.gui.qt_messages import install_font_message_filter

pytestmark = pytest.mark.gui


def test_font_warnings_are_logged_not_shown(
    qapp: Any, qtlog: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="inspector.qt")
    uninstall = install_font_message_filter()
    try:
        QFont().setPointSize(0)  # Qt warns: "QFont::setPointSize: Point size <= 0 (0), ..."
        qWarning("not about fonts")
    finally:
        uninstall()
    shown = [record.message for record in qtlog.records]  # what reached Qt's handler
    assert "not about fonts" in shown
    assert not any("QFont::setPointSize" in m for m in shown)
    assert any("QFont::setPointSize" in r.getMessage() for r in caplog.records)
    QFont().setPointSize(0)  # after uninstall: back to the previous handler
    assert any("QFont::setPointSize" in record.message for record in qtlog.records)
