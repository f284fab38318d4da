"""Counted nouns: one is singular, every other count plural."""

from __future__ import annotations

from inspector.core.words import plural


def test_plural() -> None:
    assert plural(1, "key") == "1 key"
    assert plural(0, "key") == "0 keys"
    assert plural(2, "change") == "2 changes"
    assert plural(1, "entry", "entries") == "1 entry"
    assert plural(3, "entry", "entries") == "3 entries"
    assert plural(20_000, "capture") == "20000 captures"
    assert plural(20_000, "capture", grouped=True) == "20,000 captures"
