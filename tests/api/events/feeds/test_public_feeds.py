"""Public calendars over HTTP: /events/{slug}.ics and /calendar.ics, read back by three independent parsers
(tests/support/feeds.py), conditional requests and gzip, feed links and tokens masked in logs."""

from __future__ import annotations

import gzip
import logging
import re
from datetime import datetime, timedelta

import httpx
import pytest

from events import feeds
from events.feeds_api import FeedTokenFilter, mask_feed_tokens
from tests.support.feeds import (
    HOST,
    ICS,
    TicketMap,
    assert_private_clean,
    autumn_night,
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


# --------------------------------------------------------------------------- /events/{slug}.ics


async def test_event_download_parses_everywhere_with_the_api_instants(client: httpx.AsyncClient,
                                                                       members: Members) -> None:
    organiser = await members.create("organiser")
    draft = (await client.post("/api/v1/events", json=autumn_night(), headers=organiser["headers"])).json()
    hidden = await client.get(f"/events/{draft['slug']}.ics")
    assert hidden.status_code == 404
    assert hidden.headers["content-type"] == "application/problem+json"
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
    assert "TZID=Europe/Amsterdam" in text
    assert "BEGIN:VTIMEZONE" in text
    assert "Zaal Ü" in text
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
    assert response.status_code == 200
    assert response.headers["content-type"] == ICS
    expected = {**expected_items(march, sessions=False), **expected_items(night, sessions=False),
                **expected_items(gone, sessions=False)}
    check_parsers(response.content, expected)
    props = vevent_props(response.content)
    assert props[f"event-{gone['id']}@{HOST}"]["STATUS"] == "CANCELLED"
    assert props[f"event-{gone['id']}@{HOST}"]["SUMMARY"] == "Geannuleerd: Meetup die niet doorgaat"
    assert props[f"event-{march['id']}@{HOST}"]["STATUS"] == "CONFIRMED"
    assert f"event-{draft['id']}@" not in response.text
    assert "Nog geheim" not in response.text
    lines = response.content.decode().replace("\r\n ", "").split("\r\n")
    for line in ("REFRESH-INTERVAL;VALUE=DURATION:PT1H", "X-PUBLISHED-TTL:PT1H",
                 "X-WR-CALNAME:Nieuw Geluid — evenementen", "NAME:Nieuw Geluid — evenementen"):
        assert line in lines
    assert "BEGIN:VALARM" not in response.text
    assert_private_clean(response.content, organiser["email"])

    again = await client.get("/calendar.ics")
    assert again.content == response.content
    assert again.headers["etag"] == response.headers["etag"]
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
        assert first.status_code == 200
        assert "content-encoding" not in first.headers
        etag, last_modified = first.headers["etag"], first.headers["last-modified"]
        assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
        assert datetime.strptime(last_modified, "%a, %d %b %Y %H:%M:%S GMT")

        by_tag = await client.get(path, headers={"If-None-Match": etag, "Accept-Encoding": "identity"})
        assert by_tag.status_code == 304
        assert by_tag.content == b""
        assert by_tag.headers["etag"] == etag
        by_date = await client.get(path, headers={"If-Modified-Since": last_modified, "Accept-Encoding": "identity"})
        assert by_date.status_code == 304
        stale_date = await client.get(path, headers={"If-Modified-Since": "Mon, 01 Jan 2024 00:00:00 GMT"})
        assert stale_date.status_code == 200
        # If-None-Match decides alone: a different tag wins over a matching date.
        other = await client.get(path, headers={"If-None-Match": '"x"', "If-Modified-Since": last_modified})
        assert other.status_code == 200

        head = await client.head(path, headers={"Accept-Encoding": "identity"})
        assert head.status_code == 200
        assert head.content == b""
        assert head.headers["content-length"] == str(len(first.content))
        assert head.headers["etag"] == etag
        assert head.headers["content-type"] == ICS

        for accept in ("*/*", "application/json", "text/html"):
            response = await client.get(path, headers={"Accept": accept})
            assert response.status_code == 200
            assert response.headers["content-type"] == ICS
        request = client.build_request("GET", path)
        del request.headers["accept"]
        bare = await client.send(request)
        assert bare.status_code == 200
        assert bare.headers["content-type"] == ICS


async def test_gzip_has_its_own_etag_and_revalidates(client: httpx.AsyncClient, members: Members) -> None:
    organiser = await members.create("organiser")
    await published(client, organiser, hackathon())
    plain = await client.get("/calendar.ics", headers={"Accept-Encoding": "identity"})
    packed = await client.get("/calendar.ics", headers={"Accept-Encoding": "gzip, deflate"})
    assert packed.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert packed.content == plain.content  # httpx decodes; the representation differs, the calendar not
    assert packed.headers["etag"] != plain.headers["etag"]
    assert "accept-encoding" in packed.headers["vary"].lower()
    # The gzip bytes themselves are stable (no mtime) and match their Content-Length.
    raws = []
    for _ in range(2):
        async with client.stream("GET", "/calendar.ics", headers={"Accept-Encoding": "gzip"}) as response:
            raws.append((b"".join([chunk async for chunk in response.aiter_raw()]), response.headers))
    assert raws[0][0] == raws[1][0]
    assert gzip.decompress(raws[0][0]) == plain.content
    assert raws[0][1]["content-length"] == str(len(raws[0][0]))
    again = await client.get("/calendar.ics", headers={"Accept-Encoding": "gzip"})
    assert again.headers["etag"] == packed.headers["etag"]
    not_modified = await client.get("/calendar.ics", headers={"Accept-Encoding": "gzip",
                                                              "If-None-Match": packed.headers["etag"]})
    assert not_modified.status_code == 304
    # A client holding the plain bytes that now accepts gzip gets the gzip representation, not a false 304.
    switched = await client.get("/calendar.ics", headers={"Accept-Encoding": "gzip",
                                                          "If-None-Match": plain.headers["etag"]})
    assert switched.status_code == 200
    assert switched.headers["etag"] == packed.headers["etag"]


# --------------------------------------------------------------------------- logs


def test_feed_tokens_are_masked_in_access_logs(caplog: pytest.LogCaptureFixture) -> None:
    from events.feeds_api import install_feed_token_filter

    install_feed_token_filter()
    token = "Zm9vYmFyYmF6cXV1eF9zZWNyZXRfdG9rZW4"
    # An earlier test's uvicorn.Config(log_level="warning") leaves uvicorn.access at WARNING for the whole run:
    # set it back for this test, or its INFO line is dropped before any filter sees it.
    with caplog.at_level(logging.INFO), caplog.at_level(logging.INFO, logger="uvicorn.access"):
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
    assert FeedTokenFilter().filter(record)
    assert token not in record.getMessage()


def test_https_feed_links() -> None:
    links = feeds.feed_links("https://nieuwgeluid.nl/feeds/abc.ics")
    assert links.webcal == "webcal://nieuwgeluid.nl/feeds/abc.ics"
    assert links.outlook == ("https://outlook.live.com/calendar/0/addfromweb?url=https%3A%2F%2Fnieuwgeluid.nl"
                                "%2Ffeeds%2Fabc.ics&name=Nieuw%20Geluid")
    assert links.outlook_work.startswith("https://outlook.office.com/calendar/0/addfromweb?url=https%3A%2F%2F")
    assert links.google == "https://calendar.google.com/calendar/r?cid=webcal%3A%2F%2Fnieuwgeluid.nl%2Ffeeds%2Fabc.ics"
