"""Helpers for the calendar-feed API tests (tests/api/events/feeds/): event bodies, the three independent parsers
that read every feed back (the strict `ical` package, counting events and comparing UIDs because it can return an
empty calendar silently; `vobject` with validation, resolving TZIDs from our VTIMEZONE; `icalendar`'s
missing-time-zone check), privacy checks, a member's personal feed URL, and `Groups`: published breakout groups
for a free hackathon."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
import icalendar
import vobject
from ical.calendar_stream import IcsCalendarStream

from tests.support.members import Members, give_event_role

HOST = "testserver"
ICS = "text/calendar; charset=utf-8"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


def hackathon(title: str = "Een nieuw geluid in klantcontact", day: str = "2027-03-10", **overrides: Any
              ) -> dict[str, Any]:
    body = {
        "title": title,
        "description": "Samen werken aan klantcontact: ideeën, coöperatie en café-gesprekken. " * 6,
        "starts_at": f"{day}T13:00:00",
        "ends_at": f"{day}T21:00:00",
        "venue_name": "De Kennismakerij",
        "address": "Stationsplein 1, Utrecht",
        "capacity_duos": 40,
        "price_cents": 9500,
        "agenda": [
            {"title": "Welkom", "starts_at": f"{day}T13:00:00", "ends_at": f"{day}T13:30:00", "room": "Foyer"},
            {"title": "Ronde 1", "starts_at": f"{day}T14:00:00", "ends_at": f"{day}T15:30:00",
             "is_breakout_round": True},
        ],
    }
    body.update(overrides)
    return body


def autumn_night() -> dict[str, Any]:
    """A night hackathon across the October clock change (03:00 CEST → 02:00 CET on 31 October 2027)."""
    return hackathon(
        "Nachtelijke hackathon: één uur extra", "2027-10-30", starts_at="2027-10-30T20:00:00",
        ends_at="2027-10-31T06:00:00",
        agenda=[{"title": "Doorwerken tot de klok terugspringt", "starts_at": "2027-10-31T01:00:00",
                 "ends_at": "2027-10-31T04:00:00", "room": "Zaal Ü"}],
    )


async def published(client: httpx.AsyncClient, organiser: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    created = await client.post("/api/v1/events", json=body, headers=organiser["headers"])
    assert created.status_code == 201, created.text
    response = await client.post(f"/api/v1/events/{created.json()['slug']}/publish", headers=organiser["headers"])
    assert response.status_code == 200, response.text
    return response.json()


def utc(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def expected_items(event: dict[str, Any], *, sessions: bool = True) -> dict[str, tuple[datetime, datetime]]:
    """UID → the UTC instants the API reports for the event (and its agenda)."""
    items = {f"event-{event['id']}@{HOST}": (utc(event["starts_at"]), utc(event["ends_at"]))}
    if sessions:
        for s in event["agenda"]:
            items[f"session-{s['id']}@{HOST}"] = (utc(s["starts_at"]), utc(s["ends_at"]))
    return items


def check_parsers(body: bytes, expected: dict[str, tuple[datetime, datetime]]) -> None:
    """The three parsers agree: exactly these UIDs, at exactly these UTC instants."""
    assert not body.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in body
    assert b"\n" not in body.replace(b"\r\n", b"")
    strict = IcsCalendarStream.calendar_from_ics(body.decode())
    assert len(strict.events) == len(expected)
    got = {e.uid: (e.dtstart.astimezone(UTC), e.dtend.astimezone(UTC)) for e in strict.events}
    assert got == expected
    # vobject keeps every VTIMEZONE it reads in a process-wide registry by TZID and prefers it over the next
    # file's own: start empty (so this feed's VTIMEZONE is the one checked) and leave it as found.
    registry = vars(vobject.icalendar)["__tzidMap"]
    saved = dict(registry)
    registry.clear()
    try:
        validated = vobject.readOne(body.decode(), validate=True)
        vevents = getattr(validated, "vevent_list", [])
        got_v = {v.uid.value: (v.dtstart.value.astimezone(UTC), v.dtend.value.astimezone(UTC)) for v in vevents}
    finally:
        registry.clear()
        registry.update(saved)
    assert got_v == expected
    parsed = icalendar.Calendar.from_ical(body)
    assert parsed.get_missing_tzids() == set()
    assert {str(e["UID"]) for e in parsed.walk("VEVENT")} == set(expected)


def vevent_props(body: bytes) -> dict[str, dict[str, str]]:
    """UID → {property: value} of each VEVENT (unfolded; parameters dropped)."""
    result: dict[str, dict[str, str]] = {}
    for event in icalendar.Calendar.from_ical(body).walk("VEVENT"):
        result[str(event["UID"])] = {k: str(v) for k, v in event.items()}
    return result


def assert_private_clean(body: bytes, *secrets: str) -> None:
    text = body.decode()
    assert not EMAIL.search(text.replace("\r\n ", "")), EMAIL.search(text)
    assert "ORGANIZER" not in text
    assert "ATTENDEE" not in text
    for secret in secrets:
        assert secret not in text.replace("\r\n ", "")


async def personal_url(client: httpx.AsyncClient, member: dict[str, Any]) -> str:
    response = await client.post("/api/v1/me/calendar/rotate", headers=member["headers"])
    assert response.status_code == 200, response.text
    url = response.json()["personal"]["url"]
    assert url.startswith("http://testserver/feeds/")
    assert url.endswith(".ics")
    return url


TicketMap = dict[int, list[int]]


TicketMap = dict[int, list[int]]


class Groups:
    """A free hackathon with two breakout rounds, its duos bought through the API, groups generated and published
    by a facilitator; Anna (buyer) and Bram (her companion, with an account of his own) subscribe."""

    def __init__(self, client: httpx.AsyncClient, members: Members) -> None:
        self.client, self.members = client, members
        self.event: dict[str, Any] = {}
        self.organiser: dict[str, Any] = {}
        self.people: dict[str, dict[str, Any]] = {}
        self.urls: dict[str, str] = {}
        self.orders: dict[str, int] = {}

    async def setup(self) -> Groups:
        from tests.support.breakouts import seed_duos

        day = "2027-03-10"
        self.organiser = await self.members.create("organiser")
        facilitator = await self.members.create()
        self.event = await published(self.client, self.organiser, hackathon(price_cents=0, agenda=[
            {"title": "Welkom", "starts_at": f"{day}T13:00:00", "ends_at": f"{day}T13:30:00", "room": "Foyer"},
            {"title": "Ronde 1", "starts_at": f"{day}T14:00:00", "ends_at": f"{day}T15:30:00",
             "is_breakout_round": True},
            {"title": "Ronde 2", "starts_at": f"{day}T16:00:00", "ends_at": f"{day}T17:30:00",
             "is_breakout_round": True},
        ]))
        await give_event_role(self.event["slug"], facilitator["email"])
        for name in ("Anna", "Bram", "Cas"):
            self.people[name] = await self.members.create(name=name, industry="retail" if name == "Bram" else
                                                          "customer_contact", organisation=f"{name} BV")
        for buyer, companion in (("Anna", {"name": "Bram", "email": self.people["Bram"]["email"]}),
                                 ("Cas", {"name": "Dirk", "email": "dirk@example.nl"})):
            response = await self.client.post(
                f"/api/v1/events/{self.event['slug']}/orders", headers=self.people[buyer]["headers"],
                json={"companion": {**companion, "industry": "retail", "organisation": "Maatje BV"}})
            assert response.status_code == 201, response.text
            assert response.json()["status"] == "paid", response.text
            self.orders[buyer] = response.json()["id"]
        await seed_duos(self.event["id"], 8)
        url = f"/api/v1/events/{self.event['slug']}/breakouts"
        headers = facilitator["headers"]
        generated = await self.client.post(f"{url}/generate", json={"min_size": 3, "max_size": 6, "seed": 1},
                                           headers=headers)
        assert generated.status_code == 200, generated.text
        assert (await self.client.post(f"{url}/publish", headers=headers)).status_code == 200
        for name in ("Anna", "Bram", "Cas"):
            self.urls[name] = await personal_url(self.client, self.people[name])
        return self

    def round_sessions(self) -> list[dict[str, Any]]:
        return [s for s in self.event["agenda"] if s["is_breakout_round"]]

    def expected(self, name: str) -> dict[str, tuple[datetime, datetime]]:
        """The event, its agenda, and the person's own group per round instead of the generic rounds."""
        items = expected_items(self.event)
        member_id = self.people[name]["id"]
        for session in self.round_sessions():
            del items[f"session-{session['id']}@{HOST}"]
            items[f"breakout-{self.event['id']}-{session['round_number']}-{member_id}@{HOST}"] = (
                utc(session["starts_at"]), utc(session["ends_at"]))
        return items

    async def mine(self, name: str) -> dict[str, Any]:
        response = await self.client.get(f"/api/v1/me/breakouts?event={self.event['slug']}",
                                         headers=self.people[name]["headers"])
        assert response.status_code == 200, response.text
        return response.json()
