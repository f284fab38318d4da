"""The capture list as a Qt table model over the store, newest first.

The model holds only the ordered list of matching ``seq`` numbers; row data is fetched from
the store a page at a time when the view asks for it, and kept in a bounded cache, so a
history of 100,000 captures costs a list of ints, not 100,000 objects. Captures added
live arrive through the store's plain-Python ``added`` event and are inserted in batches
(one ``beginInsertRows`` per batch, at most every ``INSERT_INTERVAL_MS``), never by a reset.

A filter typed in the window is applied by :meth:`CaptureTableModel.request_filter`: the
store is searched in a worker thread, the rows change when the answer arrives, and a newer
request cancels an older one (its SQLite query is interrupted, its answer never shown).
"""

from __future__ import annotations

import bisect
import dataclasses
import enum
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPen, QPixmap

from inspector.core.capture import Capture, ResponseRecord
from inspector.core.store import CaptureFilter, CaptureStore
from inspector.core.vendors import vendor_title
from inspector.gui import workers
from inspector.gui.theme import colours

INSERT_INTERVAL_MS = 50
PAGE = 200
#: a requested filter shows this many newest matches first, then the rest
FIRST_ROWS = 500
CACHE_LIMIT = 5_000
#: more separate runs of deleted rows than this: one reset is cheaper than many removals
MAX_REMOVE_RUNS = 64
RAW_ROLE = Qt.ItemDataRole.UserRole + 1
CAPTURE_ID_ROLE = Qt.ItemDataRole.UserRole + 2


class Column(enum.IntEnum):
    """The capture table's columns, left to right."""

    NUMBER = 0
    TIME = 1
    VIA = 2
    METHOD = 3
    PATH = 4
    STATUS = 5
    VENDOR = 6
    EVENT = 7
    VALIDATION = 8
    FORWARD = 9
    SIZE = 10


#: The header titles, in :class:`Column` order.
COLUMNS = (
    "#",
    "Time",
    "Via",
    "Method",
    "Path",
    "Status",
    "Vendor",
    "Event",
    "Validation",
    "Forward",
    "Size",
)

_ModelIndex = QModelIndex | QPersistentModelIndex

#: Each validation result in words, in the table and in the Validation tab alike.
VALIDATION_TEXT = {
    "valid": "Valid",
    "invalid": "Invalid",
    "missing": "Missing",
    "unchecked": "Not checked",
}
#: the pin drawn in each theme's colours, by theme name
_pin_icons: dict[str, QIcon] = {}


def pin_icon() -> QIcon:
    """A pushpin drawn with QPainter, so it shows whatever fonts the system has (an emoji
    pin needs a colour-emoji font and rendered as an empty box without one)."""
    c = colours()
    if c.name not in _pin_icons:
        icon = QIcon()
        for size in (16, 32):
            pixmap = QPixmap(size, size)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.scale(size / 16, size / 16)
            painter.setPen(QPen(QColor(c.needle), 1.6, c=Qt.PenCapStyle.RoundCap))
            painter.drawLine(QPointF(8, 9), QPointF(8, 15))  # the needle
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(c.invalid))
            painter.drawRoundedRect(QRectF(5, 5, 6, 5), 1.5, 1.5)  # the body
            painter.drawEllipse(QRectF(3.5, 1, 9, 5))  # the head
            painter.end()
            icon.addPixmap(pixmap)
        _pin_icons[c.name] = icon
    return _pin_icons[c.name]


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


def light_copy(capture: Capture) -> Capture:
    """The capture without its bodies (what the list shows needs none of them)."""
    response = capture.response
    if response is not None and response.body:
        response = ResponseRecord(response.status, response.headers, b"")
    forward = capture.forward
    if forward is not None and forward.body:
        forward = dataclasses.replace(forward, body=b"")
    return dataclasses.replace(capture, body=None, response=response, forward=forward)


