"""Dates, times and prices the way people in the Netherlands read them.

Times are stored in UTC (timezone-aware) and shown in the event's own zone (default Europe/Amsterdam).
Money is in integer euro cents. Dutch is the default language; English is the second.

    format_datetime_nl(datetime(2027, 3, 10, 12, 0, tzinfo=UTC))          -> "10 maart 2027, 13:00"
    format_datetime_nl(..., lang="en")                                    -> "10 March 2027, 13:00"
    format_date(...)                                                      -> "10 maart 2027"
    format_time_range(start, end)                                         -> "13:00–21:00"
    format_price(9500)                                                    -> "€\u00a095,00"
    format_price(9500, "en")                                              -> "€95.00"
    format_price(0)                                                       -> "Gratis" ("Free" in English)

Babel's Dutch currency pattern is ``¤\u00a0#,##0.00``: it puts a NO-BREAK SPACE between "€" and the
amount. That is what the page shows as "€ 95,00", and it keeps "€" from being wrapped onto its own
line on a narrow phone screen. Pass ``nbsp=False`` for plain text (e-mail subjects, CSV).

Jinja filters (installed by :func:`install_formatting`), all taking the page language from the
template context (``lang``, else the request, else Dutch) unless ``lang=`` is given:

    {{ event.starts_at|datetime_local }}            {{ event.starts_at|datetime_local(tz=event.timezone) }}
    {{ event.starts_at|date_local }}                {{ event.starts_at|time_local }}
    {{ event.starts_at|time_range(event.ends_at) }} {{ ticket.price_cents|price }}
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.numbers import format_currency
from jinja2 import Environment, pass_context

from frontend.i18n import language_for_context

DEFAULT_TIMEZONE = "Europe/Amsterdam"
DEFAULT_LANGUAGE = "nl"

# English pages use British conventions: day before month ("10 March 2027") and a 24-hour clock,
# which is what Dutch readers of the English pages expect.
_BABEL_LOCALES: dict[str, str] = {"nl": "nl_NL", "en": "en_GB"}
_FREE: dict[str, str] = {"nl": "Gratis", "en": "Free"}
_DATE_PATTERN = "d MMMM y"
_DATE_WITH_WEEKDAY_PATTERN = "EEEE d MMMM y"
_TIME_PATTERN = "HH:mm"
_EN_DASH = "\u2013"


def babel_locale(lang: str) -> str:
    """The Babel locale for one of our page languages ("nl" or "en"); unknown languages get Dutch."""
    return _BABEL_LOCALES.get(lang, _BABEL_LOCALES[DEFAULT_LANGUAGE])


def _zone(tz: str | tzinfo) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def to_local(dt_utc: datetime, tz: str | tzinfo = DEFAULT_TIMEZONE) -> datetime:
    """Convert an aware datetime to the given zone. Naive datetimes are a bug: we store UTC, aware."""
    if dt_utc.tzinfo is None or dt_utc.utcoffset() is None:
        raise ValueError(f"naive datetime {dt_utc!r}: store and pass timezone-aware UTC datetimes")
    return dt_utc.astimezone(_zone(tz))


def format_datetime_nl(dt_utc: datetime, tz: str | tzinfo = DEFAULT_TIMEZONE, lang: str = "nl") -> str:
    """'10 maart 2027, 13:00' (nl) or '10 March 2027, 13:00' (en), in the event's zone."""
    local = to_local(dt_utc, tz)
    return babel_format_datetime(local, f"{_DATE_PATTERN}, {_TIME_PATTERN}", tzinfo=local.tzinfo,
                                 locale=babel_locale(lang))


def format_date(
    value: datetime | date, tz: str | tzinfo = DEFAULT_TIMEZONE, lang: str = "nl", weekday: bool = False
) -> str:
    """'10 maart 2027' (or 'woensdag 10 maart 2027' with weekday=True).

    A datetime is first converted to the event's zone, so a late-evening UTC time lands on the right
    local day; a plain date is shown as it is.
    """
    if isinstance(value, datetime):
        value = to_local(value, tz).date()
    pattern = _DATE_WITH_WEEKDAY_PATTERN if weekday else _DATE_PATTERN
    return babel_format_date(value, pattern, locale=babel_locale(lang))


