"""The Traffic dock: requests per minute over the last hour, stacked by vendor, with the
minutes that had failed validations (invalid or missing) and non-2xx answers marked.

Drawn with QPainter in one small widget (docs/decisions.md, "Tray, notifications, traffic
(issue 14)": QtCharts would add PySide6-Addons). The numbers are a
:class:`~inspector.core.traffic.TrafficBuckets`, loaded once from the store's aggregate in a
worker thread and then counted from live captures; the widget repaints at most once a
second, and only while it is visible.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from inspector.core.capture import Capture, utc_now
from inspector.core.store import CaptureStore
from inspector.core.traffic import OTHER, TrafficBuckets, TrafficRow, minute_of
from inspector.gui import workers
from inspector.gui.theme import colours as theme_colours
from inspector.gui.widgets import show_tooltip_at

REPAINT_MS = 1000
#: Vendor colours, in order of traffic; "other" is always grey.
#: Pixels: the right margin, and the height of each marker strip under the bars.
RIGHT, STRIP = 10, 7


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (at least 5)."""
    step = 1
    while True:
        for m in (1, 2, 5):
            if m * step >= max(value, 5):
                return m * step
        step *= 10


class TrafficChart(QWidget):
    """The chart itself; :attr:`buckets` holds its numbers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("traffic-chart")
        self.buckets = TrafficBuckets()
        self.now = utc_now
        self.setMinimumSize(300, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._painted_generation = -1
        self._painted_minute: datetime | None = None
        #: paints so far and the seconds they took (bench/gui_ingest.py --chart reports them)
        self.paint_count = 0
        self.paint_seconds = 0.0

    def colours(self, vendors: list[str]) -> dict[str, QColor]:
        """Each vendor's colour, in the order of :meth:`TrafficBuckets.vendors`."""
        ranked = [v for v in vendors if v != OTHER]
        c = theme_colours()
        series = c.chart_series
        out = {v: QColor(series[i % len(series)]) for i, v in enumerate(ranked)}
        out[OTHER] = QColor(c.chart_other)
        return out

    def needs_repaint(self) -> bool:
        return (
            self.buckets.generation != self._painted_generation
            or minute_of(self.now()) != self._painted_minute
        )

    def summary_text(self) -> str:
        """One line under the title: totals of the hour."""
        totals = self.buckets.totals(self.now())
        return (
            f"Last hour: {totals.total:,} requests · {totals.failed:,} failed validation · "
            f"{totals.non_2xx:,} non-2xx"
        )

    # -- geometry --------------------------------------------------------------------------------
    def _plot_rect(self) -> QRectF:
        # Room for the values on the left, two legend lines above, and under the bars the
        # two marker strips and the times.
        fm = QFontMetrics(self.font())
        left = fm.horizontalAdvance("10,000/min") + 8
        top = 3 * fm.height() + 14 + fm.height() // 2 + 4
        bottom = 2 * STRIP + 6 + fm.height() + 4
        return QRectF(left, top, self.width() - left - RIGHT, self.height() - top - bottom)

    def minute_at(self, x: float) -> datetime | None:
        plot = self._plot_rect()
        if not plot.left() <= x < plot.right():
            return None
        minutes = self.buckets.window(self.now())
        index = int((x - plot.left()) / plot.width() * len(minutes))
        return minutes[min(index, len(minutes) - 1)]

    # -- painting ----------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        started = time.perf_counter()
        self._paint()
        self.paint_seconds += time.perf_counter() - started

    def _paint(self) -> None:
        now = self.now()
        self.buckets.trim(now)
        self._painted_generation = self.buckets.generation
        self._painted_minute = minute_of(now)
        self.paint_count += 1
        minutes = self.buckets.window(now)
        per_minute = [self.buckets.at(m) for m in minutes]
        peak = max((sum(c.total for c in pm.values()) for pm in per_minute), default=0)
        scale = nice_ceiling(peak)
        plot = self._plot_rect()
        fm = QFontMetrics(self.font())
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().base())
        text_pen = QPen(self.palette().text().color())
        # The hour's totals (drawn here, not in a label: a label's new text would lay the
        # window out again every second), each vendor in its colour, what the strips mean.
        p.setPen(text_pen)
        line = fm.height() + 4
        p.drawText(QPointF(4, 4 + fm.ascent()), self.summary_text())
        order = self.buckets.vendors()
        theme = theme_colours()
        colours = self.colours(order)
        self._legend(p, fm, [(v, colours[v]) for v in order], 4 + line)
        self._legend(
            p,
            fm,
            [
                ("failed validation", QColor(theme.invalid)),
                ("non-2xx answer", QColor(theme.missing)),
                ("(strips under the bars)", None),
            ],
            4 + 2 * line,
        )
        # Grid lines and their values (requests per minute).
        left_margin = plot.left()
        for fraction in (0.0, 0.5, 1.0):
            y = plot.bottom() - fraction * plot.height()
            p.setPen(QPen(QColor(theme.grid)))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(text_pen)
            value = scale * fraction  # 2.5 on a scale of 5: not rounded to a wrong 2
            digits = 0 if value.is_integer() else 1
            label = f"{value:,.{digits}f}" + ("/min" if fraction == 1.0 else "")
            p.drawText(
                QRectF(0, y - fm.height() / 2, left_margin - 6, fm.height()),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                label,
            )
        # Stacked bars, one per minute, and the two marker strips under the axis.
        slot = plot.width() / len(minutes)
        bar = max(1.0, slot - (2 if slot > 4 else 0))
        failed_y = plot.bottom() + 4
        non_2xx_y = failed_y + STRIP + 2
        failed_colour, non_2xx_colour = QColor(theme.invalid), QColor(theme.missing)
        for i, counts in enumerate(per_minute):
            left = plot.left() + i * slot
            y = plot.bottom()
            failed = non_2xx = 0
            for vendor in order:
                c = counts.get(vendor)
                if c is None:
                    continue
                height = c.total / scale * plot.height()
                p.fillRect(QRectF(left, y - height, bar, height), colours[vendor])
                y -= height
                failed += c.failed
                non_2xx += c.non_2xx
            if failed:
                p.fillRect(QRectF(left, failed_y, bar, STRIP), failed_colour)
            if non_2xx:
                p.fillRect(QRectF(left, non_2xx_y, bar, STRIP), non_2xx_colour)
        # Times under the strips.
        p.setPen(text_pen)
        label_y = non_2xx_y + STRIP + 2 + fm.ascent()
        now_text = "now"
        now_x = plot.right() - fm.horizontalAdvance(now_text)
        for i in range(0, len(minutes), 15):
            text = minutes[i].astimezone().strftime("%H:%M")
            x = plot.left() + i * slot
            if x + fm.horizontalAdvance(text + " ") <= now_x:  # not over "now" (a narrow dock)
                p.drawText(QPointF(x, label_y), text)
        p.drawText(QPointF(now_x, label_y), now_text)
        p.end()

    def _legend(
        self, p: QPainter, fm: QFontMetrics, items: list[tuple[str, QColor | None]], top: float
    ) -> None:
        """One line of legend entries (a colour square, then the name) from the left."""
        x = 4.0
        for name, colour in items:
            width = fm.horizontalAdvance(name) + (16 if colour is not None else 0)
            if x + width > self.width() - RIGHT:
                break
            if colour is not None:
                p.fillRect(QRectF(x, top + (fm.height() - 10) / 2, 10, 10), colour)
                x += 14
            p.drawText(QPointF(x, top + fm.ascent()), name)
            x += fm.horizontalAdvance(name) + 12

    # -- tooltips ----------------------------------------------------------------------------------
    def tooltip_at(self, x: float) -> str:
        """What the minute under ``x`` holds, by vendor ("" outside the plot)."""
        minute = self.minute_at(x)
        if minute is None:
            return ""
        counts = self.buckets.at(minute)
        when = minute.astimezone().strftime("%H:%M")
        if not counts:
            return f"{when}: no requests"
        lines = [f"{when}: {sum(c.total for c in counts.values()):,} requests"]
        for vendor in self.buckets.vendors():
            c = counts.get(vendor)
            if c is not None:
                lines.append(
                    f"  {vendor}: {c.total:,}"
                    + (f", {c.failed:,} failed validation" if c.failed else "")
                    + (f", {c.non_2xx:,} non-2xx" if c.non_2xx else "")
                )
        return "\n".join(lines)

    def event(self, event: QEvent) -> bool:
        return show_tooltip_at(self, event, self.tooltip_at) or super().event(event)