def forward_text(capture: Capture) -> str:
    fwd = capture.forward
    if fwd is None:
        return ""
    if fwd.error:
        return "error"
    return f"{fwd.status} · {fwd.latency_ms or 0:.0f} ms"


def event_text(capture: Capture) -> str:
    event = capture.event or {}
    parts = [str(event[k]) for k in ("event", "status") if event.get(k) not in (None, "")]
    return " · ".join(parts)


def _path_text(capture: Capture) -> str:
    # The pin is an icon beside the number (DecorationRole), so paths keep their room and
    # stay aligned.
    suffix = " ↻" if capture.source == "replay" else ""
    return capture.target + suffix


def via_tooltip(capture: Capture) -> str:
    """Where the request came from, in words."""
    sender = capture.remote_addr or "an unknown address"
    if capture.via == "tunnel":
        return f"Through the public tunnel, sent from {sender}"
    return f"Sent on this machine (not through the tunnel), from {sender}"


def _status_text(capture: Capture) -> str:
    status = str(capture.response.status) if capture.response else "-"
    return status + (" ✂" if capture.truncated else "")


#: What each column shows.
_CELL_TEXT: dict[int, Callable[[Capture], str]] = {
    Column.NUMBER: lambda c: str(c.seq),
    Column.TIME: lambda c: c.received_at.astimezone().strftime("%H:%M:%S.%f")[:-3],
    Column.VIA: lambda c: c.via,
    Column.METHOD: lambda c: c.method,
    Column.PATH: _path_text,
    Column.STATUS: _status_text,
    Column.VENDOR: lambda c: vendor_title(c.vendor) if c.vendor else "",
    Column.EVENT: event_text,
    Column.VALIDATION: lambda c: VALIDATION_TEXT.get(c.validation.result, c.validation.result),
    Column.FORWARD: forward_text,
    Column.SIZE: lambda c: human_size(c.body_size),
}
#: Each column's underlying value (``RAW_ROLE``), e.g. to sort by.
_CELL_VALUE: dict[int, Callable[[Capture], Any]] = {
    Column.NUMBER: lambda c: c.seq,
    Column.TIME: lambda c: c.seq,
    Column.VIA: lambda c: c.via,
    Column.METHOD: lambda c: c.method,
    Column.PATH: lambda c: c.target,
    Column.STATUS: lambda c: c.response.status if c.response else 0,
    Column.VENDOR: lambda c: c.vendor or "",
    Column.EVENT: event_text,
    Column.VALIDATION: lambda c: c.validation.result,
    Column.FORWARD: forward_text,
    Column.SIZE: lambda c: c.body_size,
}


def _status_colour(capture: Capture) -> QBrush | None:
    failed = capture.response is not None and capture.response.status >= 400
    return QBrush(QColor(colours().error)) if failed else None


def _validation_colour(capture: Capture) -> QBrush:
    return QBrush(QColor(colours().validation(capture.validation.result)))


def _forward_colour(capture: Capture) -> QBrush | None:
    fwd = capture.forward
    failed = fwd is not None and bool(fwd.error or (fwd.status or 0) >= 400)
    return QBrush(QColor(colours().error)) if failed else None


def _forward_tooltip(capture: Capture) -> str | None:
    fwd = capture.forward
    return None if fwd is None else f"{fwd.url}: {fwd.error or fwd.status}"


