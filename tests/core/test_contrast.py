"""The WCAG contrast maths the theme's colours are checked with."""

from __future__ import annotations

import pytest

from inspector.core.contrast import contrast_ratio, parse_hex, relative_luminance


def test_black_on_white_is_21_and_a_colour_on_itself_is_1() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21.0)  # order does not matter
    assert contrast_ratio("#3a7ca5", "#3a7ca5") == pytest.approx(1.0)


def test_known_ratios_around_the_text_threshold() -> None:
    # #767676 is the lightest grey that passes 4.5:1 on white; #777777 just fails.
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#777777", "#ffffff") < 4.5
    assert contrast_ratio("#b3261e", "#ffffff") == pytest.approx(6.54, abs=0.01)


def test_luminance_and_parsing() -> None:
    assert relative_luminance("#000") == 0.0
    assert relative_luminance("#fff") == pytest.approx(1.0)
    assert relative_luminance("#00ff00") == pytest.approx(0.7152)
    assert parse_hex("#0a0B0c") == (10, 11, 12)
    for bad in ("red", "#12345", "#1234567", "#12345g"):
        with pytest.raises(ValueError, match="not a #rrggbb colour"):
            parse_hex(bad)