class TrafficPanel(QWidget):
    """The chart, loaded from the store and following its live captures."""

    def __init__(self, store: CaptureStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chart = TrafficChart(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.chart, 1)
        self.loaded = False
        # Subscribe first, then take the seq the aggregate stops at: a live capture is
        # counted by exactly one of the two.
        self._unsubscribe = store.added.connect(self._on_added)
        self._loaded_up_to = store.max_seq()
        since = minute_of(utc_now()) - timedelta(minutes=self.chart.buckets.minutes - 1)
        until = since + timedelta(minutes=self.chart.buckets.minutes)
        up_to = self._loaded_up_to
        workers.submit(lambda _report: store.traffic_since(since, until, up_to), self._on_loaded)
        self._timer = QTimer(self)
        self._timer.setInterval(REPAINT_MS)
        self._timer.timeout.connect(self.repaint_if_changed)
        self._timer.start()
        self.repaint_if_changed()

    def detach(self) -> None:
        self._unsubscribe()
        self._timer.stop()

    def _on_added(self, captures: list[Capture]) -> None:
        up_to = self._loaded_up_to
        if captures and captures[0].seq <= up_to:
            captures = [c for c in captures if c.seq > up_to]
        self.chart.buckets.add(captures)

    def _on_loaded(self, rows: list[TrafficRow]) -> None:
        self.chart.buckets.load(rows)
        self.loaded = True
        self.repaint_if_changed()

    def repaint_if_changed(self) -> None:
        """Once a second: redraw when counts changed or a minute passed, if visible."""
        if self.isVisible() and self.chart.needs_repaint():
            self.chart.update()


def add_traffic_dock(
    window: QMainWindow, store: CaptureStore, beside: QDockWidget
) -> tuple[TrafficPanel, QDockWidget]:
    """The Traffic panel and its dock, tabbed with ``beside`` (the dock's toggleViewAction()
    shows it). Call ``panel.detach()`` before the store closes."""
    panel = TrafficPanel(store)
    dock = QDockWidget("Traffic", window)
    dock.setObjectName("traffic-dock")
    dock.setWidget(panel)
    dock.setFeatures(beside.features())
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.tabifyDockWidget(beside, dock)
    # Chosen from the menu, the dock comes to the front of its tab group, not behind a tab.
    dock.toggleViewAction().triggered.connect(lambda checked: dock.raise_() if checked else None)
    return panel, dock
