"""Calendar feeds as a service: gather rows, build `events.calendar` dataclasses, return bytes + HTTP metadata.

Three documents: one event's download (`/events/{slug}.ics`), the community feed (`/calendar.ics`) and a
member's private feed (`/feeds/{token}.ics`). Each request first reads a few small columns (ids, update
times, sequences) in one or two cheap queries; those are the cache key of the rendered bytes, so an
unchanged feed is served without loading or rendering anything. Rendering is deterministic
(events.calendar), so every worker holds the same bytes and the same ETag for the same key.

Tickets and breakouts come from higher folders, which events must not import (docs/architecture.md, "Layers"):
ticketing and pairing hand their readers over at start-up (`provide_sources`, called by `app.create_app`), and a
feed without a source simply lists nothing from it.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from piccolo.query.functions.aggregate import Count, Max, Sum

from core.db import as_utc, utcnow
from core.errors import NotFound
from core.i18n import lazy_gettext as _l
from events.calendar import (
    CANCELLED_RETENTION,
    CalendarBreakout,
    CalendarEvent,
    CalendarSession,
    FeedMeta,
    breakout_uid,
    render_community_feed,
    render_event_ics,
    render_member_feed,
)
from events.feed_http import SubscribeLinks, etag_for, last_modified_for, subscribe_links
from events.rules import EventStatus
from events.schemas import CalendarSettingsOut, CommunityFeedOut, FeedLinks, PersonalFeedOut
from events.tables import AgendaSession, Event
from members import feed_tokens
from settings import Settings

COMMUNITY_NAME = "Nieuw Geluid — evenementen"
COMMUNITY_DESCRIPTION = "Hackathons en meetups van de Nederlandse klantcontactcommunity."
MEMBER_NAME = "Nieuw Geluid — mijn agenda"
MEMBER_DESCRIPTION = "De evenementen waarvoor je een ticket hebt en je eigen breakoutsessies."
# Past events stay this long in the feeds (and cancelled ones as long after their cancellation).
PAST_RETENTION = CANCELLED_RETENTION

TicketSource = Callable[[int], Awaitable[Sequence[int]]]
BreakoutSource = Callable[[int], Awaitable[Sequence[Any]]]


@dataclass(frozen=True, slots=True)
class IcsDocument:
    """A rendered calendar with what HTTP needs; `gzip_body` is made once, with a fixed mtime."""

    body: bytes
    etag: str
    gzip_body: bytes
    gzip_etag: str
    last_modified: datetime | None
    filename: str
    private: bool = False
    download: bool = False


# --------------------------------------------------------------------------- other folders, when present


_providers: dict[str, Callable[..., Any]] = {}


def provide_sources(*, tickets: TicketSource, breakouts: BreakoutSource) -> None:
    """Called once at start-up: `tickets(member_id)` gives the event ids of a member's live tickets (and of events
    cancelled under them), `breakouts(member_id)` their published breakout groups."""
    _providers["tickets"], _providers["breakouts"] = tickets, breakouts


CompanionSource = Callable[[str], Awaitable[tuple[int, Sequence[int], Sequence[Any]] | None]]


def provide_companion_source(source: CompanionSource) -> None:
    """Called once at start-up: `source(feed_token)` gives a companion's (place id, event ids, breakouts), or None
    for an unknown token (pairing.publish.companion_feed)."""
    _providers["companion"] = source


def ticket_source() -> TicketSource | None:
    return _providers.get("tickets")


def breakout_source() -> BreakoutSource | None:
    return _providers.get("breakouts")


_BREAKOUT_FIELDS = tuple(f.name for f in dataclasses.fields(CalendarBreakout))


def as_calendar_breakout(item: Any) -> CalendarBreakout:
    """Accept a CalendarBreakout, or a mapping / object with the same field names."""
    if isinstance(item, CalendarBreakout):
        return item
    if isinstance(item, Mapping):
        return CalendarBreakout(**{k: item[k] for k in _BREAKOUT_FIELDS if k in item})
    return CalendarBreakout(**{k: getattr(item, k) for k in _BREAKOUT_FIELDS if hasattr(item, k)})


# --------------------------------------------------------------------------- visibility


_STAMP_COLUMNS = (
    Event.id, Event.slug, Event.status, Event.ends_at, Event.updated_at, Event.cancelled_at, Event.sequence,
)


def _listed(row: dict[str, Any], now: datetime) -> bool:
    """Whether a feed lists the event: published and not long over, or cancelled recently."""
    if row["status"] == EventStatus.PUBLISHED:
        return as_utc(row["ends_at"]) >= now - PAST_RETENTION
    if row["status"] == EventStatus.CANCELLED:
        cancelled_at = as_utc(row["cancelled_at"]) or as_utc(row["updated_at"])
        return now - cancelled_at <= CANCELLED_RETENTION
    return False


def _dropped_at(row: dict[str, Any]) -> datetime | None:
    """When a non-draft event leaves the community feed: a change no remaining row records."""
    if row["status"] == EventStatus.PUBLISHED:
        return as_utc(row["ends_at"]) + PAST_RETENTION
    if row["status"] == EventStatus.CANCELLED:
        return (as_utc(row["cancelled_at"]) or as_utc(row["updated_at"])) + CANCELLED_RETENTION
    return None


def _stamp_key(rows: Iterable[dict[str, Any]]) -> tuple[Any, ...]:
    return tuple(
        (r["id"], r["status"], r["sequence"], as_utc(r["updated_at"]), as_utc(r["cancelled_at"])) for r in rows
    )


def _stamp_times(rows: Iterable[dict[str, Any]]) -> list[datetime | None]:
    return [t for r in rows for t in (as_utc(r["updated_at"]), as_utc(r["cancelled_at"]))]


async def _session_stamp(event_ids: Sequence[int]) -> tuple[int, datetime | None, int]:
    """Count, newest update and total sequence of the events' sessions: moves on any insert, edit or delete."""
    if not event_ids:
        return (0, None, 0)
    row = await AgendaSession.select(
        Count(AgendaSession.id, alias="n"),
        Max(AgendaSession.updated_at, alias="newest"),
        Sum(AgendaSession.sequence, alias="sequences"),
    ).where(AgendaSession.event.is_in(list(event_ids))).first()
    if row is None:
        return (0, None, 0)
    return (int(row["n"] or 0), as_utc(row["newest"]), int(row["sequences"] or 0))


