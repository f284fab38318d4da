"""The capture list's selection as spans of rows, read from the selection's ranges.

``QItemSelectionModel.selectedRows()`` tests every row for every column through the
model's ``rowCount`` and ``columnCount``, which are Python here: with the whole list of a
million captures selected (Ctrl+A) one call took 49 s on the UI thread, and a selection
change made two (docs/performance.md, a million captures). A selection of whole rows is a
handful of ranges whatever their length, so counting and listing them from the ranges
costs nothing per row.
"""

from __future__ import annotations

from PySide6.QtWidgets import QAbstractItemView


def selected_spans(view: QAbstractItemView) -> list[tuple[int, int]]:
    """The selected rows of ``view`` (which selects whole rows) as sorted, disjoint
    (first, last) spans, both rows included."""
    selection = view.selectionModel().selection()
    ranges = sorted((r.top(), r.bottom()) for r in selection.toList())
    spans: list[tuple[int, int]] = []
    for top, bottom in ranges:
        if spans and top <= spans[-1][1] + 1:
            spans[-1] = (spans[-1][0], max(spans[-1][1], bottom))
        else:
            spans.append((top, bottom))
    return spans


def selected_count(view: QAbstractItemView) -> int:
    """How many rows of ``view`` are selected."""
    return sum(last - first + 1 for first, last in selected_spans(view))


def first_selected_row(view: QAbstractItemView) -> int | None:
    """The row the selection started with (the clicked one, for a click), or None."""
    selection = view.selectionModel().selection()
    return None if selection.isEmpty() else selection.first().top()


def selected_rows(view: QAbstractItemView) -> list[int]:
    """Every selected row, top to bottom (for actions on a few captures)."""
    return [row for first, last in selected_spans(view) for row in range(first, last + 1)]
