"""Pure iCalendar rendering for events, agenda sessions and personal breakouts.

Nothing here touches the database, the clock or the network: routes build the frozen dataclasses
below from rows and pass `now` in where time matters. That keeps output a function of its input,
so two workers render byte-identical feeds and an ETag computed on one validates on the other.

Choices that come from client bugs seen in pretix, pretalx and Indico:

* Times are written as local wall time with `TZID=<IANA name>` plus a VTIMEZONE built from the tz
  database for the years the feed covers. A fixed offset would be written by icalendar as
  `TZID=UTC+02:00`, which Google, Outlook and Apple do not know.
* UIDs are derived from database ids only, so a download and every feed agree on them.
* DTSTAMP and LAST-MODIFIED come from `updated_at`, never from "now", and components are sorted,
  so rendering twice gives the same bytes.
* Cancelled items keep their UID, get STATUS:CANCELLED and a "Geannuleerd: " title prefix,
  because Outlook ignores STATUS and would otherwise show a cancelled event as if it were on.
* Nothing personal (e-mail, birth date, ticket code, ORGANIZER/ATTENDEE) is ever written in a feed or a
  download. Only `scheduling_message`, the calendar part of a mail to one person, names that person (and the
  organiser's sending address): RFC 5546 needs them to update or cancel the copy that person imported.

Beside it: `events.calendar_zones` (wall time, the repeated hour, VTIMEZONE from the tz database) and
`events.feed_http` (subscribe links, ETag, Last-Modified, conditional GET).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event
from icalendar.prop import vDuration, vText

from events.calendar_zones import add_timezones, is_repeated, wall_time

__all__ = [
    "CANCELLED_PREFIX",
    "DEFAULT_TIMEZONE",
    "PRODID",
    "CalendarBreakout",
    "CalendarEvent",
    "CalendarSession",
    "FeedMeta",
    "breakout_uid",
    "clean_text",
    "event_uid",
    "render_community_feed",
    "render_event_ics",
    "render_member_feed",
    "scheduling_message",
    "session_uid",
    "utc_seconds",
    "visible_in_feed",
]

DEFAULT_TIMEZONE = "Europe/Amsterdam"
PRODID = "-//Nieuw Geluid//Evenementenkalender//NL"
CANCELLED_PREFIX = "Geannuleerd: "
# Cancelled events stay in feeds this long so that subscribed clients see the cancellation
# instead of the event silently vanishing (which some clients keep showing forever).
CANCELLED_RETENTION = timedelta(days=30)
# How often subscribed clients should poll; Google ignores it, Apple and Outlook honour it.
REFRESH_INTERVAL = timedelta(hours=1)


# --------------------------------------------------------------------------- input dataclasses


def utc_seconds(value: datetime, name: str) -> datetime:
    """Return `value` in UTC, truncated to whole seconds (iCalendar and HTTP dates have no finer unit)."""
    if value.tzinfo is None or value.utcoffset() is None:
        # A naive datetime here would be read as local time by someone and UTC by someone else.
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")
    return value.astimezone(UTC).replace(microsecond=0)


def _normalise_times(obj: object, names: Sequence[str]) -> None:
    for name in names:
        value = getattr(obj, name)
        if value is not None:
            # Frozen dataclass: normalising once here saves every renderer from repeating it.
            object.__setattr__(obj, name, utc_seconds(value, name))


def _check_timezone(name: str) -> None:
    # Fail when the dataclass is built (in the route, next to the row) rather than mid-render.
    ZoneInfo(name)


@dataclass(frozen=True, slots=True)
class CalendarSession:
    """One agenda item of an event (a talk, lunch, a breakout round)."""

    id: int
    title: str
    start_utc: datetime
    end_utc: datetime
    updated_at: datetime
    room: str = ""
    description: str = ""
    is_breakout_round: bool = False
    sequence: int = 0

    def __post_init__(self) -> None:
        _normalise_times(self, ("start_utc", "end_utc", "updated_at"))


@dataclass(frozen=True, slots=True)
class CalendarEvent:
    """A public event. Built by the route from the event row and its agenda rows."""

    id: int
    slug: str
    title: str
    start_utc: datetime
    end_utc: datetime
    updated_at: datetime
    description: str = ""
    timezone: str = DEFAULT_TIMEZONE
    venue_name: str = ""
    venue_address: str = ""
    online_url: str = ""
    public_url: str = ""
    cancelled: bool = False
    cancelled_at: datetime | None = None
    cancel_reason: str = ""
    sequence: int = 0
    sessions: tuple[CalendarSession, ...] = ()

    def __post_init__(self) -> None:
        _normalise_times(self, ("start_utc", "end_utc", "updated_at", "cancelled_at"))
        _check_timezone(self.timezone)
        object.__setattr__(self, "sessions", tuple(self.sessions))


@dataclass(frozen=True, slots=True)
class CalendarBreakout:
    """A member's own published breakout group for one breakout round of an event.

    `session_id` names the agenda session of that round: the member feed shows this personal
    breakout instead of the generic round, so the member does not get two overlapping items.
    """

    round_number: int
    member_id: int
    event_id: int
    event_title: str
    theme_label: str
    group_number: int
    room: str
    start_utc: datetime
    end_utc: datetime
    updated_at: datetime
    sequence: int = 0
    session_id: int | None = None
    timezone: str = DEFAULT_TIMEZONE
    cancelled: bool = False
    # The event's venue (name and address): a room alone ("Zaal 2") does not tell a phone's map where to go.
    venue: str = ""
    # A companion without an account has no member id: their own feed names the place (ticket) instead.
    place_id: int | None = None

    def __post_init__(self) -> None:
        _normalise_times(self, ("start_utc", "end_utc", "updated_at"))
        _check_timezone(self.timezone)


@dataclass(frozen=True, slots=True)
class FeedMeta:
    """Calendar-level settings of one feed.

    `reminder_minutes` is the member's opt-in: None means no VALARM at all (an alarm nobody asked
    for is the quickest way to get a feed unsubscribed). `include_sessions` lets the community
    feed list only the events while a member feed also shows the agenda.
    """

    name: str
    description: str
    host: str
    reminder_minutes: int | None = None
    include_sessions: bool = True
    refresh_interval: timedelta = field(default=REFRESH_INTERVAL)

    def __post_init__(self) -> None:
        if self.reminder_minutes is not None and self.reminder_minutes < 0:
            raise ValueError("reminder_minutes must be >= 0")
        if not self.host or "/" in self.host or "@" in self.host:
            raise ValueError(f"host must be a bare host name, got {self.host!r}")


# --------------------------------------------------------------------------- identifiers


def event_uid(event_id: int, host: str) -> str:
    return f"event-{event_id}@{host}"


def session_uid(session_id: int, host: str) -> str:
    return f"session-{session_id}@{host}"


def breakout_item_uid(breakout: CalendarBreakout, host: str) -> str:
    """A member's breakout by member id (as always); a companion without an account's by their place."""
    if breakout.place_id is not None and not breakout.member_id:
        return f"breakout-{breakout.event_id}-{breakout.round_number}-p{breakout.place_id}@{host}"
    return breakout_uid(breakout.event_id, breakout.round_number, breakout.member_id, host)


def breakout_uid(event_id: int, round_number: int, member_id: int, host: str) -> str:
    # The event id is part of the UID: round numbers restart at 1 for every event, so
    # `breakout-<round>-<member>` alone would merge a member's round 1 of two events into one item.
    return f"breakout-{event_id}-{round_number}-{member_id}@{host}"


# --------------------------------------------------------------------------- text


_NEWLINES = re.compile(r"\r\n|\r|\n|\u2028|\u2029|\x85")


def clean_text(value: str, *, multiline: bool = True) -> str:
    """Make arbitrary user text safe for an iCalendar TEXT value.

    Control characters are not allowed in TEXT (RFC 5545 §3.3.11) and make strict parsers reject
    the whole feed, so they are dropped; line breaks become `\\n` (escaped by icalendar) or a space
    for one-line fields such as SUMMARY and LOCATION. Surrogates cannot be encoded in UTF-8.
    """
    value = _NEWLINES.sub("\n" if multiline else " ", value)
    kept = []
    for char in value:
        if char == "\n" or char == "\t":
            kept.append(char)
        elif unicodedata.category(char) in ("Cc", "Cs"):
            continue
        else:
            kept.append(char)
    return "".join(kept)


class _Text(vText):
    """A TEXT value escaped as RFC 5545 §3.3.11 says, and nothing more.

    icalendar's own escaping first rewrites a literal backslash-N as a line break, so a title such as
    `C:\\Nieuw` would reach every client split over two lines.
    """

    encoding: str  # set by vText.__new__

    def to_ical(self) -> bytes:
        escaped = (
            str(self).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")
        )
        return escaped.encode(self.encoding)


def _exact_text(calendar: Calendar) -> None:
    for component in calendar.walk():
        for name, value in list(component.items()):
            if type(value) is vText:
                component[name] = _Text(str(value), params=dict(value.params))


def _title(title: str, cancelled: bool) -> str:
    title = clean_text(title, multiline=False)
    return CANCELLED_PREFIX + title if cancelled else title


def _join_lines(*parts: str) -> str:
    return "\n".join(part for part in parts if part)


class _Builder:
    """Collects VEVENTs and the time zones they use, then writes one VCALENDAR."""

    def __init__(self, host: str, reminder_minutes: int | None) -> None:
        self.host = host
        self.reminder_minutes = reminder_minutes
        self.components: list[tuple[tuple[datetime, int, str], Event]] = []
        self.spans: dict[str, list[datetime]] = {}
        self.seen_uids: set[str] = set()

    def _when(self, component: Event, start: datetime, end: datetime, tzid: str) -> None:
        zone = ZoneInfo(tzid)
        # DTSTART and DTEND in the same form: both in UTC when either falls in the repeated hour.
        in_utc = is_repeated(start, zone) or (end > start and is_repeated(end, zone))
        component.add("DTSTART", start if in_utc else wall_time(start, zone))
        if end > start:
            component.add("DTEND", end if in_utc else wall_time(end, zone))
        # else: a zero or negative length is bad data; without DTEND the event simply ends at its
        # start (RFC 5545 §3.6.1) rather than making strict clients reject the whole feed.
        self.spans.setdefault(tzid, []).extend((start, max(start, end)))

    def _stamp(self, component: Event, uid: str, sequence: int, modified: datetime) -> None:
        component.add("UID", uid)
        component.add("SEQUENCE", max(0, sequence))
        component.add("DTSTAMP", modified)
        component.add("LAST-MODIFIED", modified)

    def _alarm(self, component: Event, summary: str) -> None:
        if self.reminder_minutes is None:
            return
        alarm = Alarm()
        alarm.add("ACTION", "DISPLAY")
        alarm.add("DESCRIPTION", summary)
        alarm.add("TRIGGER", timedelta(minutes=-self.reminder_minutes))
        component.add_component(alarm)

    def _status(self, component: Event, cancelled: bool) -> None:
        component.add("STATUS", "CANCELLED" if cancelled else "CONFIRMED")
        # A cancelled item should not block the day in anyone's free/busy view.
        component.add("TRANSP", "TRANSPARENT" if cancelled else "OPAQUE")

    def _keep(self, uid: str, sort_key: tuple[datetime, int, str], component: Event) -> None:
        if uid in self.seen_uids:
            # Duplicate UIDs in one VCALENDAR make clients drop or merge items unpredictably.
            raise ValueError(f"duplicate calendar item {uid}")
        self.seen_uids.add(uid)
        self.components.append((sort_key, component))

    def add_event(self, event: CalendarEvent, *, alarm: bool) -> None:
        uid = event_uid(event.id, self.host)
        component = Event()
        summary = _title(event.title, event.cancelled)
        modified = max(event.updated_at, event.cancelled_at or event.updated_at)
        self._stamp(component, uid, event.sequence, modified)
        self._when(component, event.start_utc, event.end_utc, event.timezone)
        component.add("SUMMARY", summary)
        location = _event_location(event)
        if location:
            component.add("LOCATION", location)
        description = _join_lines(
            _cancel_notice(event),
            clean_text(event.description),
            f"Online: {clean_text(event.online_url, multiline=False)}" if event.online_url else "",
            f"Meer informatie: {clean_text(event.public_url, multiline=False)}" if event.public_url else "",
        )
        if description:
            component.add("DESCRIPTION", description)
        if event.public_url:
            component.add("URL", clean_text(event.public_url, multiline=False))
        self._status(component, event.cancelled)
        if alarm and not event.cancelled:
            self._alarm(component, summary)
        self._keep(uid, (event.start_utc, 0, uid), component)

    def add_session(self, event: CalendarEvent, session: CalendarSession) -> None:
        uid = session_uid(session.id, self.host)
        component = Event()
        summary = _title(f"{clean_text(session.title, multiline=False)} · {event.title}", event.cancelled)
        # A session's rendering also depends on its event (cancelled, title, place), so both
        # counters feed its SEQUENCE: the sum rises whenever either does, as clients require.
        self._stamp(
            component,
            uid,
            session.sequence + event.sequence,
            max(session.updated_at, event.updated_at, event.cancelled_at or event.updated_at),
        )
        self._when(component, session.start_utc, session.end_utc, event.timezone)
        component.add("SUMMARY", summary)
        location = ", ".join(
            part for part in (clean_text(session.room, multiline=False), _event_location(event)) if part
        )
        if location:
            component.add("LOCATION", location)
        description = _join_lines(
            _cancel_notice(event),
            clean_text(session.description),
            f"Onderdeel van: {clean_text(event.title, multiline=False)}",
            f"Meer informatie: {clean_text(event.public_url, multiline=False)}" if event.public_url else "",
        )
        component.add("DESCRIPTION", description)
        if event.public_url:
            component.add("URL", clean_text(event.public_url, multiline=False))
        component.add("RELATED-TO", event_uid(event.id, self.host), parameters={"RELTYPE": "PARENT"})
        self._status(component, event.cancelled)
        self._keep(uid, (session.start_utc, 1, uid), component)

    def add_breakout(self, breakout: CalendarBreakout) -> None:
        uid = breakout_item_uid(breakout, self.host)
        component = Event()
        theme = clean_text(breakout.theme_label, multiline=False)
        summary = _title(
            f"Breakoutronde {breakout.round_number}: {theme} — groep {breakout.group_number}",
            breakout.cancelled,
        )
        self._stamp(component, uid, breakout.sequence, breakout.updated_at)
        self._when(component, breakout.start_utc, breakout.end_utc, breakout.timezone)
        component.add("SUMMARY", summary)
        room = clean_text(breakout.room, multiline=False)
        location = ", ".join(part for part in (room, clean_text(breakout.venue, multiline=False)) if part)
        if location:
            component.add("LOCATION", location)
        component.add(
            "DESCRIPTION",
            _join_lines(
                "Deze breakout is geannuleerd." if breakout.cancelled else "",
                f"Thema: {theme}",
                f"Groep: {breakout.group_number}",
                f"Ronde: {breakout.round_number}",
                f"Zaal: {room}" if room else "",
                f"Evenement: {clean_text(breakout.event_title, multiline=False)}",
            ),
        )
        component.add("RELATED-TO", event_uid(breakout.event_id, self.host), parameters={"RELTYPE": "PARENT"})
        self._status(component, breakout.cancelled)
        if not breakout.cancelled:
            self._alarm(component, summary)
        self._keep(uid, (breakout.start_utc, 2, uid), component)

    def build(self, header: Sequence[tuple[str, object, dict[str, str] | None]]) -> bytes:
        calendar = Calendar()
        calendar.add("VERSION", "2.0")
        calendar.add("PRODID", PRODID)
        calendar.add("CALSCALE", "GREGORIAN")
        calendar.add("METHOD", "PUBLISH")
        for name, value, parameters in header:
            calendar.add(name, value, parameters=parameters or {})
        for _key, component in sorted(self.components, key=lambda item: item[0]):
            calendar.add_component(component)
        add_timezones(calendar, self.spans)
        _exact_text(calendar)
        return calendar.to_ical()


def _cancel_notice(event: CalendarEvent) -> str:
    if not event.cancelled:
        return ""
    reason = clean_text(event.cancel_reason).strip()
    # First line of the description: the only cancellation signal some Outlook versions show.
    return f"Dit evenement is geannuleerd. {reason}".strip()


def _event_location(event: CalendarEvent) -> str:
    parts = [clean_text(event.venue_name, multiline=False), clean_text(event.venue_address, multiline=False)]
    place = ", ".join(part for part in parts if part)
    return place or clean_text(event.online_url, multiline=False)


def _feed_header(meta: FeedMeta) -> list[tuple[str, object, dict[str, str] | None]]:
    name = clean_text(meta.name, multiline=False)
    description = clean_text(meta.description)
    interval = vDuration(meta.refresh_interval)
    return [
        # RFC 7986 names plus the X-WR-* spellings that Apple, Google and Outlook actually read.
        ("NAME", name, None),
        ("X-WR-CALNAME", name, None),
        ("DESCRIPTION", description, None),
        ("X-WR-CALDESC", description, None),
        # icalendar's `refresh_interval` setter writes no VALUE parameter, yet RFC 7986 requires
        # VALUE=DURATION here; set explicitly so strict clients accept it.
        ("REFRESH-INTERVAL", interval, {"VALUE": "DURATION"}),
        # Outlook's polling hint; a plain timedelta would be written as "1:00:00".
        ("X-PUBLISHED-TTL", vDuration(meta.refresh_interval), None),
    ]


def _sorted_events(events: Iterable[CalendarEvent]) -> list[CalendarEvent]:
    return sorted(events, key=lambda event: (event.start_utc, event.id))


# --------------------------------------------------------------------------- renderers


def render_event_ics(event: CalendarEvent, host: str) -> bytes:
    """One event and its agenda sessions, for the "Zet in je agenda" download.

    No NAME/X-WR-CALNAME or REFRESH-INTERVAL here: with a calendar name Outlook imports a single
    download as a separate new calendar instead of adding the event to the user's own.
    """
    FeedMeta(name="", description="", host=host)  # validates host the same way feeds do
    builder = _Builder(host, reminder_minutes=None)
    builder.add_event(event, alarm=False)
    for session in sorted(event.sessions, key=lambda s: (s.start_utc, s.id)):
        builder.add_session(event, session)
    return builder.build(header=())


def render_community_feed(events: Iterable[CalendarEvent], meta: FeedMeta) -> bytes:
    """The public subscription feed. The caller filters with `visible_in_feed`."""
    builder = _Builder(meta.host, meta.reminder_minutes)
    for event in _sorted_events(events):
        builder.add_event(event, alarm=True)
        if meta.include_sessions:
            for session in sorted(event.sessions, key=lambda s: (s.start_utc, s.id)):
                builder.add_session(event, session)
    return builder.build(_feed_header(meta))


def render_member_feed(
    events: Iterable[CalendarEvent], breakouts: Iterable[CalendarBreakout], meta: FeedMeta
) -> bytes:
    """A member's personal feed: their events, the agenda, and their own breakout groups.

    A breakout round the member has a published group for is shown once, as the personal
    breakout (with theme, group and room), not also as the generic agenda item.
    """
    breakouts = sorted(breakouts, key=lambda b: (b.start_utc, b.event_id, b.round_number, b.member_id))
    replaced = {(b.event_id, b.session_id) for b in breakouts if b.session_id is not None}
    builder = _Builder(meta.host, meta.reminder_minutes)
    for event in _sorted_events(events):
        builder.add_event(event, alarm=True)
        if meta.include_sessions:
            for session in sorted(event.sessions, key=lambda s: (s.start_utc, s.id)):
                if session.is_breakout_round and (event.id, session.id) in replaced:
                    continue
                builder.add_session(event, session)
    for breakout in breakouts:
        builder.add_breakout(breakout)
    return builder.build(_feed_header(meta))


def visible_in_feed(event: CalendarEvent, now: datetime, retention: timedelta = CANCELLED_RETENTION) -> bool:
    """Whether a feed should still list `event` at `now`.

    Cancelled events stay for `retention` after the cancellation so that clients which already
    have the event see it turn into "Geannuleerd" rather than keep the stale original.
    """
    if not event.cancelled:
        return True
    cancelled_at = event.cancelled_at or event.updated_at
    return utc_seconds(now, "now") - cancelled_at <= retention


# --------------------------------------------------------------------------- scheduling (iTIP) in mails


def scheduling_message(ics: bytes, uid: str, *, method: str, organizer: str, attendee: str, attendee_name: str = "",
                       sequence_bump: int = 0) -> bytes:
    """The calendar part of a mail to one ticket holder (RFC 5546, iTIP): the VEVENT `uid` of a rendered event
    (`render_event_ics`), the same UID the feeds use, with its VTIMEZONE.

    `method` REQUEST adds or updates the imported copy (clients replace it when SEQUENCE is higher: the event's
    SEQUENCE rises with every change of time or place, events.service); CANCEL removes it (STATUS:CANCELLED; a
    person's own cancellation while the event goes on adds `sequence_bump`, so the CANCEL outranks the REQUEST
    they imported). iTIP wants one UID per message, ORGANIZER and ATTENDEE: the organiser's sending address, and
    the addressee, already accepted and asked for no reply (RSVP=FALSE), since a ticket is not an invitation
    to answer.
    """
    if method not in ("REQUEST", "CANCEL"):
        raise ValueError(f"unsupported iTIP method {method!r}")
    source = Calendar.from_ical(ics)
    out = Calendar()
    out.add("VERSION", "2.0")
    out.add("PRODID", PRODID)
    out.add("CALSCALE", "GREGORIAN")
    out.add("METHOD", method)
    for component in source.subcomponents:
        if component.name == "VTIMEZONE":
            out.add_component(component)
    [event] = [c for c in source.walk("VEVENT") if str(c.get("UID")) == uid]
    if sequence_bump:
        event["SEQUENCE"] = int(event.get("SEQUENCE", 0)) + sequence_bump
    if method == "CANCEL":
        event.pop("STATUS", None)
        event.add("STATUS", "CANCELLED")
        for alarm in list(event.subcomponents):
            event.subcomponents.remove(alarm)
    event.add("ORGANIZER", f"mailto:{organizer}", parameters={"CN": "Nieuw Geluid"})
    parameters = {"ROLE": "REQ-PARTICIPANT", "PARTSTAT": "ACCEPTED", "RSVP": "FALSE"}
    name = clean_text(attendee_name, multiline=False)
    if name:
        parameters["CN"] = name
    event.add("ATTENDEE", f"mailto:{attendee}", parameters=parameters)
    out.add_component(event)
    return out.to_ical()