# --------------------------------------------------------------------------- rows → dataclasses


def _public_url(settings: Settings, slug: str) -> str:
    return f"{settings.public_base_url}/e/{slug}"


def _calendar_event(row: dict[str, Any], sessions: Sequence[dict[str, Any]], settings: Settings) -> CalendarEvent:
    return CalendarEvent(
        id=row["id"],
        slug=row["slug"],
        title=row["title"],
        start_utc=as_utc(row["starts_at"]),
        end_utc=as_utc(row["ends_at"]),
        updated_at=as_utc(row["updated_at"]),
        description=row["description"],
        timezone=row["timezone"],
        venue_name=row["venue_name"],
        venue_address=row["address"],
        online_url=row["online_url"],
        public_url=_public_url(settings, row["slug"]),
        cancelled=row["status"] == EventStatus.CANCELLED,
        cancelled_at=as_utc(row["cancelled_at"]),
        cancel_reason=row["cancel_reason"],
        sequence=row["sequence"],
        sessions=tuple(
            CalendarSession(
                id=s["id"],
                title=s["title"],
                start_utc=as_utc(s["starts_at"]),
                end_utc=as_utc(s["ends_at"]),
                updated_at=as_utc(s["updated_at"]),
                room=s["room"],
                is_breakout_round=bool(s["is_breakout_round"]),
                sequence=s["sequence"],
            )
            for s in sessions
        ),
    )


