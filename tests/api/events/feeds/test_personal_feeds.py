"""Personal calendar feeds: /feeds/{token}.ics and /api/v1/me/calendar (rotation, settings, reminders, another
member's token, dropped tickets, drafts, breakouts through the pairing seam, reuse of a member's sources), with
ticketing's seam stood in by the `tickets` fixture."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from ical.calendar_stream import IcsCalendarStream

from events import feeds
from tests.support.feeds import (
    HOST,
    ICS,
    TicketMap,
    assert_private_clean,
    check_parsers,
    expected_items,
    hackathon,
    personal_url,
    published,
    utc,
    vevent_props,
)
from tests.support.members import Members

pytestmark = pytest.mark.anyio


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
    assert len(token) >= 22
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    links = rotated["personal"]["links"]
    assert links["webcal"] == "webcal://testserver/feeds/" + token + ".ics"
    assert parse_qs(urlsplit(links["google"]).query) == {"cid": [links["webcal"]]}
    assert links["google"].startswith("https://calendar.google.com/calendar/r?cid=")
    assert links["outlook"] == url
    # Only the hash is stored: afterwards the URL cannot be shown again, only that it exists.
    shown = (await client.get("/api/v1/me/calendar", headers=member["headers"])).json()
    assert shown["personal"] == {"exists": True, "url": None, "links": None}

    response = await client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == ICS
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
    assert old.status_code == 404
    assert old.headers["content-type"] == "application/problem+json"
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
    assert opted.status_code == 200
    assert opted.json()["reminder_minutes"] == 30
    second = await client.get(url, headers={"If-Modified-Since": first.headers["last-modified"],
                                            "If-None-Match": first.headers["etag"]})
    assert second.status_code == 200
    assert "TRIGGER:-PT30M" in second.text
    assert second.headers["etag"] != first.headers["etag"]
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
    assert "Bram" not in anna_feed.text
    assert "Anna" not in bram_feed.text


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
    assert props["SUMMARY"] == "Breakoutronde 1: Keurmerk — groep 3"
    assert props["LOCATION"] == "Zaal 3"
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
