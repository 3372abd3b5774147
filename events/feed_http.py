"""Serving calendars over HTTP: the subscribe links for each calendar client, strong ETags, Last-Modified and the
conditional GET of RFC 9110 (events.feeds and events.feeds_api use these for every .ics they serve).

Pure: no clock reads (`now` is passed in), so every worker answers a conditional request the same way.
"""

from __future__ import annotations

import email.utils
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from events.calendar import CalendarBreakout, CalendarEvent, utc_seconds

__all__ = ["SubscribeLinks", "etag_for", "http_date", "is_not_modified", "last_modified_for", "subscribe_links"]


# --------------------------------------------------------------------------- subscribe links


OUTLOOK_PERSONAL = "https://outlook.live.com/calendar/0/addfromweb"
OUTLOOK_WORK = "https://outlook.office.com/calendar/0/addfromweb"


@dataclass(frozen=True, slots=True)
class SubscribeLinks:
    """Where each "Abonneer" button of one feed goes (see `subscribe_links`)."""

    apple: str
    webcal: str
    google: str
    outlook: str
    outlook_work: str
    https: str


def subscribe_links(https_url: str, name: str = "Nieuw Geluid") -> SubscribeLinks:
    """Links for the "Abonneer" buttons, from the feed's https URL (token included).

    Apple opens webcal://; Google's add-by-URL page wants the webcal URL percent-encoded as a
    whole in `cid` (an unencoded `?`/`&` in the feed URL would cut the token off). Outlook: a bare
    https link makes the browser download the .ics, which imports a copy that never updates, so the
    buttons open Outlook on the web's "add from web" page, which SUBSCRIBES: `outlook` for personal
    accounts (outlook.live.com), `outlook_work` for work and school accounts (outlook.office.com),
    with the https URL (Outlook refuses webcal there) and a calendar name.
    """
    if not https_url.startswith("https://"):
        raise ValueError("feed URL must be https://")
    webcal = "webcal://" + https_url.removeprefix("https://")
    outlook_query = f"?url={quote(https_url, safe='')}&name={quote(name, safe='')}"
    return SubscribeLinks(
        apple=webcal,
        webcal=webcal,
        google="https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe=""),
        outlook=OUTLOOK_PERSONAL + outlook_query,
        outlook_work=OUTLOOK_WORK + outlook_query,
        https=https_url,
    )


# --------------------------------------------------------------------------- HTTP caching helpers


def etag_for(body: bytes) -> str:
    """A strong, quoted ETag: the same bytes give the same tag on every worker."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def last_modified_for(
    events: Iterable[CalendarEvent] = (),
    breakouts: Iterable[CalendarBreakout] = (),
    extra: Iterable[datetime | None] = (),
) -> datetime | None:
    """The newest change time of everything rendered, or None for an empty feed.

    `extra` is for changes that remove things from a feed without touching what remains (a
    ticket cancelled, a feed's name edited): pass their time too, or a client that only sends
    If-Modified-Since would keep getting 304 for a feed that lost an event.
    """
    stamps: list[datetime] = []
    for event in events:
        stamps.append(event.updated_at)
        if event.cancelled_at is not None:
            stamps.append(event.cancelled_at)
        stamps.extend(session.updated_at for session in event.sessions)
    stamps.extend(breakout.updated_at for breakout in breakouts)
    stamps.extend(utc_seconds(stamp, "extra") for stamp in extra if stamp is not None)
    return max(stamps, default=None)


def http_date(value: datetime) -> str:
    """IMF-fixdate for Last-Modified, e.g. `Sun, 25 Oct 2026 01:30:00 GMT`."""
    return email.utils.format_datetime(utc_seconds(value, "value"), usegmt=True)


_ENTITY_TAG = re.compile(r'\s*(W/)?"([^"]*)"\s*(?:,|$)')


def _entity_tags(header: str) -> list[str] | None:
    """Opaque tags of an If-None-Match list (weak prefix dropped), or None for `*`."""
    if header.strip() == "*":
        return None
    tags = []
    position = 0
    while position < len(header):
        match = _ENTITY_TAG.match(header, position)
        if match is None:
            # Skip a malformed member up to the next comma instead of rejecting the whole list.
            comma = header.find(",", position)
            if comma == -1:
                break
            position = comma + 1
            continue
        tags.append(match.group(2))
        position = match.end()
    return tags


def _parse_http_date(value: str) -> datetime | None:
    if "," in value.split(" ", 1)[-1]:
        # A list of dates is invalid (RFC 9110 §13.1.3): ignore the header.
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:  # "-0000" in RFC 2822 terms; HTTP dates are always GMT
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def is_not_modified(
    if_none_match: str | None,
    if_modified_since: str | None,
    etag: str,
    last_modified: datetime | None,
    *,
    now: datetime | None = None,
) -> bool:
    """Whether a GET/HEAD should be answered 304, per RFC 9110 §13.1.2, §13.1.3 and §13.2.2.

    If-None-Match, when present, decides alone (weak comparison, `*` matches any existing
    representation). Only without it is If-Modified-Since used; it is ignored when it is not one
    valid HTTP-date, when there is no Last-Modified, or (given `now`) when it lies in the future.
    """
    if if_none_match is not None:
        tags = _entity_tags(if_none_match)
        if tags is None:
            return True
        current = etag.removeprefix("W/").strip('"')
        return current in tags
    if if_modified_since is None or last_modified is None:
        return False
    since = _parse_http_date(if_modified_since)
    if since is None:
        return False
    if now is not None and since > utc_seconds(now, "now"):
        return False
    return utc_seconds(last_modified, "last_modified") <= since