async def _calendar_events(event_ids: Sequence[int], settings: Settings, *, with_sessions: bool) -> list[CalendarEvent]:
    if not event_ids:
        return []
    rows = await Event.select(
        Event.id, Event.slug, Event.title, Event.description, Event.starts_at, Event.ends_at, Event.timezone,
        Event.venue_name, Event.address, Event.online_url, Event.status, Event.cancelled_at, Event.cancel_reason,
        Event.sequence, Event.updated_at,
    ).where(Event.id.is_in(list(event_ids)))
    by_event: dict[int, list[dict[str, Any]]] = {r["id"]: [] for r in rows}
    if with_sessions:
        for s in await AgendaSession.select(
            AgendaSession.id, AgendaSession.event, AgendaSession.title, AgendaSession.starts_at,
            AgendaSession.ends_at, AgendaSession.room, AgendaSession.is_breakout_round, AgendaSession.sequence,
            AgendaSession.updated_at,
        ).where(AgendaSession.event.is_in(list(event_ids))):
            by_event[s["event"]].append(s)
    return [_calendar_event(r, by_event[r["id"]], settings) for r in rows]


# --------------------------------------------------------------------------- the rendered-bytes cache


_CACHE_SIZE = 512
_cache: OrderedDict[tuple[Any, ...], IcsDocument] = OrderedDict()


def clear_cache() -> None:
    _cache.clear()
    _sources.clear()


async def _cached(key: tuple[Any, ...], render: Callable[[], Awaitable[tuple[bytes, str, bool, bool]]],
                  last_modified: datetime | None) -> IcsDocument:
    """The document for `key`, rendered at most once per worker while its inputs stay the same.

    Only the bytes are cached; Last-Modified is recomputed from the stamps of every request.
    """
    doc = _cache.get(key)
    if doc is None:
        body, filename, private, download = await render()
        packed = gzip.compress(body, compresslevel=6, mtime=0)
        etag = etag_for(body)
        doc = IcsDocument(body, etag, packed, etag[:-1] + '-gz"', None, filename, private, download)
        _cache[key] = doc
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(key)
    return dataclasses.replace(doc, last_modified=last_modified)


def _newest(*stamps: Iterable[datetime | None]) -> datetime | None:
    return last_modified_for(extra=[t for group in stamps for t in group])


# --------------------------------------------------------------------------- the three documents


async def event_document(slug: str, settings: Settings, now: datetime | None = None) -> IcsDocument:
    """One published event (or one cancelled in the last 30 days) with its agenda, as a download."""
    now = now or utcnow()
    row = await Event.select(*_STAMP_COLUMNS).where(Event.slug == slug).first()
    if row is None or not (row["status"] == EventStatus.PUBLISHED or _listed(row, now)):
        raise NotFound(_l("Dit evenement staat niet (meer) in de agenda."))
    sessions = await _session_stamp([row["id"]])
    key = ("event", settings.host, settings.public_base_url, _stamp_key([row]), sessions)

    async def render() -> tuple[bytes, str, bool, bool]:
        (event,) = await _calendar_events([row["id"]], settings, with_sessions=True)
        return render_event_ics(event, settings.host), f"{row['slug']}.ics", False, True

    return await _cached(key, render, _newest(_stamp_times([row]), [sessions[1]]))


async def community_document(settings: Settings, now: datetime | None = None) -> IcsDocument:
    """Published events from 30 days ago onwards, and events cancelled in the last 30 days."""
    now = now or utcnow()
    rows = await Event.select(*_STAMP_COLUMNS).where(Event.status.is_in([EventStatus.PUBLISHED, EventStatus.CANCELLED]))
    listed = sorted((r for r in rows if _listed(r, now)), key=lambda r: r["id"])
    # An event leaving the feed changes no remaining row; its leaving time keeps If-Modified-Since honest.
    dropped = [d for r in rows if not _listed(r, now) and (d := _dropped_at(r)) is not None and d <= now]
    key = ("community", settings.host, settings.public_base_url, _stamp_key(listed))

    async def render() -> tuple[bytes, str, bool, bool]:
        events = await _calendar_events([r["id"] for r in listed], settings, with_sessions=False)
        meta = FeedMeta(name=COMMUNITY_NAME, description=COMMUNITY_DESCRIPTION, host=settings.host,
                        include_sessions=False)
        return render_community_feed(events, meta), "nieuw-geluid.ics", False, False

    return await _cached(key, render, _newest(_stamp_times(listed), [max(dropped, default=None)]))


