"""Timestamps as the capture JSON carries them: RFC 3339, UTC, microseconds, ``Z``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from inspector.core.capture import format_timestamp, parse_timestamp

zones = st.sampled_from(
    [UTC, timezone(timedelta(hours=5, minutes=30)), timezone(-timedelta(hours=8))]
)
moments = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=zones
)


@given(moments)
def test_format_is_rfc3339_utc_with_microseconds(moment: datetime) -> None:
    u = moment.astimezone(UTC)
    expected = (
        f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:"
        f"{u.second:02d}.{u.microsecond:06d}Z"
    )
    assert format_timestamp(moment) == expected
    assert parse_timestamp(expected) == moment


def test_examples() -> None:
    assert format_timestamp(datetime(2026, 11, 25, 11, 36, 16, 123456, tzinfo=UTC)) == (
        "2026-11-25T11:36:16.123456Z"
    )
    assert format_timestamp(datetime(999, 1, 2, 3, 4, 5, 6, tzinfo=UTC)) == (
        "0999-01-02T03:04:05.000006Z"
    )
