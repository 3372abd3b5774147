"""Serving calendars over HTTP (events.feed_http): subscribe links for each client, ETag, Last-Modified and the
conditional GET of RFC 9110."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from events.feed_http import etag_for, http_date, is_not_modified, last_modified_for, subscribe_links
from tests.support.calendars import BREAKOUTS, CANCELLED, EVENTS, UPDATED, community, member, utc

# --------------------------------------------------------------------------- subscribe links


def test_subscribe_links_encode_the_token_for_google() -> None:
    url = "https://nieuwgeluid.nl/agenda/leden.ics?token=a+b/c=d&x=1"
    links = subscribe_links(url)
    assert links.apple == "webcal://nieuwgeluid.nl/agenda/leden.ics?token=a+b/c=d&x=1"
    # Outlook on the web subscribes through "add from web", with the https URL encoded whole (issue 15).
    for key, host in (("outlook", "outlook.live.com"), ("outlook_work", "outlook.office.com")):
        outlook = urlsplit(getattr(links, key))
        assert (outlook.scheme, outlook.netloc, outlook.path) == ("https", host, "/calendar/0/addfromweb")
        assert parse_qs(outlook.query) == {"url": [url], "name": ["Nieuw Geluid"]}
    google = urlsplit(links.google)
    assert (google.scheme, google.netloc, google.path) == ("https", "calendar.google.com", "/calendar/r")
    assert parse_qs(google.query) == {"cid": [links.apple]}
    with pytest.raises(ValueError, match="https://"):
        subscribe_links("http://nieuwgeluid.nl/agenda.ics")


# --------------------------------------------------------------------------- HTTP helpers


def test_etag_is_strong_quoted_and_content_based() -> None:
    tag = etag_for(member())
    assert re.fullmatch(r'"[0-9a-f]{32}"', tag)
    assert tag == etag_for(member())
    assert tag != etag_for(community())


def test_last_modified_is_the_newest_change() -> None:
    assert last_modified_for(EVENTS, BREAKOUTS) == utc(2027, 1, 5)
    assert last_modified_for([CANCELLED]) == utc(2026, 8, 30, 12)
    assert last_modified_for([UPDATED]) == utc(2026, 5, 20, 9, 15, 42)
    assert last_modified_for([UPDATED], extra=[utc(2026, 7, 1), None]) == utc(2026, 7, 1)
    assert last_modified_for() is None
    assert http_date(utc(2026, 10, 25, 1, 30)) == "Sun, 25 Oct 2026 01:30:00 GMT"


ETAG = '"abc123"'
MODIFIED = utc(2026, 10, 25, 1, 30)


@pytest.mark.parametrize(
    ("inm", "ims", "expected"),
    [
        (None, None, False),
        ('"abc123"', None, True),
        ('W/"abc123"', None, True),  # If-None-Match uses weak comparison
        ('"zzz", W/"abc123"', None, True),
        ('"zzz" , "yyy"', None, False),
        ("*", None, True),
        ('garbage, "abc123"', None, True),  # a malformed member does not spoil the list
        ("", None, False),
        # If-None-Match present: If-Modified-Since is not looked at, even when it would say 304
        ('"zzz"', "Sun, 25 Oct 2026 01:30:00 GMT", False),
        (None, "Sun, 25 Oct 2026 01:30:00 GMT", True),
        (None, "Sun, 25 Oct 2026 01:29:59 GMT", False),
        (None, "Sunday, 25-Oct-26 02:00:00 GMT", True),  # RFC 850 form
        (None, "Sun Oct 25 02:00:00 2026", True),  # asctime form
        (None, "gisteren", False),
        (None, "", False),
        (None, "Sun, 25 Oct 2026 01:30:00 GMT, Mon, 26 Oct 2026 01:30:00 GMT", False),
    ],
)
def test_is_not_modified_follows_rfc_9110(inm: str | None, ims: str | None, expected: bool) -> None:
    assert is_not_modified(inm, ims, ETAG, MODIFIED) is expected


def test_if_modified_since_needs_last_modified_and_a_past_date() -> None:
    assert not is_not_modified(None, "Sun, 25 Oct 2026 01:30:00 GMT", ETAG, None)
    future = "Sun, 25 Oct 2026 01:30:00 GMT"
    assert not is_not_modified(None, future, ETAG, MODIFIED, now=utc(2026, 10, 25, 1, 0))
    assert is_not_modified(None, future, ETAG, MODIFIED, now=utc(2026, 10, 26))
    assert is_not_modified('W/"abc123"', None, 'W/"abc123"', MODIFIED)