def format_time(dt_utc: datetime, tz: str | tzinfo = DEFAULT_TIMEZONE) -> str:
    """'13:00' in the event's zone (24-hour clock in both languages)."""
    return to_local(dt_utc, tz).strftime("%H:%M")


def format_time_range(
    start_utc: datetime, end_utc: datetime, tz: str | tzinfo = DEFAULT_TIMEZONE, lang: str = "nl"
) -> str:
    """'13:00–21:00' (en dash, no spaces) when both ends fall on the same local day.

    A range that crosses midnight in the event's zone names both moments in full:
    '10 maart 2027, 22:00 – 11 maart 2027, 02:00'.
    """
    start, end = to_local(start_utc, tz), to_local(end_utc, tz)
    if start.date() == end.date():
        return f"{start:%H:%M}{_EN_DASH}{end:%H:%M}"
    return f"{format_datetime_nl(start_utc, tz, lang)} {_EN_DASH} {format_datetime_nl(end_utc, tz, lang)}"


def format_price(cents: int, lang: str = "nl", nbsp: bool = True) -> str:
    """'€ 95,00' (nl, with a no-break space), '€95.00' (en); 'Gratis' / 'Free' for 0 cents."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"prices are integer euro cents, got {cents!r}")
    if cents == 0:
        return _FREE.get(lang, _FREE[DEFAULT_LANGUAGE])
    # Decimal keeps cents exact (no float rounding on the way to Babel).
    text = format_currency(Decimal(cents).scaleb(-2), "EUR", locale=babel_locale(lang))
    return text if nbsp else text.replace("\u00a0", " ")


# --- Jinja filters ---------------------------------------------------------------------------------


def language_from_context(context: Mapping[str, Any]) -> str:
    """The page language of a template context: ``lang`` if the page set it, else from the request."""
    return language_for_context(context)


@pass_context
def _datetime_filter(context: Mapping[str, Any], value: datetime, tz: str | tzinfo = DEFAULT_TIMEZONE,
                     lang: str | None = None) -> str:
    return format_datetime_nl(value, tz, lang or language_from_context(context))


@pass_context
def _date_filter(context: Mapping[str, Any], value: datetime | date, tz: str | tzinfo = DEFAULT_TIMEZONE,
                 lang: str | None = None, weekday: bool = False) -> str:
    return format_date(value, tz, lang or language_from_context(context), weekday=weekday)


def _time_filter(value: datetime, tz: str | tzinfo = DEFAULT_TIMEZONE) -> str:
    return format_time(value, tz)


@pass_context
def _time_range_filter(context: Mapping[str, Any], start: datetime, end: datetime,
                       tz: str | tzinfo = DEFAULT_TIMEZONE, lang: str | None = None) -> str:
    return format_time_range(start, end, tz, lang or language_from_context(context))


@pass_context
def _price_filter(context: Mapping[str, Any], cents: int, lang: str | None = None) -> str:
    return format_price(cents, lang or language_from_context(context))


@pass_context
def _decimal_filter(context: Mapping[str, Any], value: float, digits: int = 1, lang: str | None = None) -> str:
    """A number with a fixed number of decimals in the page language: 33,3 (nl), 33.3 (en)."""
    from babel.numbers import format_decimal

    pattern = "#,##0." + "0" * digits if digits > 0 else "#,##0"
    return format_decimal(value, format=pattern, locale=babel_locale(lang or language_from_context(context)))


def install_formatting(env: Environment) -> None:
    """Register the filters ``datetime_local``, ``date_local``, ``time_local``, ``time_range``, ``price``,
    ``decimal``."""
    env.filters.update(
        decimal=_decimal_filter,
        datetime_local=_datetime_filter,
        date_local=_date_filter,
        time_local=_time_filter,
        time_range=_time_range_filter,
        price=_price_filter,
    )
