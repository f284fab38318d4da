"""The capture table's cells: text, colour, tooltip and alignment per column."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush

from inspector.core.capture import Capture, ForwardRecord, ResponseRecord, Validation
from inspector.core.store import CaptureStore
from inspector.gui.capture_model import (
    COLUMNS,
    RAW_ROLE,
    CaptureTableModel,
    Column,
)
from inspector.gui.theme import colours

pytestmark = pytest.mark.gui


def colour(model: CaptureTableModel, row: int, column: Column) -> str | None:
    brush = model.data(model.index(row, column), Qt.ItemDataRole.ForegroundRole)
    assert brush is None or isinstance(brush, QBrush)
    return None if brush is None else brush.color().name()


def test_the_columns_are_named_in_header_order(qapp: Any, store: CaptureStore) -> None:
    model = CaptureTableModel(store)
    try:
        assert model.columnCount() == len(Column) == len(COLUMNS)
        titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in Column]
        assert titles == list(COLUMNS)
        assert COLUMNS[Column.VALIDATION] == "Validation"
    finally:
        model.detach()


def test_cells_show_failures_in_red_with_tooltips_and_numbers_right_aligned(
    qapp: Any, store: CaptureStore
) -> None:
    failed = Capture(
        method="POST",
        path="/hook",
        query="a=1",
        body=b"12345",
        response=ResponseRecord(502, [], b""),
        forward=ForwardRecord("http://localhost:3000/hook", error="connection refused"),
        validation=Validation("invalid", "token-header", "token does not match"),
    )
    fine = Capture(
        method="GET",
        path="/ok",
        response=ResponseRecord(200, [], b""),
        forward=ForwardRecord("http://localhost:3000/ok", status=204, latency_ms=3),
    )
    store.add(failed)
    store.add(fine)
    model = CaptureTableModel(store)
    try:
        # Newest first: row 0 is the fine one.
        assert model.index(1, Column.STATUS).data() == "502"
        assert model.index(1, Column.SIZE).data() == "5 B"
        assert model.index(1, Column.SIZE).data(RAW_ROLE) == 5
        assert colour(model, 1, Column.STATUS) == colours().error
        assert colour(model, 1, Column.FORWARD) == colours().error
        assert colour(model, 1, Column.VALIDATION) == colours().invalid
        assert colour(model, 0, Column.STATUS) is None
        assert colour(model, 0, Column.FORWARD) is None
        assert colour(model, 1, Column.PATH) is None

        def tip(row: int, column: Column) -> object:
            return model.index(row, column).data(Qt.ItemDataRole.ToolTipRole)

        assert tip(1, Column.PATH) == "/hook?a=1"
        assert tip(1, Column.VALIDATION) == "token does not match"
        assert tip(0, Column.VALIDATION) is None
        assert tip(1, Column.FORWARD) == "http://localhost:3000/hook: connection refused"
        assert tip(0, Column.FORWARD) == "http://localhost:3000/ok: 204"
        assert tip(1, Column.METHOD) is None
        assert model.index(1, Column.VIA).data() == "local"
        assert tip(1, Column.VIA) == (
            "Sent on this machine (not through the tunnel), from an unknown address"
        )

        right = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        alignments = {c: model.index(0, c).data(Qt.ItemDataRole.TextAlignmentRole) for c in Column}
        assert {c for c, a in alignments.items() if a == right} == {
            Column.NUMBER,
            Column.STATUS,
            Column.SIZE,
        }
        assert all(
            a is None
            for c, a in alignments.items()
            if c not in (Column.NUMBER, Column.STATUS, Column.SIZE)
        )
    finally:
        model.detach()
