"""Requests per minute over the last hour, by vendor: what the traffic chart draws.

:class:`TrafficBuckets` is loaded once from the store's aggregate
(:meth:`~inspector.core.store.CaptureStore.traffic_since`) and then kept up to date from live
captures, one cheap :meth:`~TrafficBuckets.add` each, so that the chart never re-reads the
store while webhooks arrive. Minutes older than the window are dropped as time passes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from inspector.core.capture import Capture

#: How many minutes the chart shows.
WINDOW_MINUTES = 60
#: The vendor of a capture no vendor profile recognised.
OTHER = "other"
#: Validation outcomes counted as failed.
FAILED_VALIDATIONS = frozenset({"invalid", "missing"})


@dataclass(slots=True)
class Counts:
    """One minute's captures of one vendor."""

    total: int = 0
    #: validation invalid or missing
    failed: int = 0
    #: answered with a status of 300 or more
    non_2xx: int = 0

    def add(self, other: Counts) -> None:
        self.total += other.total
        self.failed += other.failed
        self.non_2xx += other.non_2xx


@dataclass(frozen=True, slots=True)
class TrafficRow:
    """One row of the store's aggregate: a minute (UTC, seconds zero), a vendor, counts."""

    minute: datetime
    vendor: str
    total: int
    failed: int
    non_2xx: int


def minute_of(at: datetime) -> datetime:
    """The UTC minute ``at`` falls in."""
    if at.tzinfo is not UTC:  # captures' times are UTC already: no conversion
        at = at.astimezone(UTC)
    return at.replace(second=0, microsecond=0)


def failed(capture: Capture) -> bool:
    return capture.validation.result in FAILED_VALIDATIONS


def non_2xx(capture: Capture) -> bool:
    return capture.response is not None and capture.response.status >= 300


@dataclass
class TrafficBuckets:
    """Counts per (minute, vendor) for the last :data:`WINDOW_MINUTES` minutes."""

    minutes: int = WINDOW_MINUTES
    _buckets: dict[datetime, dict[str, Counts]] = field(default_factory=dict)
    #: bumped on every change: the chart repaints only when it moved
    generation: int = 0

    def load(self, rows: Iterable[TrafficRow]) -> None:
        """Add the store's aggregate rows (e.g. at start-up, before live captures)."""
        for row in rows:
            counts = self._counts(row.minute, row.vendor or OTHER)
            counts.add(Counts(row.total, row.failed, row.non_2xx))
        self.generation += 1

    def add(self, captures: Iterable[Capture]) -> None:
        """Count live captures (the store's ``added`` event)."""
        # Live captures arrive in time order: most share the previous one's minute, which
        # a comparison tells without building a datetime.
        start = end = None
        minute = None
        for capture in captures:
            at = capture.received_at
            if start is None or end is None or not start <= at < end:
                minute = start = minute_of(at)
                end = start + timedelta(minutes=1)
            assert minute is not None
            counts = self._counts(minute, capture.vendor or OTHER)
            counts.total += 1
            if capture.validation.result in FAILED_VALIDATIONS:
                counts.failed += 1
            response = capture.response
            if response is not None and response.status >= 300:
                counts.non_2xx += 1
        self.generation += 1

    def _counts(self, minute: datetime, vendor: str) -> Counts:
        per_vendor = self._buckets.get(minute)
        if per_vendor is None:
            per_vendor = self._buckets[minute] = {}
        counts = per_vendor.get(vendor)
        if counts is None:
            counts = per_vendor[vendor] = Counts()
        return counts

    def window(self, now: datetime) -> list[datetime]:
        """The minutes shown at ``now``, oldest first; the last is the current minute."""
        last = minute_of(now)
        return [last - timedelta(minutes=i) for i in range(self.minutes - 1, -1, -1)]

    def trim(self, now: datetime) -> None:
        """Forget minutes that left the window."""
        first = minute_of(now) - timedelta(minutes=self.minutes - 1)
        for minute in [m for m in self._buckets if m < first]:
            del self._buckets[minute]

    def at(self, minute: datetime) -> dict[str, Counts]:
        """The counts of one minute by vendor (empty when nothing arrived)."""
        return self._buckets.get(minute, {})

    def vendors(self) -> list[str]:
        """Every vendor in the window, most requests first (ties by name)."""
        totals: dict[str, int] = {}
        for per_vendor in self._buckets.values():
            for vendor, counts in per_vendor.items():
                totals[vendor] = totals.get(vendor, 0) + counts.total
        return sorted(totals, key=lambda v: (-totals[v], v))

    def totals(self, now: datetime) -> Counts:
        """Everything in the window."""
        out = Counts()
        for minute in self.window(now):
            for counts in self.at(minute).values():
                out.add(counts)
        return out
