"""WCAG 2 contrast between two colours given as ``#rrggbb`` (pure maths, no Qt).

The theme's text colours are checked against the backgrounds they are drawn on with
:func:`contrast_ratio`; WCAG asks for at least 4.5:1 for normal text (``AA``).
"""

from __future__ import annotations

#: WCAG 2 level AA for normal-size text.
MIN_TEXT_CONTRAST = 4.5


def parse_hex(colour: str) -> tuple[int, int, int]:
    """``#rrggbb`` or ``#rgb`` as three 0-255 channels; ValueError for anything else."""
    text = colour.strip().lstrip("#")
    if len(text) == 3:
        text = "".join(ch * 2 for ch in text)
    if len(text) != 6 or not all(ch in "0123456789abcdefABCDEF" for ch in text):
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    value = int(text, 16)
    return (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance: 0 for black, 1 for white (sRGB, linearised)."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in parse_hex(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str, background: str) -> float:
    """(L1 + 0.05) / (L2 + 0.05) with L1 the lighter: 1.0 (same) to 21.0 (black on white)."""
    a, b = relative_luminance(foreground), relative_luminance(background)
    lighter, darker = max(a, b), min(a, b)
    return (lighter + 0.05) / (darker + 0.05)
