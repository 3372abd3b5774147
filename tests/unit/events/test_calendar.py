"""Calendar export, checked with three independent parsers.

`ical` is strict (pydantic models of RFC 5545) and can return an empty calendar instead of failing,
so every check counts the events and compares UIDs. `vobject` resolves TZIDs from the VTIMEZONE in
the file, so it also checks the generated time zone; `icalendar` checks every TZID has a VTIMEZONE.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ical.calendar_stream import IcsCalendarStream

from events.calendar import (
    CalendarEvent,
    clean_text,
    render_event_ics,
    render_member_feed,
    visible_in_feed,
)
from tests.support.calendars import (
    BREAKOUTS,
    CANCELLED,
    EVENTS,
    HOST,
    LONG_DESCRIPTION,
    MEMBER_META,
    NIGHT,
    UPDATED,
    community,
    member,
    single,
    utc,
)

ROOT = Path(__file__).resolve().parents[3]


def expected_instants(member: bool) -> dict[str, tuple[datetime, datetime]]:
    """UID → (start, end) that every parser must read back."""
    expected: dict[str, tuple[datetime, datetime]] = {}
    for event in EVENTS:
        expected[f"event-{event.id}@{HOST}"] = (event.start_utc, event.end_utc)
        for session in event.sessions:
            if member and session.id == 102:
                continue  # replaced by the member's own breakout
            expected[f"session-{session.id}@{HOST}"] = (session.start_utc, session.end_utc)
    if member:
        for b in BREAKOUTS:
            expected[f"breakout-{b.event_id}-{b.round_number}-{b.member_id}@{HOST}"] = (
                b.start_utc,
                b.end_utc,
            )
    return expected


def single_expected() -> dict[str, tuple[datetime, datetime]]:
    out = {f"event-13@{HOST}": (NIGHT.start_utc, NIGHT.end_utc)}
    out.update({f"session-{s.id}@{HOST}": (s.start_utc, s.end_utc) for s in NIGHT.sessions})
    return out


FEEDS = {
    "community": (community, lambda: expected_instants(member=False)),
    "member": (member, lambda: expected_instants(member=True)),
    "single": (single, single_expected),
}


@pytest.fixture(params=sorted(FEEDS))
def feed(request: pytest.FixtureRequest) -> tuple[bytes, dict[str, tuple[datetime, datetime]]]:
    render, expected = FEEDS[request.param]
    return render(), expected()


def unfolded_lines(body: bytes) -> list[str]:
    return body.decode().replace("\r\n ", "").split("\r\n")


def vevents_raw(body: bytes) -> dict[str, list[str]]:
    """UID → the unfolded content lines of that VEVENT (including nested VALARM)."""
    result: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in unfolded_lines(body):
        if line == "BEGIN:VEVENT":
            current = []
        elif line == "END:VEVENT" and current is not None:
            uid = next(x for x in current if x.startswith("UID:"))[4:]
            result[uid] = current
            current = None
        elif current is not None:
            current.append(line)
    return result


# --------------------------------------------------------------------------- independent parsers


def test_strict_ical_parser_reads_every_item_with_its_instants(feed) -> None:
    body, expected = feed
    calendar = IcsCalendarStream.calendar_from_ics(body.decode())
    got = {event.uid: (event.dtstart, event.dtend) for event in calendar.events}
    assert len(calendar.events) == len(expected)
    assert set(got) == set(expected)
    for uid, (start, end) in expected.items():
        assert got[uid][0].astimezone(UTC) == start, uid
        assert got[uid][1].astimezone(UTC) == end, uid


def test_vobject_validates_and_reads_instants_from_the_vtimezone(feed) -> None:
    body, expected = feed
    calendar = vobject.readOne(body.decode(), validate=True)
    got = {vevent.uid.value: vevent for vevent in calendar.vevent_list}
    assert set(got) == set(expected)
    for uid, (start, end) in expected.items():
        assert got[uid].dtstart.value.astimezone(UTC) == start, uid
        assert got[uid].dtend.value.astimezone(UTC) == end, uid


def test_icalendar_finds_a_vtimezone_for_every_tzid(feed) -> None:
    body, expected = feed
    calendar = icalendar.Calendar.from_ical(body)
    assert calendar.get_missing_tzids() == set()
    assert calendar.get_used_tzids() <= {"Europe/Amsterdam", "Europe/London"}
    assert "Europe/Amsterdam" in calendar.get_used_tzids()
    got = {str(event["UID"]): event for event in calendar.events}
    assert set(got) == set(expected)
    for uid, (start, end) in expected.items():
        assert got[uid].start.astimezone(UTC) == start, uid
        assert got[uid].end.astimezone(UTC) == end, uid


def test_vtimezone_onsets_match_the_tz_database() -> None:
    body = community()
    assert not re.search(rb"TZID[=:]UTC[+-]", body)
    calendar = icalendar.Calendar.from_ical(body)
    zones = {str(tz["TZID"]): tz for tz in calendar.timezones}
    assert sorted(zones) == ["Europe/Amsterdam", "Europe/London"]
    for tzid, vtimezone in zones.items():
        zone = ZoneInfo(tzid)
        changes = [sub for sub in vtimezone.subcomponents if sub["TZOFFSETFROM"].td != sub["TZOFFSETTO"].td]
        assert len(changes) == 2  # one spring and one autumn change per covered year
        for observance in changes:
            # RFC 5545 §3.6.5: DTSTART is the local time *before* the change (in TZOFFSETFROM)
            before, after = observance["TZOFFSETFROM"].td, observance["TZOFFSETTO"].td
            onset = observance["DTSTART"].dt.replace(tzinfo=UTC) - before
            assert onset.astimezone(zone).utcoffset() == after, (tzid, onset)
            assert (onset - timedelta(seconds=1)).astimezone(zone).utcoffset() == before, (tzid, onset)
    amsterdam = unfolded_lines(zones["Europe/Amsterdam"].to_ical())
    assert "DTSTART:20260329T020000" in amsterdam  # icalendar 7.3's from_tzid says 03:00 here
    assert "DTSTART:20261025T030000" in amsterdam


def test_times_are_local_with_tzid_except_the_repeated_hour() -> None:
    raw = vevents_raw(member())
    assert "DTSTART;TZID=Europe/Amsterdam:20261024T180000" in raw[f"event-13@{HOST}"]
    assert "DTEND;TZID=Europe/Amsterdam:20261025T100000" in raw[f"event-13@{HOST}"]
    # 01:30 CEST → 03:30 CET: both sides unambiguous, so local
    assert "DTSTART;TZID=Europe/Amsterdam:20261025T013000" in raw[f"session-131@{HOST}"]
    assert "DTEND;TZID=Europe/Amsterdam:20261025T033000" in raw[f"session-131@{HOST}"]
    # Any time in the repeated 02:00–03:00 hour, its first occurrence too, is written in UTC: libical, ical.js and
    # khal disagree on which 02:30 a TZID time means. DTSTART and DTEND then take the same form (issue 15): a
    # client that reads one side local and the other in UTC has shown such items an hour long or short.
    assert "DTSTART:20261025T003000Z" in raw[f"session-132@{HOST}"]
    assert "DTEND:20261025T014500Z" in raw[f"session-132@{HOST}"]
    assert "DTSTART:20261025T011500Z" in raw[f"session-133@{HOST}"]
    assert "DTEND:20261025T030000Z" in raw[f"session-133@{HOST}"]


def test_fixed_offset_input_is_still_written_in_the_named_zone() -> None:
    cest = timezone(timedelta(hours=2))
    event = replace(NIGHT, start_utc=datetime(2026, 10, 24, 18, tzinfo=cest), sessions=())
    body = render_event_ics(event, HOST)
    assert b"DTSTART;TZID=Europe/Amsterdam:20261024T180000" in body
    assert b"UTC+02:00" not in body


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        replace(NIGHT, start_utc=datetime(2026, 10, 24, 18))


# --------------------------------------------------------------------------- determinism


def test_rendering_twice_and_in_any_input_order_gives_the_same_bytes() -> None:
    assert community() == community()
    assert member() == member()
    assert single() == single()
    assert render_member_feed(EVENTS[::-1], BREAKOUTS[::-1], MEMBER_META) == member()
    shuffled = replace(NIGHT, sessions=NIGHT.sessions[::-1])
    assert render_event_ics(shuffled, HOST) == single()


def test_other_worker_processes_render_the_same_bytes() -> None:
    # Two workers must agree on the ETag; string hashing differs per process, so a set-ordered
    # loop anywhere in rendering would show up here as a different body.
    script = (
        "import sys, hashlib; from tests.unit.events.test_calendar import community, member;"
        "sys.stdout.write(hashlib.sha256(community() + member()).hexdigest())"
    )
    digests = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        out = subprocess.run(
            [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        )
        digests.add(out.stdout)
    assert len(digests) == 1


def test_dtstamp_last_modified_and_sequence_come_from_the_data() -> None:
    raw = vevents_raw(member())
    updated = raw[f"event-11@{HOST}"]
    assert "DTSTAMP:20260520T091542Z" in updated
    assert "LAST-MODIFIED:20260520T091542Z" in updated
    assert "SEQUENCE:3" in updated
    # a session renders event data too, so both counters and both timestamps count
    assert "SEQUENCE:4" in raw[f"session-101@{HOST}"]
    assert "LAST-MODIFIED:20260520T091542Z" in raw[f"session-101@{HOST}"]
    assert "SEQUENCE:2" in raw[f"breakout-11-1-501@{HOST}"]
    assert "DTSTAMP:20260601T100000Z" in raw[f"breakout-11-1-501@{HOST}"]


def test_uids_are_the_same_in_every_feed_and_download() -> None:
    single_uids = set(vevents_raw(single()))
    assert single_uids <= set(vevents_raw(community()))
    assert single_uids <= set(vevents_raw(member()))
    assert f"event-13@{HOST}" in single_uids


# --------------------------------------------------------------------------- content


def test_cancelled_event_is_marked_for_every_client() -> None:
    raw = vevents_raw(community())[f"event-12@{HOST}"]
    assert "STATUS:CANCELLED" in raw
    assert "SUMMARY:Geannuleerd: Meetup Zwolle" in raw  # Outlook ignores STATUS
    assert "SEQUENCE:5" in raw
    assert "TRANSP:TRANSPARENT" in raw
    description = next(line for line in raw if line.startswith("DESCRIPTION:"))
    assert description.startswith("DESCRIPTION:Dit evenement is geannuleerd. Te weinig aanmeldingen.")
    assert "LAST-MODIFIED:20260830T120000Z" in raw  # the cancellation is the latest change
    assert "STATUS:CONFIRMED" in vevents_raw(community())[f"event-11@{HOST}"]


def test_sessions_are_children_of_their_event() -> None:
    raw = vevents_raw(single())
    for session in NIGHT.sessions:
        assert f"RELATED-TO;RELTYPE=PARENT:event-13@{HOST}" in raw[f"session-{session.id}@{HOST}"]
    calendar = IcsCalendarStream.calendar_from_ics(single().decode())
    children = [event for event in calendar.events if event.related_to]
    assert len(children) == 3
    assert {rel.uid for event in children for rel in event.related_to} == {f"event-13@{HOST}"}


def test_breakout_is_dutch_and_replaces_the_generic_round() -> None:
    raw = vevents_raw(member())
    breakout = raw[f"breakout-11-1-501@{HOST}"]
    assert "SUMMARY:Breakoutronde 1: Imago — groep 3" in breakout
    assert "LOCATION:Zaal Ëindhoven" in breakout
    description = next(line for line in breakout if line.startswith("DESCRIPTION:"))
    assert "Thema: Imago" in description
    assert "Groep: 3" in description
    assert "Ronde: 1" in description
    assert f"session-102@{HOST}" not in raw  # the member's group replaces the generic round
    # The room and the venue (issue 15): a room alone does not tell a map where to go.
    night = next(e for e in icalendar.Calendar.from_ical(member()).walk("VEVENT")
                 if str(e["UID"]) == f"breakout-13-1-501@{HOST}")
    assert str(night["LOCATION"]) == "Grote zaal, Pakhuis de Zwijger, Piet Heinkade 179, Amsterdam"
    assert f"session-102@{HOST}" in vevents_raw(community())
    assert f"breakout-13-1-501@{HOST}" in raw


def test_non_ascii_and_long_text_round_trip_exactly() -> None:
    calendar = IcsCalendarStream.calendar_from_ics(community().decode())
    updated = next(event for event in calendar.events if event.uid == f"event-11@{HOST}")
    assert updated.summary == UPDATED.title
    assert updated.description.startswith(LONG_DESCRIPTION)
    assert updated.location == "Jaarbeurs, Zaal Coöperatie, Jaarbeursplein 6, 3521 AL Utrecht"
    parsed = icalendar.Calendar.from_ical(community())
    same = next(event for event in parsed.events if str(event["UID"]) == f"event-11@{HOST}")
    assert str(same["DESCRIPTION"]).startswith(LONG_DESCRIPTION)


def test_calendar_properties_for_subscribers() -> None:
    lines = unfolded_lines(community())
    for line in (
        "VERSION:2.0",
        "PRODID:-//Nieuw Geluid//Evenementenkalender//NL",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "NAME:Nieuw Geluid — evenementen",
        "X-WR-CALNAME:Nieuw Geluid — evenementen",
        "DESCRIPTION:Alle evenementen",
        "X-WR-CALDESC:Alle evenementen",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ):
        assert line in lines
    # A single download must not look like a calendar of its own to Outlook.
    download = unfolded_lines(single())
    assert not [line for line in download if line.startswith(("NAME", "X-WR-CALNAME", "REFRESH-INTERVAL"))]
    assert "METHOD:PUBLISH" in download


@pytest.mark.parametrize("render", [community, member, single], ids=["community", "member", "single"])
def test_wire_format_crlf_fold_at_75_octets_no_split_utf8(render) -> None:
    body = render()
    assert not body.startswith(b"\xef\xbb\xbf")
    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")
    assert b"\r" not in body.replace(b"\r\n", b"")
    lines = body.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) <= 75
    folded = [line for line in lines if line.startswith(b" ")]
    assert folded, "fixtures are meant to force folding"
    for line in lines:
        line.decode("utf-8")  # raises if a fold split a multibyte character


@pytest.mark.parametrize("render", [community, member, single], ids=["community", "member", "single"])
def test_no_personal_data_or_scheduling_properties(render) -> None:
    body = render().decode()
    unfolded = "\n".join(unfolded_lines(render()))
    assert "ORGANIZER" not in unfolded
    assert "ATTENDEE" not in unfolded
    addresses = set(re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", unfolded))
    uids = {line.split(":", 1)[1] for line in unfolded.split("\n") if line.startswith(("UID:", "RELATED-TO"))}
    assert addresses
    assert addresses <= uids
    assert all(re.fullmatch(rf"(event|session|breakout)-[\d-]+@{re.escape(HOST)}", a) for a in addresses)
    assert "mailto:" not in body.lower()


def test_alarms_only_for_members_who_opted_in() -> None:
    assert b"BEGIN:VALARM" not in community()
    assert b"BEGIN:VALARM" not in single()
    assert b"BEGIN:VALARM" not in render_member_feed(
        EVENTS, BREAKOUTS, replace(MEMBER_META, reminder_minutes=None)
    )
    raw = vevents_raw(member())
    with_alarm = {uid for uid, lines in raw.items() if "BEGIN:VALARM" in lines}
    # events and own breakouts, not every agenda item, and nothing that was cancelled
    assert with_alarm == {
        f"event-11@{HOST}",
        f"event-13@{HOST}",
        f"event-14@{HOST}",
        f"breakout-11-1-501@{HOST}",
        f"breakout-13-1-501@{HOST}",
    }
    assert all("TRIGGER:-PT30M" in raw[uid] for uid in with_alarm)
    calendar = IcsCalendarStream.calendar_from_ics(member().decode())
    assert sum(len(event.alarm) for event in calendar.events) == 5


def test_control_characters_are_dropped_and_newlines_kept_where_allowed() -> None:
    assert clean_text("a\x00b\x1bc\r\nd\re\u2028f", multiline=True) == "abc\nd\ne\nf"
    assert clean_text("titel\nmet regel", multiline=False) == "titel met regel"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=st.text(max_size=200), description=st.text(max_size=400))
# icalendar's own escaping turns a literal backslash-N into a line break: found by this test.
@example(title="C:\\Nieuw \\N", description="regel\\Neen\\\\N")
def test_any_text_round_trips_through_the_strict_parser(title: str, description: str) -> None:
    event = CalendarEvent(
        id=1,
        slug="x",
        title=title,
        description=description,
        start_utc=utc(2026, 10, 25, 0, 30),
        end_utc=utc(2026, 10, 25, 1, 30),
        updated_at=utc(2026, 1, 1),
    )
    body = render_event_ics(event, HOST)
    assert max(len(line) for line in body.split(b"\r\n")) <= 75
    calendar = IcsCalendarStream.calendar_from_ics(body.decode())
    assert [e.uid for e in calendar.events] == [f"event-1@{HOST}"]
    parsed = calendar.events[0]
    assert (parsed.summary or "") == clean_text(title, multiline=False)
    assert (parsed.description or "") == clean_text(description)


# --------------------------------------------------------------------------- feed window


def test_cancelled_events_stay_visible_for_thirty_days() -> None:
    assert visible_in_feed(UPDATED, now=utc(2030, 1, 1))
    assert visible_in_feed(CANCELLED, now=CANCELLED.cancelled_at + timedelta(days=30))
    assert not visible_in_feed(CANCELLED, now=CANCELLED.cancelled_at + timedelta(days=30, seconds=1))


# --------------------------------------------------------------------------- scheduling (iTIP) in mails


def test_a_scheduling_message_updates_or_cancels_the_imported_copy() -> None:
    """RFC 5546: REQUEST with the feed's UID and SEQUENCE (one UID per message, ORGANIZER and ATTENDEE), CANCEL
    with STATUS:CANCELLED and a higher SEQUENCE; both read by icalendar and by the strict `ical` parser."""
    from events.calendar import event_uid, scheduling_message

    event = UPDATED
    ics = render_event_ics(event, HOST)
    uid = event_uid(event.id, HOST)
    request = scheduling_message(ics, uid, method="REQUEST", organizer="tickets@nieuwgeluid.example",
                                 attendee="sam@example.nl", attendee_name="Sam Jong")
    cancel = scheduling_message(ics, uid, method="CANCEL", organizer="tickets@nieuwgeluid.example",
                                attendee="sam@example.nl", sequence_bump=1)
    for body, method in ((request, "REQUEST"), (cancel, "CANCEL")):
        parsed = icalendar.Calendar.from_ical(body)
        assert str(parsed["METHOD"]) == method
        assert parsed.get_missing_tzids() == set()
        [vevent] = parsed.walk("VEVENT")
        assert str(vevent["UID"]) == uid
        assert str(vevent["ORGANIZER"]) == "mailto:tickets@nieuwgeluid.example"
        assert str(vevent["ATTENDEE"]) == "mailto:sam@example.nl"
        [strict] = IcsCalendarStream.calendar_from_ics(body.decode()).events
        assert strict.uid == uid
        assert strict.dtstart.astimezone(UTC) == event.start_utc
    request_event = icalendar.Calendar.from_ical(request).walk("VEVENT")[0]
    cancel_event = icalendar.Calendar.from_ical(cancel).walk("VEVENT")[0]
    assert str(cancel_event["STATUS"]) == "CANCELLED"
    assert not cancel_event.walk("VALARM")
    assert int(cancel_event["SEQUENCE"]) == int(request_event["SEQUENCE"]) + 1
    assert request_event["ATTENDEE"].params["RSVP"] == "FALSE"
    assert request_event["ATTENDEE"].params["CN"] == "Sam Jong"
