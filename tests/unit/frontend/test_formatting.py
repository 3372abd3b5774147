"""Dates, times and prices as shown on Dutch and English pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from frontend.formatting import (
    format_date,
    format_datetime_nl,
    format_price,
    format_time,
    format_time_range,
    to_local,
)

NBSP = "\u00a0"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_datetime_in_winter_time_is_utc_plus_one() -> None:
    assert format_datetime_nl(utc(2027, 3, 10, 12, 0)) == "10 maart 2027, 13:00"
    assert format_datetime_nl(utc(2027, 3, 10, 12, 0), lang="en") == "10 March 2027, 13:00"


def test_datetime_in_summer_time_is_utc_plus_two() -> None:
    assert format_datetime_nl(utc(2027, 7, 1, 7, 30)) == "1 juli 2027, 09:30"
    assert format_datetime_nl(utc(2027, 7, 1, 7, 30), lang="en") == "1 July 2027, 09:30"


def test_dst_starts_on_the_last_sunday_of_march_2027() -> None:
    # 28 March 2027, 01:00 UTC: clocks jump from 02:00 to 03:00 in Amsterdam.
    assert format_datetime_nl(utc(2027, 3, 28, 0, 59)) == "28 maart 2027, 01:59"
    assert format_datetime_nl(utc(2027, 3, 28, 1, 0)) == "28 maart 2027, 03:00"


def test_dst_ends_on_the_last_sunday_of_october_2027() -> None:
    # 31 October 2027, 01:00 UTC: clocks go back from 03:00 to 02:00, so 02:30 happens twice.
    assert format_datetime_nl(utc(2027, 10, 31, 0, 30)) == "31 oktober 2027, 02:30"
    assert format_datetime_nl(utc(2027, 10, 31, 1, 30)) == "31 oktober 2027, 02:30"
    assert format_time_range(utc(2027, 10, 31, 0, 0), utc(2027, 10, 31, 2, 0)) == "02:00–03:00"


def test_other_zone_and_other_aware_offsets() -> None:
    plus_five = timezone(timedelta(hours=5))
    assert format_datetime_nl(datetime(2027, 3, 10, 17, 0, tzinfo=plus_five)) == "10 maart 2027, 13:00"
    assert format_datetime_nl(utc(2027, 3, 10, 12, 0), tz="Europe/London") == "10 maart 2027, 12:00"
    curacao = ZoneInfo("America/Curacao")
    assert format_datetime_nl(utc(2027, 3, 10, 12, 0), tz=curacao) == "10 maart 2027, 08:00"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        format_datetime_nl(datetime(2027, 3, 10, 12, 0))
    with pytest.raises(ValueError, match="naive datetime"):
        to_local(datetime(2027, 3, 10, 12, 0))


def test_date_uses_the_local_day() -> None:
    # 23:30 UTC on 9 March is already 10 March in Amsterdam.
    assert format_date(utc(2027, 3, 9, 23, 30)) == "10 maart 2027"
    assert format_date(utc(2027, 3, 9, 23, 30), lang="en") == "10 March 2027"
    assert format_date(date(2027, 3, 10), weekday=True) == "woensdag 10 maart 2027"
    assert format_date(date(2027, 3, 10), lang="en", weekday=True) == "Wednesday 10 March 2027"


def test_time_and_time_range() -> None:
    assert format_time(utc(2027, 3, 10, 12, 0)) == "13:00"
    assert format_time_range(utc(2027, 3, 10, 12, 0), utc(2027, 3, 10, 20, 0)) == "13:00–21:00"
    assert format_time_range(utc(2027, 6, 10, 11, 0), utc(2027, 6, 10, 19, 0)) == "13:00–21:00"


def test_time_range_over_midnight_names_both_days() -> None:
    text = format_time_range(utc(2027, 3, 10, 21, 0), utc(2027, 3, 11, 1, 0))
    assert text == "10 maart 2027, 22:00 – 11 maart 2027, 02:00"


def test_price_in_dutch_uses_a_no_break_space() -> None:
    assert format_price(9500) == f"€{NBSP}95,00"
    assert format_price(9500, nbsp=False) == "€ 95,00"
    assert format_price(123456789) == f"€{NBSP}1.234.567,89"
    assert format_price(5) == f"€{NBSP}0,05"


def test_price_in_english() -> None:
    assert format_price(9500, "en") == "€95.00"
    assert format_price(123456789, "en") == "€1,234,567.89"


def test_zero_is_free() -> None:
    assert format_price(0) == "Gratis"
    assert format_price(0, "en") == "Free"


def test_negative_amounts_for_refunds() -> None:
    assert format_price(-2500, nbsp=False) == "€ -25,00"
    assert format_price(-2500, "en") == "-€25.00"


@pytest.mark.parametrize("bad", [95.0, "9500", True])
def test_price_wants_integer_cents(bad: object) -> None:
    with pytest.raises(TypeError):
        format_price(bad)  # type: ignore[arg-type]
