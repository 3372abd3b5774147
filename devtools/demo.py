"""Demo data for `make run` (`litestar --app app:app seed-demo`) and the browser tests: the community's first
hackathon, its organiser (also the administrator, so the beheer page works at once) and a facilitator of that
hackathon."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.principal import Principal
from events import service as events
from events import team
from events.tables import Event
from members.accounts import NewMember, ensure_member

DEMO_ORGANISER = ("organisator@nieuwgeluid.local", "geluid-org-maart-2027")
DEMO_FACILITATOR = ("facilitator@nieuwgeluid.local", "geluid-fac-maart-2027")
DEMO_SLUG = "een-nieuw-geluid-in-klantcontact"


def next_tenth_of_march(today: date) -> date:
    candidate = date(today.year, 3, 10)
    return candidate if candidate > today else date(today.year + 1, 3, 10)


async def seed_demo(today: date) -> bool:
    """Create the demo data unless there is already an event. Returns whether anything was created."""
    if await Event.count() > 0:
        return False
    organiser, _ = await ensure_member(
        NewMember(email=DEMO_ORGANISER[0], password=DEMO_ORGANISER[1], name="Olga Organisator",
                  organisation="Stichting Nieuw Geluid", industry="customer_contact", experience_level=4),
        roles=("admin", "organiser"),
    )
    facilitator, _ = await ensure_member(
        NewMember(email=DEMO_FACILITATOR[0], password=DEMO_FACILITATOR[1], name="Fenna Facilitator",
                  organisation="Stichting Nieuw Geluid", industry="customer_contact", experience_level=3),
        roles=(),
    )
    actor = Principal(organiser.id, organiser.email, organiser.name, True, True, "cli")
    day = next_tenth_of_march(today)
    tz = ZoneInfo("Europe/Amsterdam")

    def at(hour: int, minute: int = 0) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)

    await events.create_event(actor, {
        "slug": DEMO_SLUG,
        "title": "Een nieuw geluid in klantcontact",
        "description": (
            "De eerste hackathon van de klantcontactcommunity. Kom met een duo: jij en iemand onder de 30 "
            "of van buiten klantcontact. Samen werken we aan een keurmerk, het imago van de sector en de "
            "mens in klantcontact."
        ),
        "kind": "hackathon",
        "starts_at": at(13),
        "ends_at": at(21),
        "timezone": "Europe/Amsterdam",
        "venue_name": "De Kennismakerij",
        "address": "Stationsplein 1, 3511 ED Utrecht",
        "capacity_duos": 40,
        "price_cents": 9500,
        "sales_end": at(13) - timedelta(hours=1),
        "agenda": [
            {"title": "Inloop en welkom", "starts_at": at(13), "ends_at": at(13, 30), "room": "Foyer"},
            {"title": "Aftrap: een nieuw geluid", "starts_at": at(13, 30), "ends_at": at(14), "room": "Grote zaal"},
            {"title": "Breakoutronde 1", "starts_at": at(14), "ends_at": at(15, 30), "is_breakout_round": True},
            {"title": "Pauze", "starts_at": at(15, 30), "ends_at": at(15, 45), "room": "Foyer"},
            {"title": "Breakoutronde 2", "starts_at": at(15, 45), "ends_at": at(17, 15), "is_breakout_round": True},
            {"title": "Diner", "starts_at": at(17, 15), "ends_at": at(18, 15), "room": "Foyer"},
            {"title": "Breakoutronde 3", "starts_at": at(18, 15), "ends_at": at(19, 45), "is_breakout_round": True},
            {"title": "Pitches en afsluiting", "starts_at": at(19, 45), "ends_at": at(21), "room": "Grote zaal"},
        ],
    })
    await events.publish_event(actor, DEMO_SLUG)
    await team.grant_event_role(actor, DEMO_SLUG, facilitator.email, "facilitator")
    return True