# The personal feed's sources (tickets, breakouts, the events' stamps) cost several queries in three folders.
# Each worker reuses them for a few seconds per member: calendar clients poll hourly, so a change that shows
# up seconds later is invisible, while a client hammering one URL costs one query per request (the token
# lookup, which is never reused: a rotated or revoked token stops working at once).
SOURCES_TTL_SECONDS = 10.0
_SOURCES_SIZE = 4096
_sources: OrderedDict[int, tuple[float, MemberItems]] = OrderedDict()


MemberItems = tuple[list[dict[str, Any]], tuple[int, datetime | None, int], tuple[CalendarBreakout, ...]]


async def _member_items(member_id: int, now: datetime) -> MemberItems:
    """The member's listed event rows, their sessions' stamp and their breakouts (reused ≤ SOURCES_TTL_SECONDS)."""
    clock = time.monotonic()
    memo = _sources.get(member_id)
    if memo is not None and memo[0] > clock:
        return memo[1]
    tickets, breakouts_of = ticket_source(), breakout_source()
    event_ids = sorted(set(await tickets(member_id))) if tickets else []
    breakouts = [as_calendar_breakout(b) for b in await breakouts_of(member_id)] if breakouts_of else []
    breakouts = [b for b in breakouts if b.member_id == member_id]  # never another member's groups
    rows = await Event.select(*_STAMP_COLUMNS).where(Event.id.is_in(event_ids)) if event_ids else []
    listed = sorted((r for r in rows if _listed(r, now)), key=lambda r: r["id"])
    sessions = await _session_stamp([r["id"] for r in listed])
    breakout_key = tuple(sorted(breakouts, key=lambda b: (b.event_id, b.round_number, b.start_utc)))
    items = (listed, sessions, breakout_key)
    if SOURCES_TTL_SECONDS > 0:
        _sources[member_id] = (clock + SOURCES_TTL_SECONDS, items)
        _sources.move_to_end(member_id)
        while len(_sources) > _SOURCES_SIZE:
            _sources.popitem(last=False)
    return items


async def member_document(token: str, settings: Settings, now: datetime | None = None) -> IcsDocument:
    """A member's private feed: events they hold a live ticket for (with agenda) and their breakouts."""
    now = now or utcnow()
    owner = await feed_tokens.member_for_feed_token(token)
    if owner is None:
        raise NotFound(_l("Deze agenda bestaat niet (meer)."))
    listed, sessions, breakout_key = await _member_items(owner.member_id, now)

    # Which items the feed lists (and whether it has alarms): when that set changes, remember since when.
    items = [f"e{r['id']}" for r in listed]
    items += [breakout_uid(b.event_id, b.round_number, b.member_id, settings.host) for b in breakout_key]
    items.append(f"r{owner.reminder_minutes}")
    digest = hashlib.sha256("\n".join(items).encode()).hexdigest()
    changed_at = owner.items_changed_at
    if digest != owner.items_digest or changed_at is None:
        changed_at = await feed_tokens.note_feed_items(owner.member_id, digest, now, owner.items_changed_at)

    key = ("member", settings.host, settings.public_base_url, owner.member_id, owner.reminder_minutes,
           _stamp_key(listed), sessions, breakout_key)

    async def render() -> tuple[bytes, str, bool, bool]:
        events = await _calendar_events([r["id"] for r in listed], settings, with_sessions=True)
        meta = FeedMeta(name=MEMBER_NAME, description=MEMBER_DESCRIPTION, host=settings.host,
                        reminder_minutes=owner.reminder_minutes)
        return render_member_feed(events, breakout_key, meta), "mijn-agenda.ics", True, False

    last_modified = _newest(_stamp_times(listed), [sessions[1], changed_at], (b.updated_at for b in breakout_key))
    return await _cached(key, render, last_modified)