#: Text colours: failed answers and forwards in red, validation results in their colour.
_CELL_COLOUR: dict[int, Callable[[Capture], QBrush | None]] = {
    Column.STATUS: _status_colour,
    Column.VALIDATION: _validation_colour,
    Column.FORWARD: _forward_colour,
}
_CELL_TOOLTIP: dict[int, Callable[[Capture], str | None]] = {
    Column.NUMBER: lambda c: (
        f"#{c.seq}, pinned: kept when the store's size cap removes the oldest"
        if c.pinned
        else f"#{c.seq}"
    ),
    Column.VIA: via_tooltip,
    Column.PATH: lambda c: c.target,
    Column.VALIDATION: lambda c: c.validation.detail or None,
    Column.FORWARD: _forward_tooltip,
}
#: Numbers are right-aligned.
_NUMBER_COLUMNS = frozenset({Column.NUMBER, Column.STATUS, Column.SIZE})
_RIGHT_ALIGNED = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class CaptureTableModel(QAbstractTableModel):
    """Rows are captures (newest first); columns are :class:`Column`."""

    #: emitted after live rows were inserted at the top, with their count
    rows_arrived = Signal(int)
    #: emitted when the total count in the store or the shown count changed
    counts_changed = Signal()
    #: emitted when the first rows of a requested filter are shown, and when all of them
    #: are (see :meth:`request_filter`)
    filter_applied = Signal()
    filter_completed = Signal()

    def __init__(self, store: CaptureStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._filter = CaptureFilter()
        self._seqs: list[int] = store.seqs()
        self._cache: dict[int, Capture] = {}
        self._pending: list[Capture] = []
        self.total = len(self._seqs)
        #: the search in flight (request_filter): its cancel flag, its filter, and the seqs
        #: of the captures that arrived meanwhile and match it
        self._search: _Search | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(INSERT_INTERVAL_MS)
        self._timer.timeout.connect(self._flush_pending)
        self._disconnect_added = store.added.connect(self._on_store_added)
        self._disconnect_updated = store.updated.connect(self._on_store_updated)
        self._disconnect_removed = store.removed.connect(self._on_store_removed)

    def detach(self) -> None:
        """Stop following the store (before the store closes)."""
        if self._search is not None:
            self._search.cancelled.set()
        self._disconnect_added()
        self._disconnect_updated()
        self._disconnect_removed()
        self._timer.stop()

    # -- Qt model API -------------------------------------------------------------------
    def rowCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._seqs)

    def columnCount(self, parent: _ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)
            and 0 <= section < len(COLUMNS)
        ):
            return COLUMNS[section]  # the title is its tooltip too: a narrow column cuts it
        return None

    def data(self, index: _ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not (0 <= index.row() < len(self._seqs)):
            return None
        capture = self.capture_at(index.row())
        if capture is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return _CELL_TEXT[col](capture)
        if role == Qt.ItemDataRole.ForegroundRole:
            colour = _CELL_COLOUR.get(col)
            return colour(capture) if colour is not None else None
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = _CELL_TOOLTIP.get(col)
            return tip(capture) if tip is not None else None
        if role == Qt.ItemDataRole.DecorationRole:
            return pin_icon() if col == Column.NUMBER and capture.pinned else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT_ALIGNED if col in _NUMBER_COLUMNS else None
        if role == RAW_ROLE:
            return _CELL_VALUE[col](capture)
        if role == CAPTURE_ID_ROLE:
            return capture.id
        return None

    # -- access -------------------------------------------------------------------------
    def seq_at(self, row: int) -> int:
        return self._seqs[len(self._seqs) - 1 - row]

    def seqs_in(self, spans: list[tuple[int, int]]) -> list[int]:
        """The seqs of the rows in ``spans`` ((first, last) rows, as from
        ``selection.selected_spans``), a slice of the list each."""
        n = len(self._seqs)
        out: list[int] = []
        for first, last in spans:
            out += self._seqs[max(n - 1 - last, 0) : n - first]
        return out

    def row_of_seq(self, seq: int) -> int | None:
        i = bisect.bisect_left(self._seqs, seq)
        if i < len(self._seqs) and self._seqs[i] == seq:
            return len(self._seqs) - 1 - i
        return None

    def capture_at(self, row: int) -> Capture | None:
        seq = self.seq_at(row)
        capture = self._cache.get(seq)
        if capture is None:
            self._load_page(row)
            capture = self._cache.get(seq)
        return capture

    def _load_page(self, row: int) -> None:
        if len(self._cache) > CACHE_LIMIT:
            self._cache.clear()
        start = max(0, row - PAGE // 2)
        end = min(len(self._seqs), start + PAGE)
        wanted = [self.seq_at(r) for r in range(start, end) if self.seq_at(r) not in self._cache]
        self._cache.update(self._store.summaries(wanted))

    @property
    def filter(self) -> CaptureFilter:
        return self._filter

    def set_filter(self, flt: CaptureFilter) -> None:
        """Show only matching captures, searched on this thread (see
        :meth:`request_filter` for the window's way)."""
        if self._search is not None:
            self._search.cancelled.set()
            self._search = None
        self._flush_pending()
        self._show(flt, self._store.seqs(flt))

    def _show(self, flt: CaptureFilter, seqs: list[int]) -> None:
        self.beginResetModel()
        self._filter = flt
        self._seqs = seqs
        self.endResetModel()
        self.counts_changed.emit()

    @property
    def searching(self) -> bool:
        """A requested filter's search is still running."""
        return self._search is not None

    def request_filter(self, flt: CaptureFilter, then: Callable[[], None] | None = None) -> None:
        """Show only matching captures, searched in worker threads: the UI never waits.

        First the newest :data:`FIRST_ROWS` matches are looked up and shown (then
        ``filter_applied``), which takes a search of a word found in every other capture
        no longer than one of a rare word; then every older match, added below them
        without a reset, so scrolling and selection stay (then ``filter_completed``).
        ``then()`` after each. A newer request cancels this one: its answers are never
        shown."""
        if self._search is not None:
            self._search.cancelled.set()
        search = self._search = _Search(flt)
        store = self._store

        def first(report: workers.Progress) -> list[int] | None:
            return store.search_seqs(flt, search.cancelled.is_set, newest=FIRST_ROWS)

        def rest(report: workers.Progress) -> list[int] | None:
            return store.search_seqs(flt, search.cancelled.is_set)

        def first_done(seqs: list[int] | None) -> None:
            if self._search is not search or seqs is None:
                return  # a newer request took over
            self._flush_pending()
            complete = len(seqs) < FIRST_ROWS
            # Captures that arrived while the search ran, after the last one it saw.
            last = seqs[-1] if seqs else 0
            seqs.extend(s for s in sorted(set(search.arrived)) if s > last)
            self._show(flt, seqs)
            self.filter_applied.emit()
            if then is not None:
                then()
            if complete:
                finished()  # that was all of them
            else:
                workers.submit(rest, rest_done, failed)

        def rest_done(seqs: list[int] | None) -> None:
            if self._search is not search or seqs is None:
                return
            shown = self._seqs
            older = [s for s in seqs if s < shown[0]] if shown else seqs
            if older:
                n = len(shown)
                self.beginInsertRows(QModelIndex(), n, n + len(older) - 1)
                shown[0:0] = older
                self.endInsertRows()
                self.counts_changed.emit()
            if then is not None:
                then()
            finished()

        def finished() -> None:
            self._search = None
            self.counts_changed.emit()  # no longer "searching"
            self.filter_completed.emit()

        def failed(exc: BaseException) -> None:
            if self._search is search:
                self._search = None

        workers.submit(first, first_done, failed)

    # -- live updates -------------------------------------------------------------------
    def _on_store_added(self, captures: list[Capture]) -> None:
        search = self._search
        if search is not None:  # tested now, while the bodies are at hand
            search.arrived.extend(c.seq for c in captures if search.flt.matches(c))
        self._pending.extend(captures)
        self.total += len(captures)
        if not self._timer.isActive():
            self._timer.start()

    def _flush_pending(self) -> None:
        pending, self._pending = self._pending, []
        fresh = [
            c
            for c in pending
            if self._filter.matches(c) and (not self._seqs or c.seq > self._seqs[-1])
        ]
        if fresh:
            fresh.sort(key=lambda c: c.seq)
            self.beginInsertRows(QModelIndex(), 0, len(fresh) - 1)
            for c in fresh:
                self._seqs.append(c.seq)
                # The list needs no body: keep a light copy, the writer's may hold MiBs.
                self._cache[c.seq] = light_copy(c)
            self.endInsertRows()
            self.rows_arrived.emit(len(fresh))
            if len(self._cache) > CACHE_LIMIT:
                self._trim_cache()
        if pending:
            self.counts_changed.emit()

    def _trim_cache(self) -> None:
        # Keep the newest half: the oldest are read again from the store if scrolled to.
        # Every cached capture is a handful of objects the garbage collector walks on each
        # full collection, a pause the user feels (docs/performance.md, smaller measurements).
        drop = sorted(self._cache)[: len(self._cache) - CACHE_LIMIT // 2]
        for seq in drop:
            del self._cache[seq]

    def _on_store_updated(self, capture: Capture) -> None:
        # An update may overtake the batched insert of the same capture (a fast forward).
        self._pending = [capture if p.seq == capture.seq else p for p in self._pending]
        row = self.row_of_seq(capture.seq)
        if capture.seq in self._cache:
            self._cache[capture.seq] = light_copy(capture)
        if row is not None:
            self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def _on_store_removed(self, ids: list[str]) -> None:
        """Take the rows of deleted captures out; the others keep selection and scroll.

        Which rows went is worked out in a worker (a search of the list's filter, compared
        with the rows shown), so that deleting from a history of a million, by the size
        cap or from the window, never holds up the UI."""
        if not ids:
            return
        gone_ids = set(ids)
        self._pending = [c for c in self._pending if c.id not in gone_ids]
        flt = self._filter
        shown = list(self._seqs)
        store = self._store

        def work(report: workers.Progress) -> tuple[list[int], int] | None:
            still = store.search_seqs(flt, lambda: False)
            if still is None:
                return None
            kept = set(still)
            top = shown[-1] if shown else 0
            # Seqs above the newest row belong to captures still waiting in _pending.
            return [s for s in shown if s not in kept and s <= top], store.count()

        def done(outcome: tuple[list[int], int] | None) -> None:
            if outcome is None or self._filter is not flt:
                return  # the list was searched again meanwhile, after the deletion
            gone, self.total = outcome
            self._take_out(gone)
            self.counts_changed.emit()

        workers.submit(work, done)

    def _take_out(self, gone: list[int]) -> None:
        """Remove the rows of these seqs (ascending) that are still shown."""
        seqs = self._seqs
        rows = []
        for s in gone:  # by bisection: a million rows are not walked on this thread
            i = bisect.bisect_left(seqs, s)
            if i < len(seqs) and seqs[i] == s:
                rows.append(i)
        for s in gone:
            self._cache.pop(s, None)
        runs = _runs(rows)
        if len(runs) > MAX_REMOVE_RUNS:
            dropped = set(gone)
            self.beginResetModel()
            self._seqs = [s for s in self._seqs if s not in dropped]
            self.endResetModel()
            return
        # Rows show _seqs reversed (newest first); remove each run of adjacent rows, from
        # the end of _seqs down so earlier removals do not shift later ones.
        for first, last in reversed(runs):
            n = len(self._seqs)
            self.beginRemoveRows(QModelIndex(), n - 1 - last, n - 1 - first)
            del self._seqs[first : last + 1]
            self.endRemoveRows()


class _Search:
    """A search requested of the store: its filter, its cancel flag, and the seqs of
    matching captures that arrived while it ran."""

    def __init__(self, flt: CaptureFilter) -> None:
        self.flt = flt
        self.cancelled = threading.Event()
        self.arrived: list[int] = []


def _runs(sorted_values: list[int]) -> list[tuple[int, int]]:
    """``[1, 2, 3, 7, 8]`` -> ``[(1, 3), (7, 8)]``."""
    runs: list[tuple[int, int]] = []
    for v in sorted_values:
        if runs and v == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], v)
        else:
            runs.append((v, v))
    return runs
