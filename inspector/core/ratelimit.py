"""Per-sender rate limiting for the public URL: a token bucket per sender.

Requests through the tunnel all come from the local agent; their sender is the address
the agent appended to ``X-Forwarded-For`` (see :mod:`inspector.core.origin`), never an
address the sender wrote there itself. Local requests (the user's own curl, replays,
benchmarks) are not limited. A request over the limit is answered ``429`` with
``Retry-After`` and not stored: a flood must not fill the disk, and a ``429``
acknowledges nothing, so nothing acknowledged is lost.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from inspector.core.origin import is_loopback


def limit_key(via: str, peer: str, sender: str) -> str | None:
    """The bucket a request counts against, or ``None`` when it is not limited.

    Tunnelled: its sender (the agent's last ``X-Forwarded-For`` entry). Local: not
    limited when the peer is on this machine; a peer elsewhere (a listener bound to
    another interface) is its own sender. An IPv6 sender counts by its /64 network, the
    block one site gets: otherwise one host could take a new bucket per address.
    """
    if via != "tunnel":
        if not peer or is_loopback(peer):
            return None
        sender = peer
    if ":" in sender and not sender.startswith("::ffff:"):
        try:
            network = ipaddress.IPv6Network(f"{sender.split('%', 1)[0]}/64", strict=False)
        except ValueError:
            return sender
        return str(network)
    return sender


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float


class RateLimiter:
    """``rate`` requests per second per source, with bursts up to ``burst``.

    ``rate <= 0`` turns limiting off. Memory stays bounded under a flood of distinct
    senders: at most :attr:`MAX_SOURCES` buckets (idle full ones are dropped first, then
    the stalest half) and as many per-source refusal counts.
    """

    MAX_SOURCES = 10_000

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}
        #: requests refused since start, per source (the most recent MAX_SOURCES sources)
        self.refused: dict[str, int] = {}
        #: requests refused since start, all sources
        self.refused_total = 0

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    @property
    def sources(self) -> int:
        """Senders with a bucket now (bounded by :attr:`MAX_SOURCES`)."""
        return len(self._buckets)

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
        self.refused_total += 1
        refused = self.refused
        count = refused.pop(source, 0) + 1
        if len(refused) >= self.MAX_SOURCES:  # forget the source refused longest ago
            del refused[next(iter(refused))]
        refused[source] = count
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