# A companion's feed lives beside the members' under /feeds/ (the same log masking and headers); the dot cannot
# occur in a member's token (base64url), so the two never meet.
COMPANION_FEED_PREFIX = "partner."


async def companion_document(token: str, settings: Settings, now: datetime | None = None) -> IcsDocument:
    """A companion without an account's own feed: their event and their published breakout groups, rendered as a
    member's personal feed is (issue 15). The token has its own hash (ticketing.companion_links), apart from
    the page link, so a resent mail never breaks a subscription."""
    now = now or utcnow()
    source = _providers.get("companion")
    found = await source(token) if source else None
    if found is None:
        raise NotFound(_l("Deze agenda bestaat niet (meer)."))
    place_id, event_ids, items = found
    breakouts = [as_calendar_breakout(b) for b in items]
    rows = await Event.select(*_STAMP_COLUMNS).where(Event.id.is_in(list(event_ids))) if event_ids else []
    listed = sorted((r for r in rows if _listed(r, now)), key=lambda r: r["id"])
    sessions = await _session_stamp([r["id"] for r in listed])
    breakout_key = tuple(sorted(breakouts, key=lambda b: (b.event_id, b.round_number, b.start_utc)))
    key = ("companion", settings.host, settings.public_base_url, place_id, _stamp_key(listed), sessions,
           breakout_key)

    async def render() -> tuple[bytes, str, bool, bool]:
        events = await _calendar_events([r["id"] for r in listed], settings, with_sessions=True)
        meta = FeedMeta(name=MEMBER_NAME, description=MEMBER_DESCRIPTION, host=settings.host)
        return render_member_feed(events, breakout_key, meta), "mijn-agenda.ics", True, False

    last_modified = _newest(_stamp_times(listed), [sessions[1]], (b.updated_at for b in breakout_key))
    return await _cached(key, render, last_modified)


def companion_feed_url(settings: Settings, token: str) -> str:
    return f"{settings.public_base_url}/feeds/{COMPANION_FEED_PREFIX}{token}.ics"


# --------------------------------------------------------------------------- URLs and subscribe links


def community_feed_url(settings: Settings) -> str:
    return f"{settings.public_base_url}/calendar.ics"


def member_feed_url(settings: Settings, token: str) -> str:
    return f"{settings.public_base_url}/feeds/{token}.ics"


def event_download_url(settings: Settings, slug: str) -> str:
    return f"{settings.public_base_url}/events/{slug}.ics"


def feed_links(url: str) -> SubscribeLinks:
    """Subscribe links (Apple webcal, Google, Outlook) for a feed URL.

    Production URLs are https (settings refuse anything else there); a development server on plain
    http gets the same shapes from its http URL so the buttons can be tried locally.
    """
    if url.startswith("https://"):
        return subscribe_links(url)
    links = subscribe_links("https://" + url.split("://", 1)[-1])
    return dataclasses.replace(links, outlook=url, outlook_work=url, https=url)


def _feed_out(url: str) -> FeedLinks:
    links = feed_links(url)
    return FeedLinks(url=url, webcal=links.webcal, google=links.google, outlook=links.outlook,
                     outlook_work=links.outlook_work)


async def calendar_settings(settings: Settings, member_id: int, token: str | None = None) -> CalendarSettingsOut:
    """The member's calendar feeds with their subscribe links, and their reminders. `token`: the personal feed's
    token just made (`rotate_feed_token`), whose URL is shown this once (only its hash is kept)."""
    state = await feed_tokens.feed_settings(member_id)
    community = community_feed_url(settings)
    personal = PersonalFeedOut(exists=state.has_personal_feed)
    if token is not None:
        url = member_feed_url(settings, token)
        personal = PersonalFeedOut(exists=True, url=url, links=_feed_out(url))
    return CalendarSettingsOut(community=CommunityFeedOut(url=community, links=_feed_out(community)),
                               personal=personal, reminder_minutes=state.reminder_minutes)
