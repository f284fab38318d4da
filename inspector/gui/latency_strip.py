"""A task's timeline as a picture: each callback a dot at its latency since submission, in
its validation's colour, on a seconds axis (the Tasks view shows it for the selected task).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from inspector.core.tasks import TimelineEntry
from inspector.core.words import plural
from inspector.gui.theme import colours
from inspector.gui.widgets import show_tooltip_at

RADIUS = 5
MARGIN = 12
EMPTY_TEXT = "Select a task to see its callbacks' latencies"


def seconds_text(seconds: float) -> str:
    # A callback stamped a hair before its submission (clocks of two processes) reads +0.0.
    seconds = max(seconds, 0.0)
    if seconds < 120:
        return f"+{seconds:.1f} s"
    return f"+{seconds / 60:.1f} min"


class LatencyStrip(QWidget):
    """Dots for the callbacks of one task (entries after the first, "submitted")."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("latency-strip")
        self.entries: list[TimelineEntry] = []
        fm = QFontMetrics(self.font())
        self.setFixedHeight(2 * fm.height() + 3 * RADIUS + 8)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_entries(self, entries: list[TimelineEntry]) -> None:
        """Show a task's timeline (:func:`inspector.core.tasks.timeline`); [] clears."""
        self.entries = entries[1:] if entries else []
        self.update()

    def span(self) -> float:
        """The axis's length in seconds: the latest callback's latency, with room."""
        latest = max((e.seconds for e in self.entries), default=0.0)
        return max(1.0, latest * 1.1)

    def x_of(self, seconds: float) -> float:
        width = self.width() - 2 * MARGIN
        return MARGIN + max(0.0, seconds) / self.span() * width

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fm = QFontMetrics(self.font())
        text = self.palette().text().color()
        axis_y = fm.height() + 2 * RADIUS
        if not self.entries:
            p.setPen(QPen(text))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, EMPTY_TEXT)
            p.end()
            return
        p.setPen(QPen(QColor(colours().grid)))
        p.drawLine(QPointF(MARGIN, axis_y), QPointF(self.width() - MARGIN, axis_y))
        for entry in self.entries:
            colour = QColor(colours().validation(entry.validation or ""))
            p.setBrush(colour)
            p.setPen(Qt.PenStyle.NoPen)
            p.drawEllipse(QPointF(self.x_of(entry.seconds), axis_y), RADIUS, RADIUS)
        p.setPen(QPen(text))
        p.drawText(QPointF(MARGIN, fm.ascent()), "callbacks since submission")
        bottom = axis_y + RADIUS + 4
        p.drawText(QRectF(MARGIN, bottom, 100, fm.height()), "+0 s")
        end = seconds_text(self.span())
        p.drawText(
            QRectF(self.width() - MARGIN - 100, bottom, 100, fm.height()),
            Qt.AlignmentFlag.AlignRight,
            end,
        )
        last = self.entries[-1]
        p.drawText(
            QRectF(MARGIN + 100, bottom, self.width() - 2 * MARGIN - 200, fm.height()),
            Qt.AlignmentFlag.AlignHCenter,
            f"{plural(len(self.entries), 'callback')}, last {seconds_text(last.seconds)}",
        )
        p.end()

    def tooltip_at(self, x: float) -> str:
        """The callbacks whose dot is under ``x``, one line each ("" when none)."""
        near = [e for e in self.entries if abs(self.x_of(e.seconds) - x) <= RADIUS + 1]
        return "\n".join(
            f"{seconds_text(e.seconds)}  {e.label}" + (f" [{e.validation}]" if e.validation else "")
            for e in near
        )

    def event(self, event: QEvent) -> bool:
        return show_tooltip_at(self, event, self.tooltip_at) or super().event(event)
