"""Column widths that leave the main column its room, and tooltips for cut-off cells.

:class:`RoomyColumn` keeps one column in ``Stretch`` mode (the capture list's Path) and,
when the view is narrow, narrows the "elastic" columns (Event, Forward) down to their
minimums before that column is cut: at 1024 px the list showed "/blu…" next to an Event
column of fixed width. A width the user drags an elastic column to becomes its preferred
width (and is what the layout state saves).

:func:`tooltips_for_cut_text` gives every cell whose text does not fit its full text as a
tooltip, where the model gives no tooltip of its own.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QToolTip

from inspector.gui.capture_model import Column

#: Pixels a cell's text needs besides its width (margins, and the focus frame).
CELL_PADDING = 12
#: The capture list's fixed starting widths in pixels; Path takes the rest.
CAPTURE_WIDTHS = {Column.NUMBER: 55, Column.TIME: 90, Column.STATUS: 50, Column.SIZE: 64}
#: The capture list's columns that give up width, down to their least, before Path is
#: cut: (wanted, least).
CAPTURE_ELASTIC: dict[int, tuple[int, int]] = {
    Column.VIA: (50, 34),
    Column.METHOD: (60, 44),
    Column.VENDOR: (90, 44),  # "Celantur v2"
    Column.EVENT: (120, 44),
    Column.VALIDATION: (90, 44),  # "Not checked"
    Column.FORWARD: (60, 40),
}


class RoomyColumn(QObject):
    """Keeps ``main`` at least ``main_min`` px wide while the elastic columns can shrink.

    ``elastic`` maps a column to ``(preferred, minimum)`` widths.
    """

    def __init__(
        self,
        view: QAbstractItemView,
        header: QHeaderView,
        main: int,
        elastic: dict[int, tuple[int, int]],
        main_min: int = 220,
    ) -> None:
        super().__init__(view)
        self.view = view
        self.header = header
        self.main = main
        self.main_min = main_min
        self.preferred = {column: wanted for column, (wanted, _) in elastic.items()}
        # Titles may be cut (the header's tooltips hold them), Path may not.
        self.minimum = {column: least for column, (_, least) in elastic.items()}
        self._fitting = False
        header.setSectionResizeMode(main, QHeaderView.ResizeMode.Stretch)
        header.sectionResized.connect(self._on_section_resized)
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def _on_section_resized(self, column: int, _old: int, new: int) -> None:
        # A drag by the user (not our own fitting) sets the column's preferred width.
        if not self._fitting and column in self.preferred:
            self.preferred[column] = new

    def set_preferred(self, column: int, width: int) -> None:
        if column in self.preferred:
            self.preferred[column] = max(self.minimum[column], width)
            self.fit()

    def fit(self) -> None:
        """Give the elastic columns their preferred widths, less when the main column
        would fall under its minimum (never under their own minimums)."""
        available = self.view.viewport().width()
        others = sum(
            self.header.sectionSize(c)
            for c in range(self.header.count())
            if c != self.main and c not in self.preferred and not self.header.isSectionHidden(c)
        )
        wanted = sum(self.preferred.values())
        least = sum(self.minimum.values())
        room = available - others - self.main_min
        if room >= wanted:
            widths = dict(self.preferred)
        else:
            # Shrink each elastic column in proportion to what it can give up.
            spare = max(0, room - least)
            give = max(1, wanted - least)
            widths = {
                c: self.minimum[c] + (self.preferred[c] - self.minimum[c]) * spare // give
                for c in self.preferred
            }
        self._fitting = True
        try:
            for column, width in widths.items():
                if self.header.sectionSize(column) != width:
                    self.header.resizeSection(column, width)
        finally:
            self._fitting = False


class _CutTextTips(QObject):
    def __init__(self, view: QAbstractItemView) -> None:
        super().__init__(view)
        self.view = view

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ToolTip:
            return False
        pos = event.pos()  # type: ignore[attr-defined]
        index = self.view.indexAt(pos)
        text = cut_text(self.view, index)
        if text:
            QToolTip.showText(event.globalPos(), text, self.view)  # type: ignore[attr-defined]
            return True
        return False


def cut_text(view: QAbstractItemView, index: QModelIndex) -> str:
    """The cell's text when it is cut off and the model gives no tooltip; else ""."""
    if not index.isValid() or index.data(Qt.ItemDataRole.ToolTipRole):
        return ""
    text = index.data(Qt.ItemDataRole.DisplayRole)
    if not isinstance(text, str) or not text:
        return ""
    rect = view.visualRect(index)
    needed = view.fontMetrics().horizontalAdvance(text) + CELL_PADDING
    if index.column() == 0 and hasattr(view, "indentation"):
        needed += view.indentation()  # a tree's first column also draws the branch
    return text if needed > rect.width() else ""


def tooltips_for_cut_text(view: QAbstractItemView) -> None:
    """Show the full text of a cut-off cell as its tooltip (cells with tooltips keep them),
    and each column's title as its header's tooltip (a narrow column cuts its title)."""
    view.viewport().installEventFilter(_CutTextTips(view))
    model = view.model()
    if model is None:
        return
    horizontal = Qt.Orientation.Horizontal
    for column in range(model.columnCount()):
        title = model.headerData(column, horizontal, Qt.ItemDataRole.DisplayRole)
        if title and not model.headerData(column, horizontal, Qt.ItemDataRole.ToolTipRole):
            model.setHeaderData(column, horizontal, title, Qt.ItemDataRole.ToolTipRole)


def capture_columns(table: QTableView) -> RoomyColumn:
    """The capture list's widths: fixed ones, elastic ones, and Path with the rest; titles
    left-aligned (a narrow column's title is cut at its end) with tooltips."""
    header = table.horizontalHeader()
    # The titles get a selection of their own, always empty: painting a title asks
    # whether its whole column is selected, row by row through the model, and with a
    # million rows selected (Ctrl+A) that took 25-30 s on the UI thread
    # (docs/performance.md). Rows are selected whole in this list: no column ever is.
    header.setSelectionModel(QItemSelectionModel(table.model(), header))
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    for column, width in CAPTURE_WIDTHS.items():
        table.setColumnWidth(column, width)
    # Numbers up to 9,999,999 whole: a million captures are kept (docs/performance.md).
    seven_digits = table.fontMetrics().horizontalAdvance("0000000") + CELL_PADDING
    table.setColumnWidth(Column.NUMBER, max(CAPTURE_WIDTHS[Column.NUMBER], seven_digits))
    tooltips_for_cut_text(table)
    return RoomyColumn(table, header, Column.PATH, dict(CAPTURE_ELASTIC))
