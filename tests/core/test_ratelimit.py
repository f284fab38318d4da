"""The per-source token bucket, with an injected clock."""

from __future__ import annotations

from inspector.core.origin import last_entry
from inspector.core.ratelimit import RateLimiter, limit_key, retry_after_header


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
    # Tunnelled: the sender the agent saw (the caller passes the last X-Forwarded-For).
    assert limit_key("tunnel", "127.0.0.1", "203.0.113.9") == "203.0.113.9"
    # Local: never limited from this machine, whatever X-Forwarded-For says...
    assert limit_key("local", "127.0.0.1", "127.0.0.1") is None
    assert limit_key("local", "::1", "::1") is None
    # ...and a peer elsewhere (a listener bound to another interface) is its own sender.
    assert limit_key("local", "198.51.100.7", "198.51.100.7") == "198.51.100.7"


def test_an_ipv6_sender_counts_by_its_64_network() -> None:
    a = limit_key("tunnel", "127.0.0.1", "2001:db8:1:2::1")
    assert a == limit_key("tunnel", "127.0.0.1", "2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert limit_key("tunnel", "127.0.0.1", "2001:db8:1:3::1") != a
    assert limit_key("tunnel", "127.0.0.1", "::ffff:203.0.113.9") == "::ffff:203.0.113.9"
    assert limit_key("tunnel", "127.0.0.1", "not:an:address") == "not:an:address"


def test_many_sources_stay_bounded() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=1, burst=1, clock=clock)
    for i in range(RateLimiter.MAX_SOURCES + 50):
        limiter.check(f"s{i}")
        clock.now += 0.0001
    assert len(limiter._buckets) <= RateLimiter.MAX_SOURCES


def test_forged_addresses_all_count_against_the_one_real_sender() -> None:
    """100,000 requests, each with a made-up first X-Forwarded-For entry, from one sender:
    one bucket, and the flood is limited as one sender's."""
    clock = Clock()
    limiter = RateLimiter(rate=1, burst=20, clock=clock)
    refused = 0
    for i in range(100_000):
        forwarded = [f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}, 198.51.100.7"]
        key = limit_key("tunnel", "127.0.0.1", last_entry(forwarded))
        refused += limiter.check(key) > 0 if key else 0
    assert limiter.sources == 1 and refused == 100_000 - 20


def test_the_sender_table_stays_bounded_under_100000_distinct_senders() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=1, burst=1, clock=clock)
    largest = 0
    for i in range(100_000):
        key = f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"
        limiter.check(key)
        limiter.check(key)  # over the burst: a refusal per sender is counted too
        largest = max(largest, limiter.sources, len(limiter.refused))
    assert largest <= RateLimiter.MAX_SOURCES
    assert limiter.refused_total == 100_000
