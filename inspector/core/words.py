"""Counted nouns in messages: "1 key", "2 keys" (never "1 keys")."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None, *, grouped: bool = False) -> str:
    """``count`` and ``noun``, the noun in the plural unless the count is one.

    ``many`` is the plural when it is not ``noun + "s"`` ("1 entry", "2 entries").
    ``grouped`` writes thousands with commas (the window's counts; the command line's
    lines keep plain digits for scripts that read them).
    """
    word = noun if count == 1 else (many or noun + "s")
    return f"{count:,} {word}" if grouped else f"{count} {word}"
