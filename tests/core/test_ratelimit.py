"""The per-source token bucket, with an injected clock."""

from __future__ import annotations

from inspector.core.ratelimit import RateLimiter, request_source, retry_after_header


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_rate() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=10, burst=3, clock=clock)
    assert [limiter.check("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.check("a")
    assert 0 < wait <= 0.1
    assert retry_after_header(wait) == "1"
    assert limiter.check("b") == 0.0  # another source has its own bucket
    clock.now += 0.1
    assert limiter.check("a") == 0.0
    assert limiter.refused == {"a": 1} and limiter.refused_total == 1


def test_disabled_and_source_rules() -> None:
    off = RateLimiter(rate=0, burst=1)
    assert not off.enabled and all(off.check("x") == 0.0 for _ in range(1000))
    assert request_source("127.0.0.1", "203.0.113.9, 10.0.0.1") == "203.0.113.9"
    assert request_source("198.51.100.7", "203.0.113.9") == "198.51.100.7"  # not trusted
    assert request_source("::1", None) is None  # local traffic is never limited
    assert request_source("127.0.0.1", "") is None


def test_many_sources_stay_bounded() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=1, burst=1, clock=clock)
    for i in range(RateLimiter.MAX_SOURCES + 50):
        limiter.check(f"s{i}")
        clock.now += 0.0001
    assert len(limiter._buckets) <= RateLimiter.MAX_SOURCES
