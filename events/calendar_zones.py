"""Time zones in iCalendar: local wall time with a TZID, the repeated hour in UTC, and a VTIMEZONE built from
the tz database for the years a calendar covers (events.calendar writes every calendar with these).

Pure, like events.calendar: the same instants give the same bytes on every worker.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone, TimezoneDaylight, TimezoneStandard

__all__ = ["add_timezones", "is_repeated", "wall_time"]


def wall_time(instant: datetime, tz: ZoneInfo) -> datetime:
    """Wall time in `tz` if it names `instant` unambiguously, else the UTC instant itself.

    RFC 5545 §3.3.5 reads a repeated local time (02:00–03:00 on the last Sunday of October in
    Europe/Amsterdam) as its first occurrence, but clients differ (libical, ical.js and khal were seen
    to pick different ones), so an instant in EITHER occurrence is written in UTC (`...Z`), which every
    client reads the same and which RFC 5545 allows next to TZID values in the same component.
    """
    local = instant.astimezone(tz)
    return instant if is_repeated(instant, tz) else local.replace(fold=0)


def is_repeated(instant: datetime, tz: ZoneInfo) -> bool:
    """Whether the wall time of `instant` in `tz` happens twice (the hour the clocks go back)."""
    wall = instant.astimezone(tz).replace(tzinfo=None)
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC) != wall.replace(tzinfo=tz, fold=1).astimezone(UTC)


_STEP = timedelta(hours=6)  # shorter than any gap between two transitions in the tz database


def _observance(zone: ZoneInfo, instant: datetime) -> tuple[timedelta, bool, str]:
    local = instant.astimezone(zone)
    return local.utcoffset() or timedelta(), bool(local.dst()), local.tzname() or ""


def _transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """UTC instants in [start, end) at which the zone's offset, DST flag or name changes."""
    found = []
    previous, current = start, start + _STEP
    while previous < end:
        if _observance(zone, current) != _observance(zone, previous):
            low, high = previous, current  # invariant: low is before the change, high after it
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _observance(zone, middle) == _observance(zone, low):
                    low = middle
                else:
                    high = middle
            found.append(high.replace(microsecond=0))
        previous, current = current, current + _STEP
    return found


@functools.lru_cache(maxsize=64)
def _vtimezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for whole years `first_year`..`last_year`, from the tz database via zoneinfo.

    Not icalendar's Timezone.from_tzid(): in 7.3 it writes the DAYLIGHT onset in the new offset's
    wall time (Europe/Amsterdam: 03:00 instead of 02:00), while RFC 5545 §3.6.5 gives DTSTART in
    the local time before the change (TZOFFSETFROM), so a strict client moves the spring change by
    an hour. One observance per transition (no RRULE) is exact for historical and future rule
    changes alike. Whole years keep the bytes (and the ETag) stable while a feed stays within
    the same years. Cached because feeds are re-rendered on every poll; the component is never
    mutated after creation, so sharing it between calendars is safe.
    """
    zone = ZoneInfo(tzid)
    start = datetime(first_year, 1, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=zone).astimezone(UTC)
    timezone = Timezone()
    timezone.add("TZID", tzid)
    offset, is_dst, name = _observance(zone, start)
    # The first observance says which offset applies from the start of the covered period.
    onsets = [(start, offset, offset, is_dst, name)]
    for change in _transitions(zone, start, end):
        offset_from = _observance(zone, change - timedelta(seconds=1))[0]
        offset_to, is_dst, name = _observance(zone, change)
        onsets.append((change, offset_from, offset_to, is_dst, name))
    for instant, offset_from, offset_to, is_dst, name in onsets:
        observance = TimezoneDaylight() if is_dst else TimezoneStandard()
        observance.add("DTSTART", (instant + offset_from).replace(tzinfo=None))
        observance.add("TZOFFSETFROM", offset_from)
        observance.add("TZOFFSETTO", offset_to)
        if name:
            observance.add("TZNAME", name)
        timezone.add_component(observance)
    return timezone


def add_timezones(calendar: Calendar, spans: dict[str, list[datetime]]) -> None:
    """Insert one VTIMEZONE per TZID used, in sorted order, before the VEVENTs.

    Calendar.add_missing_timezones() would do this too, but it walks a set of TZIDs, so with two
    zones the order (and the ETag) would differ between worker processes (string hash seeds).
    """
    timezones = []
    for tzid in sorted(spans):
        instants = spans[tzid]
        zone = ZoneInfo(tzid)
        years = [instant.astimezone(zone).year for instant in instants]
        timezones.append(_vtimezone(tzid, min(years), max(years)))
    calendar.subcomponents[0:0] = timezones
    missing = calendar.get_missing_tzids()
    if missing:  # cannot happen with zones validated by the dataclasses; guard the invariant anyway
        raise ValueError(f"no VTIMEZONE for {sorted(missing)}")
