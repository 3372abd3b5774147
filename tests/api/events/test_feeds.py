"""Calendar feeds over HTTP: /events/{slug}.ics, /calendar.ics, /feeds/{token}.ics and /api/v1/me/calendar.

Every feed is read back with three independent parsers: the strict `ical` package (counting events and
comparing UIDs, because it can return an empty calendar silently), `vobject` with validation (it resolves
TZIDs from our VTIMEZONE) and `icalendar`'s missing-time-zone check.
"""

from __future__ import annotations

import gzip
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import icalendar
import pytest
import stripe
import vobject
from ical.calendar_stream import IcsCalendarStream

from events import feeds
from events.feeds_api import FeedTokenFilter, mask_feed_tokens
from settings import Settings
from tests.support.members import Members, give_event_role
from tests.support.shop import ticket_codes
from tests.support.stripe import LOCALSTRIPE_API_KEY, LocalStripe, open_stripe_client, running_localstripe

pytestmark = pytest.mark.anyio

HOST = "testserver"
ICS = "text/calendar; charset=utf-8"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")


@pytest.fixture(autouse=True)
def fresh_render_cache(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Tests change tickets and events and re-fetch at once: no reuse of a member's sources here
    # (test_member_sources_are_reused_briefly checks that reuse on its own).
    monkeypatch.setattr(feeds, "SOURCES_TTL_SECONDS", 0.0)
    feeds.clear_cache()
    yield
    feeds.clear_cache()


@pytest.fixture(scope="session")
def localstripe() -> Iterator[LocalStripe]:
    with running_localstripe() as server:
        yield server


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """Payments through localstripe for the tests that ask for `stripe_client` (a real payment and refund)."""
    if "stripe_client" not in request.fixturenames:
        return settings
    server: LocalStripe = request.getfixturevalue("localstripe")
    return replace(settings, stripe_api_base=server.base_url, stripe_secret_key=LOCALSTRIPE_API_KEY)


@pytest.fixture
async def stripe_client(localstripe: LocalStripe) -> AsyncIterator[stripe.StripeClient]:
    await localstripe.wipe()
    async with open_stripe_client(localstripe.base_url) as client:
        yield client


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
    assert not body.startswith(b"\xef\xbb\xbf") and b"\r\n" in body and b"\n" not in body.replace(b"\r\n", b"")
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
    assert "ORGANIZER" not in text and "ATTENDEE" not in text
    for secret in secrets:
        assert secret not in text.replace("\r\n ", "")


async def personal_url(client: httpx.AsyncClient, member: dict[str, Any]) -> str:
    response = await client.post("/api/v1/me/calendar/rotate", headers=member["headers"])
    assert response.status_code == 200, response.text
    url = response.json()["personal"]["url"]
    assert url.startswith("http://testserver/feeds/") and url.endswith(".ics")
    return url


TicketMap = dict[int, list[int]]


@pytest.fixture
def tickets(monkeypatch: pytest.MonkeyPatch) -> TicketMap:
    """A stand-in for ticketing.tickets.calendar_event_ids: member id → event ids (tests the seam)."""
    held: TicketMap = {}

    async def live_ticket_event_ids(member_id: int) -> list[int]:
        return list(held.get(member_id, []))

    def source() -> Callable[[int], Awaitable[list[int]]]:
        return live_ticket_event_ids

    monkeypatch.setattr(feeds, "ticket_source", source)
    return held


# --------------------------------------------------------------------------- /events/{slug}.ics


async def test_event_download_parses_everywhere_with_the_api_instants(client: httpx.AsyncClient,
                                                                       members: Members) -> None:
    organiser = await members.create("organiser")
    draft = (await client.post("/api/v1/events", json=autumn_night(), headers=organiser["headers"])).json()
    hidden = await client.get(f"/events/{draft['slug']}.ics")
    assert hidden.status_code == 404 and hidden.headers["content-type"] == "application/problem+json"
    event = (await client.post(f"/api/v1/events/{draft['slug']}/publish", headers=organiser["headers"])).json()

    response = await client.get(f"/events/{event['slug']}.ics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == ICS
    assert response.headers["content-disposition"] == f'attachment; filename="{event["slug"]}.ics"'
    assert "private" not in response.headers["cache-control"]
    check_parsers(response.content, expected_items(event))
    # The session runs 01:00 CEST → 03:00 CET: three real hours, exactly as the API stored it.
    session = event["agenda"][0]
    assert utc(session["ends_at"]) - utc(session["starts_at"]) == timedelta(hours=4)
    text = response.content.decode()
    assert "TZID=Europe/Amsterdam" in text and "BEGIN:VTIMEZONE" in text and "Zaal Ü" in text
    assert "X-WR-CALNAME" not in text  # a download must not become a calendar of its own in Outlook
    assert (await client.get(f"/events/{event['slug']}")).status_code == 404
    assert (await client.get("/events/bestaat-niet.ics")).status_code == 404


# --------------------------------------------------------------------------- /calendar.ics


async def test_community_feed_lists_published_and_cancelled_never_drafts(client: httpx.AsyncClient,
                                                                         members: Members) -> None:
    organiser = await members.create("organiser")
    march = await published(client, organiser, hackathon())
    night = await published(client, organiser, autumn_night())
    gone = await published(client, organiser, hackathon("Meetup die niet doorgaat", "2027-05-12"))
    draft = (await client.post("/api/v1/events", json=hackathon("Nog geheim", "2027-06-01"),
                               headers=organiser["headers"])).json()
    cancelled = await client.post(f"/api/v1/events/{gone['slug']}/cancel", json={"reason": "Te weinig animo."},
                                  headers=organiser["headers"])
    assert cancelled.status_code == 200, cancelled.text
    gone = cancelled.json()

    response = await client.get("/calendar.ics")
    assert response.status_code == 200 and response.headers["content-type"] == ICS
    expected = {**expected_items(march, sessions=False), **expected_items(night, sessions=False),
                **expected_items(gone, sessions=False)}
    check_parsers(response.content, expected)
    props = vevent_props(response.content)
    assert props[f"event-{gone['id']}@{HOST}"]["STATUS"] == "CANCELLED"
    assert props[f"event-{gone['id']}@{HOST}"]["SUMMARY"] == "Geannuleerd: Meetup die niet doorgaat"
    assert props[f"event-{march['id']}@{HOST}"]["STATUS"] == "CONFIRMED"
    assert f"event-{draft['id']}@" not in response.text and "Nog geheim" not in response.text
    lines = response.content.decode().replace("\r\n ", "").split("\r\n")
    for line in ("REFRESH-INTERVAL;VALUE=DURATION:PT1H", "X-PUBLISHED-TTL:PT1H",
                 "X-WR-CALNAME:Nieuw Geluid — evenementen", "NAME:Nieuw Geluid — evenementen"):
        assert line in lines
    assert "BEGIN:VALARM" not in response.text
    assert_private_clean(response.content, organiser["email"])

    again = await client.get("/calendar.ics")
    assert again.content == response.content and again.headers["etag"] == response.headers["etag"]
    feeds.clear_cache()  # a fresh render (another worker) gives the same bytes too
    assert (await client.get("/calendar.ics")).content == response.content


async def test_moving_and_cancelling_keep_uids_and_raise_sequence(client: httpx.AsyncClient, members: Members,
                                                                  tickets: TicketMap) -> None:
    organiser = await members.create("organiser")
    member = await members.create()
    event = await published(client, organiser, hackathon())
    other = await published(client, organiser, hackathon("Tweede editie", "2027-04-14"))
    tickets[member["id"]] = [event["id"], other["id"]]
    url = await personal_url(client, member)
    before = {path: vevent_props((await client.get(path)).content)
              for path in ("/calendar.ics", f"/events/{event['slug']}.ics", url)}
    before_etag = (await client.get("/calendar.ics")).headers["etag"]

    moved = await client.patch(f"/api/v1/events/{event['slug']}", headers=organiser["headers"],
                               json={"starts_at": "2027-03-10T12:00:00", "venue_name": "Beurs van Berlage"})
    assert moved.status_code == 200, moved.text
    moved_event = moved.json()
    cancelled = await client.post(f"/api/v1/events/{other['slug']}/cancel", json={"reason": "Zaal vervalt."},
                                  headers=organiser["headers"])
    assert cancelled.status_code == 200

    for path in ("/calendar.ics", f"/events/{event['slug']}.ics", url):
        response = await client.get(path)
        after = vevent_props(response.content)
        assert set(after) == set(before[path]), path
        for uid, props in after.items():
            assert int(props["SEQUENCE"]) > int(before[path][uid]["SEQUENCE"]), (path, uid)
    community = await client.get("/calendar.ics")
    assert community.headers["etag"] != before_etag
    check_parsers(community.content, {**expected_items(moved_event, sessions=False),
                                      **expected_items(cancelled.json(), sessions=False)})
    props = vevent_props(community.content)
    assert props[f"event-{event['id']}@{HOST}"]["LOCATION"].startswith("Beurs van Berlage")
    assert props[f"event-{other['id']}@{HOST}"]["STATUS"] == "CANCELLED"
    assert props[f"event-{other['id']}@{HOST}"]["SUMMARY"].startswith("Geannuleerd: ")
    personal = vevent_props((await client.get(url)).content)
    other_sessions = [f"session-{s['id']}@{HOST}" for s in other["agenda"]]
    assert all(personal[uid]["STATUS"] == "CANCELLED" for uid in other_sessions)


# --------------------------------------------------------------------------- HTTP behaviour


async def test_conditional_requests_head_and_content_type(client: httpx.AsyncClient, members: Members) -> None:
    organiser = await members.create("organiser")
    event = await published(client, organiser, hackathon())
    for path in ("/calendar.ics", f"/events/{event['slug']}.ics"):
        first = await client.get(path, headers={"Accept-Encoding": "identity"})
        assert first.status_code == 200 and "content-encoding" not in first.headers
        etag, last_modified = first.headers["etag"], first.headers["last-modified"]
        assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
        assert datetime.strptime(last_modified, "%a, %d %b %Y %H:%M:%S GMT")

        by_tag = await client.get(path, headers={"If-None-Match": etag, "Accept-Encoding": "identity"})
        assert by_tag.status_code == 304 and by_tag.content == b"" and by_tag.headers["etag"] == etag
        by_date = await client.get(path, headers={"If-Modified-Since": last_modified, "Accept-Encoding": "identity"})
        assert by_date.status_code == 304
        stale_date = await client.get(path, headers={"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})
        assert stale_date.status_code == 200
        # If-None-Match decides alone: a different tag wins over a matching date.
        other = await client.get(path, headers={"If-None-Match": '"x"', "If-Modified-Since": last_modified})
        assert other.status_code == 200

        head = await client.head(path, headers={"Accept-Encoding": "identity"})
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == str(len(first.content))
        assert head.headers["etag"] == etag and head.headers["content-type"] == ICS

        for accept in ("*/*", "application/json", "text/html"):
            response = await client.get(path, headers={"Accept": accept})
            assert response.status_code == 200 and response.headers["content-type"] == ICS
        request = client.build_request("GET", path)
        del request.headers["accept"]
        bare = await client.send(request)
        assert bare.status_code == 200 and bare.headers["content-type"] == ICS


async def test_gzip_has_its_own_etag_and_revalidates(client: httpx.AsyncClient, members: Members) -> None:
    organiser = await members.create("organiser")
    await published(client, organiser, hackathon())
    plain = await client.get("/calendar.ics", headers={"Accept-Encoding": "identity"})
    packed = await client.get("/calendar.ics", headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert packed.content == plain.content  # httpx decodes; the representation differs, the calendar not
    assert packed.headers["etag"] != plain.headers["etag"]
    assert "accept-encoding" in packed.headers["vary"].lower()
    # The gzip bytes themselves are stable (no mtime) and match their Content-Length.
    raws = []
    for _ in range(2):
        async with client.stream("GET", "/calendar.ics", headers={"Accept-Encoding": "gzip"}) as response:
            raws.append((b"".join([chunk async for chunk in response.aiter_raw()]), response.headers))
    assert raws[0][0] == raws[1][0] and gzip.decompress(raws[0][0]) == plain.content
    assert raws[0][1]["content-length"] == str(len(raws[0][0]))
    again = await client.get("/calendar.ics", headers={"Accept-Encoding": "gzip"})
    assert again.headers["etag"] == packed.headers["etag"]
    not_modified = await client.get("/calendar.ics", headers={"Accept-Encoding": "gzip",
                                                              "If-None-Match": packed.headers["etag"]})
    assert not_modified.status_code == 304
    # A client holding the plain bytes that now accepts gzip gets the gzip representation, not a false 304.
    switched = await client.get("/calendar.ics", headers={"Accept-Encoding": "gzip",
                                                          "If-None-Match": plain.headers["etag"]})
    assert switched.status_code == 200 and switched.headers["etag"] == packed.headers["etag"]


# --------------------------------------------------------------------------- personal feeds


async def test_personal_feed_rotation_and_settings(client: httpx.AsyncClient, members: Members,
                                                   tickets: TicketMap) -> None:
    organiser = await members.create("organiser")
    member = await members.create(birth_date=date(1999, 4, 3))
    event = await published(client, organiser, hackathon())
    tickets[member["id"]] = [event["id"]]

    assert (await client.get("/api/v1/me/calendar")).status_code == 401
    shown = (await client.get("/api/v1/me/calendar", headers=member["headers"])).json()
    assert shown["personal"] == {"exists": False, "url": None, "links": None}
    assert shown["community"]["url"] == "http://testserver/calendar.ics"
    assert shown["reminder_minutes"] is None

    rotated = (await client.post("/api/v1/me/calendar/rotate", headers=member["headers"])).json()
    url = rotated["personal"]["url"]
    token = url.removeprefix("http://testserver/feeds/").removesuffix(".ics")
    assert len(token) >= 22 and re.fullmatch(r"[A-Za-z0-9_-]+", token)  # ≥ 128 bits of base64url
    links = rotated["personal"]["links"]
    assert links["webcal"] == "webcal://testserver/feeds/" + token + ".ics"
    assert parse_qs(urlsplit(links["google"]).query) == {"cid": [links["webcal"]]}
    assert links["google"].startswith("https://calendar.google.com/calendar/r?cid=")
    assert links["outlook"] == url
    # Only the hash is stored: afterwards the URL cannot be shown again, only that it exists.
    shown = (await client.get("/api/v1/me/calendar", headers=member["headers"])).json()
    assert shown["personal"] == {"exists": True, "url": None, "links": None}

    response = await client.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == ICS
    assert response.headers["cache-control"].startswith("private")
    assert "noindex" in response.headers["x-robots-tag"]
    assert token not in response.headers["content-disposition"]
    check_parsers(response.content, expected_items(event))
    assert "X-WR-CALNAME:Nieuw Geluid — mijn agenda" in response.text
    assert_private_clean(response.content, member["email"], organiser["email"], "1999", token)
    assert (await client.get(url)).content == response.content

    newer = (await client.post("/api/v1/me/calendar/rotate", headers=member["headers"])).json()["personal"]["url"]
    assert newer != url
    old = await client.get(url)
    assert old.status_code == 404 and old.headers["content-type"] == "application/problem+json"
    assert (await client.head(url)).status_code == 404
    assert (await client.get(newer)).content == response.content
    assert (await client.get("/feeds/kort.ics")).status_code == 404
    assert (await client.get(newer.removesuffix(".ics"))).status_code == 404

    assert (await client.delete("/api/v1/me/calendar/personal", headers=member["headers"])).status_code == 204
    assert (await client.get(newer)).status_code == 404


async def test_reminders_are_opt_in_and_move_last_modified(client: httpx.AsyncClient, members: Members,
                                                           tickets: TicketMap) -> None:
    organiser = await members.create("organiser")
    member = await members.create()
    event = await published(client, organiser, hackathon())
    tickets[member["id"]] = [event["id"]]
    url = await personal_url(client, member)
    first = await client.get(url)
    assert "BEGIN:VALARM" not in first.text

    bad = await client.patch("/api/v1/me/calendar", json={"reminder_minutes": -5}, headers=member["headers"])
    assert bad.status_code == 400
    opted = await client.patch("/api/v1/me/calendar", json={"reminder_minutes": 30}, headers=member["headers"])
    assert opted.status_code == 200 and opted.json()["reminder_minutes"] == 30
    second = await client.get(url, headers={"If-Modified-Since": first.headers["last-modified"],
                                            "If-None-Match": first.headers["etag"]})
    assert second.status_code == 200
    assert "TRIGGER:-PT30M" in second.text and second.headers["etag"] != first.headers["etag"]
    off = await client.patch("/api/v1/me/calendar", json={"reminder_minutes": None}, headers=member["headers"])
    assert off.json()["reminder_minutes"] is None
    assert "BEGIN:VALARM" not in (await client.get(url)).text


async def test_another_members_token_never_shows_your_items(client: httpx.AsyncClient, members: Members,
                                                            tickets: TicketMap) -> None:
    organiser = await members.create("organiser")
    anna, bram = await members.create(name="Anna"), await members.create(name="Bram")
    mine = await published(client, organiser, hackathon("Anna's hackathon", "2027-03-10"))
    theirs = await published(client, organiser, hackathon("Bram's meetup", "2027-04-14"))
    tickets[anna["id"]] = [mine["id"]]
    tickets[bram["id"]] = [theirs["id"]]
    anna_feed = await client.get(await personal_url(client, anna))
    bram_feed = await client.get(await personal_url(client, bram))
    check_parsers(anna_feed.content, expected_items(mine))
    check_parsers(bram_feed.content, expected_items(theirs))
    assert "Bram" not in anna_feed.text and "Anna" not in bram_feed.text


async def test_dropped_ticket_leaves_the_feed_and_defeats_if_modified_since(
    client: httpx.AsyncClient, members: Members, tickets: TicketMap
) -> None:
    organiser = await members.create("organiser")
    member = await members.create()
    kept = await published(client, organiser, hackathon())
    refunded = await published(client, organiser, hackathon("Terugbetaald", "2027-04-14"))
    tickets[member["id"]] = [kept["id"], refunded["id"]]
    url = await personal_url(client, member)
    before = await client.get(url)
    check_parsers(before.content, {**expected_items(kept), **expected_items(refunded)})

    tickets[member["id"]] = [kept["id"]]  # the refund: nothing about the remaining event changes
    after = await client.get(url, headers={"If-Modified-Since": before.headers["last-modified"]})
    assert after.status_code == 200
    check_parsers(after.content, expected_items(kept))
    assert after.headers["last-modified"] != before.headers["last-modified"]
    assert (await client.get(url, headers={"If-None-Match": after.headers["etag"]})).status_code == 304


async def test_drafts_never_reach_a_personal_feed(client: httpx.AsyncClient, members: Members,
                                                  tickets: TicketMap) -> None:
    organiser = await members.create("organiser")
    member = await members.create()
    draft = (await client.post("/api/v1/events", json=hackathon(), headers=organiser["headers"])).json()
    tickets[member["id"]] = [draft["id"]]
    response = await client.get(await personal_url(client, member))
    assert response.status_code == 200
    assert IcsCalendarStream.calendar_from_ics(response.text).events == []
    assert draft["title"] not in response.text


async def test_breakouts_from_the_pairing_seam_replace_the_generic_round(
    client: httpx.AsyncClient, members: Members, tickets: TicketMap, monkeypatch: pytest.MonkeyPatch
) -> None:
    organiser = await members.create("organiser")
    anna, bram = await members.create(), await members.create()
    event = await published(client, organiser, hackathon())
    tickets[anna["id"]] = [event["id"]]
    round_one = next(s for s in event["agenda"] if s["is_breakout_round"])

    def group(member_id: int, number: int) -> dict[str, Any]:
        return {"round_number": 1, "member_id": member_id, "event_id": event["id"], "event_title": event["title"],
                "theme_label": "Keurmerk", "group_number": number, "room": f"Zaal {number}",
                "start_utc": utc(round_one["starts_at"]), "end_utc": utc(round_one["ends_at"]),
                "updated_at": utc(event["updated_at"]), "session_id": round_one["id"]}

    async def published_breakouts_for_member(member_id: int) -> list[dict[str, Any]]:
        # A misbehaving source that also returns someone else's group: the feed must drop it.
        return [group(member_id, 3), group(bram["id"], 4)]

    monkeypatch.setattr(feeds, "breakout_source", lambda: published_breakouts_for_member)
    response = await client.get(await personal_url(client, anna))
    expected = expected_items(event)
    del expected[f"session-{round_one['id']}@{HOST}"]
    expected[f"breakout-{event['id']}-1-{anna['id']}@{HOST}"] = (utc(round_one["starts_at"]), utc(round_one["ends_at"]))
    check_parsers(response.content, expected)
    props = vevent_props(response.content)[f"breakout-{event['id']}-1-{anna['id']}@{HOST}"]
    assert props["SUMMARY"] == "Breakoutronde 1: Keurmerk — groep 3" and props["LOCATION"] == "Zaal 3"
    assert "Zaal 4" not in response.text


async def test_member_sources_are_reused_briefly_but_tokens_never(
    client: httpx.AsyncClient, members: Members, tickets: TicketMap, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feeds, "SOURCES_TTL_SECONDS", 60.0)
    organiser = await members.create("organiser")
    member = await members.create()
    first, second = await published(client, organiser, hackathon()), await published(
        client, organiser, hackathon("Tweede", "2027-04-14"))
    tickets[member["id"]] = [first["id"]]
    url = await personal_url(client, member)
    check_parsers((await client.get(url)).content, expected_items(first))
    tickets[member["id"]] = [first["id"], second["id"]]
    check_parsers((await client.get(url)).content, expected_items(first))  # reused within the window
    newer = await personal_url(client, member)
    assert (await client.get(url)).status_code == 404  # but a rotated token is refused at once
    monkeypatch.setattr(feeds, "SOURCES_TTL_SECONDS", 0.0)
    feeds._sources.clear()
    check_parsers((await client.get(newer)).content, {**expected_items(first), **expected_items(second)})


# --------------------------------------------------------------------------- the real ticketing and pairing


# The stripe SDK posts raw bytes the way httpx deprecates (as in tests/api/ticketing/test_payments.py).
@pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning:httpx")
async def test_live_tickets_from_ticketing_and_refund(
    client: httpx.AsyncClient, members: Members, stripe_client: stripe.StripeClient
) -> None:
    """A duo bought and paid through the real services (localstripe), then refunded by its buyer's cancel."""
    from ticketing import payments, tickets

    organiser = await members.create("organiser")
    member = await members.create(birth_date=date(1990, 1, 2))
    event = await published(client, organiser, hackathon())
    ordered = await client.post(f"/api/v1/events/{event['slug']}/orders", headers=member["headers"], json={
        "companion": {"name": "Sam Jong", "email": "sam@example.nl", "industry": "retail"}})
    assert ordered.status_code == 201, ordered.text
    order = ordered.json()
    started = await client.post(f"/api/v1/orders/{order['id']}/payment", headers=member["headers"])
    assert started.status_code in (200, 201), started.text
    intent_id = started.json()["payment_intent_id"]
    await stripe_client.v1.payment_intents.update_async(intent_id, {"payment_method": "pm_card_visa"})
    assert (await stripe_client.v1.payment_intents.confirm_async(intent_id)).status == "succeeded"
    # No webhook reaches an in-process app: reconcile asks Stripe and settles the order the same way.
    assert (await payments.reconcile_payments(min_age=timedelta(0)))["paid"] == 1
    view = (await client.get(f"/api/v1/orders/{order['id']}", headers=member["headers"])).json()
    assert view["status"] == "paid"
    codes = list((await ticket_codes(order["id"])).values())
    assert len(codes) == 2 and all(codes)
    url = await personal_url(client, member)
    response = await client.get(url)
    check_parsers(response.content, expected_items(event))
    assert_private_clean(response.content, *codes, member["email"], "1990", "sam@example.nl")

    cancelled = await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=member["headers"])
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "refunded"  # localstripe refunds at once
    refunds = await stripe_client.v1.refunds.list_async({"payment_intent": intent_id})
    assert [r.amount for r in refunds.data] == [9500]
    assert event["id"] not in await tickets.calendar_event_ids(member["id"])
    after = await client.get(url, headers={"If-Modified-Since": response.headers["last-modified"]})
    assert after.status_code == 200
    check_parsers(after.content, {})
    # The event itself goes on: the community feed still lists it, unchanged.
    assert vevent_props((await client.get("/calendar.ics")).content)[f"event-{event['id']}@{HOST}"]["STATUS"] == \
        "CONFIRMED"


async def test_event_cancelled_under_a_ticket_stays_in_the_feed_as_cancelled(
    client: httpx.AsyncClient, members: Members, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ticketing.tables import Attendee, Ticket, TicketOrder

    monkeypatch.setattr(feeds, "SOURCES_TTL_SECONDS", 0.0)
    organiser = await members.create("organiser")
    member = await members.create()
    kept = await published(client, organiser, hackathon())
    dropped = await published(client, organiser, hackathon(title="Tweede hackathon"))
    now = datetime.now(UTC)
    for event, code in ((kept, "NG-FEED-KEEP-0001"), (dropped, "NG-FEED-DROP-0001")):
        order = (await TicketOrder.insert(TicketOrder(
            event=event["id"], buyer=member["id"], status="paid", amount_cents=9500, paid_at=now,
            created_at=now, updated_at=now)).returning(TicketOrder.id))[0]["id"]
        attendee = (await Attendee.insert(Attendee(
            order=order, event=event["id"], role="buyer", name=member["name"], email=member["email"],
            live=True, created_at=now)).returning(Attendee.id))[0]["id"]
        await Ticket.insert(Ticket(order=order, attendee=attendee, event=event["id"], code=code,
                                   status="valid", issued_at=now))
    # The member cancels their own ticket for the second event first; then both events are cancelled.
    own = datetime.now(UTC)
    await Ticket.update({Ticket.status: "void", Ticket.voided_at: own}).where(Ticket.event == dropped["id"])
    for event in (kept, dropped):
        cancelled = await client.post(f"/api/v1/events/{event['slug']}/cancel", json={"reason": "Zaal dicht"},
                                      headers=organiser["headers"])
        assert cancelled.status_code == 200, cancelled.text
    later = datetime.now(UTC)
    await Ticket.update({Ticket.status: "void", Ticket.voided_at: later}).where(Ticket.event == kept["id"])
    body = (await client.get(await personal_url(client, member))).content
    events = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}
    uid = f"event-{kept['id']}@{HOST}"
    assert uid in events and str(events[uid]["STATUS"]) == "CANCELLED"
    assert str(events[uid]["SUMMARY"]).startswith("Geannuleerd: ")
    assert f"event-{dropped['id']}@{HOST}" not in events


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
            assert response.status_code == 201 and response.json()["status"] == "paid", response.text
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


async def test_published_breakouts_from_pairing(client: httpx.AsyncClient, members: Members) -> None:
    """Real published groups (pairing.publish, not a stand-in) in the buyer's and the companion's own feeds."""
    groups = await Groups(client, members).setup()
    event = groups.event
    for name in ("Anna", "Bram"):
        body = (await client.get(groups.urls[name])).content
        check_parsers(body, groups.expected(name))
        props = vevent_props(body)
        mine = await groups.mine(name)
        assert [r["round"] for r in mine["rounds"]] == [1, 2]
        for r in mine["rounds"]:
            item = props[f"breakout-{event['id']}-{r['round']}-{groups.people[name]['id']}@{HOST}"]
            assert item["SUMMARY"] == f"Breakoutronde {r['round']}: {r['theme_title']} — groep {r['group_number']}"
            assert item["STATUS"] == "CONFIRMED" and item["RELATED-TO"] == f"event-{event['id']}@{HOST}"
        assert_private_clean(body, *(p["email"] for p in groups.people.values()), "dirk@example.nl")
        assert (await client.get(groups.urls[name])).content == body  # byte-identical re-render
    # Nobody else's group shows: Anna's feed holds only her own breakout UIDs.
    anna = vevent_props((await client.get(groups.urls["Anna"])).content)
    assert not any(uid.startswith("breakout-") and not uid.endswith(f"-{groups.people['Anna']['id']}@{HOST}")
                   for uid in anna)


async def test_cancelled_event_keeps_its_breakouts_cancelled_for_30_days(client: httpx.AsyncClient,
                                                                         members: Members) -> None:
    """Cancelling the event (through its API and service, which voids every ticket) keeps each member's breakout
    UIDs and the event's own items, now STATUS:CANCELLED with a higher SEQUENCE; the generic rounds do not come
    back. A duo its buyer cancelled before the event was cancelled stays out."""
    from pairing.publish import published_breakouts_for_member
    from ticketing.tables import Ticket

    groups = await Groups(client, members).setup()
    event = groups.event
    before = {name: vevent_props((await client.get(groups.urls[name])).content) for name in ("Anna", "Bram")}
    own = await client.post(f"/api/v1/orders/{groups.orders['Cas']}/cancel",
                            headers=groups.people["Cas"]["headers"])
    assert own.status_code == 200, own.text
    check_parsers((await client.get(groups.urls["Cas"])).content, {})

    cancelled = await client.post(f"/api/v1/events/{event['slug']}/cancel", json={"reason": "Zaal dicht."},
                                  headers=groups.organiser["headers"])
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert {t["status"] for t in await Ticket.select(Ticket.status).where(Ticket.event == event["id"])} == {"void"}

    for name in ("Anna", "Bram"):
        body = (await client.get(groups.urls[name])).content
        check_parsers(body, groups.expected(name))  # same UIDs, same instants: no generic round came back
        after = vevent_props(body)
        assert set(after) == set(before[name])
        for uid, props in after.items():
            assert props["STATUS"] == "CANCELLED", (name, uid)
            assert props["SUMMARY"].startswith("Geannuleerd: "), (name, uid)
            assert int(props["SEQUENCE"]) > int(before[name][uid]["SEQUENCE"]), (name, uid)
        assert "BEGIN:VALARM" not in body.decode()
    check_parsers((await client.get(groups.urls["Cas"])).content, {})

    # Thirty days after the cancellation the groups leave, as the event itself leaves the feeds.
    cancelled_at = utc(cancelled.json()["cancelled_at"])
    anna = groups.people["Anna"]["id"]
    kept = await published_breakouts_for_member(anna, now=cancelled_at + timedelta(days=29))
    assert [(b.round_number, b.cancelled) for b in kept] == [(1, True), (2, True)]
    assert await published_breakouts_for_member(anna, now=cancelled_at + timedelta(days=31)) == []


# --------------------------------------------------------------------------- logs


def test_feed_tokens_are_masked_in_access_logs(caplog: pytest.LogCaptureFixture) -> None:
    from events.feeds_api import install_feed_token_filter

    install_feed_token_filter()
    token = "Zm9vYmFyYmF6cXV1eF9zZWNyZXRfdG9rZW4"
    with caplog.at_level(logging.INFO):
        # uvicorn's access-log call shape: the path is an argument, not part of the format string.
        logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET",
                                                 f"/feeds/{token}.ics?x=1", "1.1", 200)
        logging.getLogger("nieuw_geluid.errors").error("Unhandled error on GET /feeds/%s.ics", token)
        logging.getLogger("litestar").warning(f"slow request /feeds/{token}.ics")
    assert token not in caplog.text
    assert caplog.text.count("/feeds/[token].ics") == 3
    assert mask_feed_tokens("GET /feeds/abc.ics HTTP/1.1") == "GET /feeds/[token].ics HTTP/1.1"
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s "%s"', ("GET", f"/feeds/{token}.ics"),
                               None)
    assert FeedTokenFilter().filter(record) and token not in record.getMessage()


def test_https_feed_links() -> None:
    links = feeds.feed_links("https://nieuwgeluid.nl/feeds/abc.ics")
    assert links["webcal"] == "webcal://nieuwgeluid.nl/feeds/abc.ics"
    assert links["outlook"] == ("https://outlook.live.com/calendar/0/addfromweb?url=https%3A%2F%2Fnieuwgeluid.nl"
                                "%2Ffeeds%2Fabc.ics&name=Nieuw%20Geluid")
    assert links["outlook_work"].startswith("https://outlook.office.com/calendar/0/addfromweb?url=https%3A%2F%2F")
    assert links["google"] == "https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2Fnieuwgeluid.nl%2Ffeeds%2Fabc.ics"
