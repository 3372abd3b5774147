"""Sample calendars for the calendar tests (tests/unit/events/): events with agenda sessions, a cancelled one,
the night of the October clock change, a second zone and year, a member's breakouts, and the three renderings
(the community feed, a member's feed, one event's download)."""

from __future__ import annotations

from datetime import UTC, datetime

from events.calendar import (
    CalendarBreakout,
    CalendarEvent,
    CalendarSession,
    FeedMeta,
    render_community_feed,
    render_event_ics,
    render_member_feed,
)

HOST = "nieuwgeluid.nl"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# A description whose multibyte characters land on every possible octet offset of a fold.
LONG_DESCRIPTION = (
    "Wij organiseren een “hackathon” voor het klantcontact: ideeën, coöperatie en café-gesprekken. "
    + "Toegang €\u00a015,– per duo; één ticket geldt voor twee personen. " * 3
    + "".join("é€ë“”"[i % 5] + "x" * (i % 4) for i in range(120))
    + "\nTweede alinea; met komma's, puntkomma's en een backslash \\ erin."
)

UPDATED = CalendarEvent(
    id=11,
    slug="hackathon-utrecht",
    title="Hackathon “Klantcontact van morgen” — Utrecht €",
    description=LONG_DESCRIPTION,
    start_utc=utc(2026, 6, 12, 7, 30),
    end_utc=utc(2026, 6, 12, 16, 0),
    venue_name="Jaarbeurs, Zaal Coöperatie",
    venue_address="Jaarbeursplein 6, 3521 AL Utrecht",
    public_url="https://nieuwgeluid.nl/evenementen/hackathon-utrecht",
    sequence=3,  # moved twice, renamed once
    updated_at=utc(2026, 5, 20, 9, 15, 42),
    sessions=(
        CalendarSession(
            id=101,
            title="Opening & ontbijt",
            start_utc=utc(2026, 6, 12, 7, 30),
            end_utc=utc(2026, 6, 12, 8, 0),
            room="Foyer",
            updated_at=utc(2026, 5, 1, 8),
            sequence=1,
        ),
        CalendarSession(
            id=102,
            title="Breakoutronde 1",
            start_utc=utc(2026, 6, 12, 9, 0),
            end_utc=utc(2026, 6, 12, 10, 30),
            is_breakout_round=True,
            updated_at=utc(2026, 5, 1, 8),
        ),
    ),
)

CANCELLED = CalendarEvent(
    id=12,
    slug="meetup-zwolle",
    title="Meetup Zwolle",
    description="Gaat helaas niet door.",
    start_utc=utc(2026, 9, 3, 15, 0),
    end_utc=utc(2026, 9, 3, 18, 0),
    online_url="https://meet.example.org/zwolle",
    cancelled=True,
    cancelled_at=utc(2026, 8, 30, 12, 0),
    cancel_reason="Te weinig aanmeldingen.",
    sequence=5,
    updated_at=utc(2026, 8, 30, 11, 0),
)

# The night of the October clock change: 03:00 CEST becomes 02:00 CET on 25 October 2026.
NIGHT = CalendarEvent(
    id=13,
    slug="nachthackathon",
    title="Nachthackathon Amsterdam",
    description=(
        "De hele nacht door, ook tijdens de wintertijd-overgang — ’s nachts koffie, “pitches” en één demo"
        " per team."
    ),
    start_utc=utc(2026, 10, 24, 16, 0),  # 18:00 CEST
    end_utc=utc(2026, 10, 25, 9, 0),  # 10:00 CET
    venue_name="Pakhuis de Zwijger",
    updated_at=utc(2026, 10, 1, 0, 0),
    sessions=(
        CalendarSession(
            id=131,  # 01:30 CEST → 03:30 CET: 3 hours although the wall clock says 2
            title="Pitches in het uur dat twee keer komt",
            start_utc=utc(2026, 10, 24, 23, 30),
            end_utc=utc(2026, 10, 25, 2, 30),
            room="Grote zaal",
            updated_at=utc(2026, 10, 1),
        ),
        CalendarSession(
            id=132,  # 02:30 CEST (first 02:30) → 02:45 CET (second 02:45): only writable in UTC
            title="Koffie",
            start_utc=utc(2026, 10, 25, 0, 30),
            end_utc=utc(2026, 10, 25, 1, 45),
            updated_at=utc(2026, 10, 1),
        ),
        CalendarSession(
            id=133,  # starts in the second 02:00–03:00 hour
            title="Demo's",
            start_utc=utc(2026, 10, 25, 1, 15),
            end_utc=utc(2026, 10, 25, 3, 0),
            updated_at=utc(2026, 10, 1),
        ),
    ),
)

LONDON = CalendarEvent(
    id=14,
    slug="uk-exchange",
    title="Kennisuitwisseling Londen",
    start_utc=utc(2027, 3, 28, 0, 30),  # the spring change in both zones, and a second year
    end_utc=utc(2027, 3, 28, 2, 30),
    timezone="Europe/London",
    venue_name="Barbican",
    updated_at=utc(2027, 1, 5),
)

EVENTS = (UPDATED, CANCELLED, NIGHT, LONDON)

BREAKOUTS = (
    CalendarBreakout(
        round_number=1,
        member_id=501,
        event_id=11,
        event_title=UPDATED.title,
        theme_label="Imago",
        group_number=3,
        room="Zaal Ëindhoven",
        start_utc=utc(2026, 6, 12, 9, 0),
        end_utc=utc(2026, 6, 12, 10, 30),
        session_id=102,
        sequence=2,
        updated_at=utc(2026, 6, 1, 10),
    ),
    CalendarBreakout(
        round_number=1,  # round 1 again, of another event: UIDs must still differ
        member_id=501,
        event_id=13,
        event_title=NIGHT.title,
        theme_label="Klantreis “nacht”",
        group_number=7,
        room="Grote zaal",
        venue="Pakhuis de Zwijger, Piet Heinkade 179, Amsterdam",
        start_utc=utc(2026, 10, 25, 0, 45),
        end_utc=utc(2026, 10, 25, 1, 50),
        updated_at=utc(2026, 10, 2),
    ),
)

COMMUNITY_META = FeedMeta(name="Nieuw Geluid — evenementen", description="Alle evenementen", host=HOST)
MEMBER_META = FeedMeta(name="Mijn Nieuw Geluid", description="Jouw agenda", host=HOST, reminder_minutes=30)


def community() -> bytes:
    return render_community_feed(EVENTS, COMMUNITY_META)


def member() -> bytes:
    return render_member_feed(EVENTS, BREAKOUTS, MEMBER_META)


def single() -> bytes:
    return render_event_ics(NIGHT, HOST)
