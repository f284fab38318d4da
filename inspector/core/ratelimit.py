"""Per-source rate limiting for the public URL: a token bucket per sender.

Requests through the tunnel all come from the local ngrok agent, so the source is the
first address in ``X-Forwarded-For`` when the peer is on loopback, else the peer itself;
local requests without that header (the user's own curl, replays) are not limited.
A request over the limit is answered ``429`` with ``Retry-After`` and not stored: a flood
must not fill the disk, and a ``429`` acknowledges nothing, so nothing acknowledged is lost.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

LOOPBACK = ("127.", "::1", "::ffff:127.")


def request_source(remote: str, forwarded_for: str | None) -> str | None:
    """Who sent a request: the forwarded client for tunnelled traffic, else the peer.

    ``None`` for local traffic (a loopback peer with no ``X-Forwarded-For``): the user's
    own tools, replays and benchmarks are not the public and are never limited.
    """
    if remote.startswith(LOOPBACK):
        first = (forwarded_for or "").split(",", 1)[0].strip()
        return first or None
    return remote


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """``rate`` requests per second per source, with bursts up to ``burst``.

    ``rate <= 0`` turns limiting off. Memory stays bounded: idle full buckets are dropped.
    """

    MAX_SOURCES = 10_000

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        #: requests refused since start, per source (for the status bar)
        self.refused: dict[str, int] = {}

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    @property
    def refused_total(self) -> int:
        return sum(self.refused.values())

    def check(self, source: str) -> float:
        """0 when the request may go on, else the seconds to wait (for ``Retry-After``)."""
        if not self.enabled:
            return 0.0
        now = self.clock()
        bucket = self._buckets.get(source)
        if bucket is None:
            if len(self._buckets) >= self.MAX_SOURCES:
                self._prune(now)
            bucket = self._buckets[source] = _Bucket(float(self.burst), now)
        else:
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
            bucket.stamp = now
        if bucket.tokens >= 1.0 - 1e-9:  # float refills land a hair under 1
            bucket.tokens -= 1.0
            return 0.0
        self.refused[source] = self.refused.get(source, 0) + 1
        return (1.0 - bucket.tokens) / self.rate

    def _prune(self, now: float) -> None:
        full_after = self.burst / self.rate
        for key in [k for k, b in self._buckets.items() if now - b.stamp >= full_after]:
            del self._buckets[key]
        if len(self._buckets) >= self.MAX_SOURCES:  # still full: forget the stalest half
            stale = sorted(self._buckets, key=lambda k: self._buckets[k].stamp)
            for key in stale[: len(stale) // 2]:
                del self._buckets[key]


def retry_after_header(wait_s: float) -> str:
    return str(max(1, math.ceil(wait_s)))
