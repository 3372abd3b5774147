"""The mails that say what happened, through the real outbox and SMTP sink (issue 15): a moved event mails every
ticket holder with a calendar REQUEST of a higher SEQUENCE; a cancellation mails both people a CANCEL of the same
UID; the buyer's confirmation states the amount. Calendar bytes are read by icalendar and the strict `ical` parser.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import icalendar
import pytest
from ical.calendar_stream import IcsCalendarStream

from settings import Settings
from tests.support.members import Members
from tests.support.shop import Shop
from tests.support.smtp import SmtpSink

pytestmark = pytest.mark.anyio


def calendar_part(message: Any) -> tuple[str, icalendar.Event, bytes]:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    raw = part.get_payload(decode=True)
    parsed = icalendar.Calendar.from_ical(raw)
    [vevent] = parsed.walk("VEVENT")
    [strict] = IcsCalendarStream.calendar_from_ics(raw.decode()).events
    assert strict.uid == str(vevent["UID"])
    assert part.get_param("method") == str(parsed["METHOD"])
    return str(parsed["METHOD"]), vevent, raw


async def sent(settings: Settings, smtp: SmtpSink, count: int) -> dict[str, Any]:
    from notifications import outbox

    assert await outbox.send_outbox(settings) == count
    mails = await smtp.wait_for_messages(count)
    smtp.received.clear()
    return {m.rcpt_tos[0]: m.message for m in mails}


async def test_moved_and_cancelled_events_update_the_imported_copies(
        client: httpx.AsyncClient, shop: Shop, members: Members, settings: Settings, smtp: SmtpSink) -> None:
    event = await shop.event(price_cents=0)
    buyer = await members.create(email="kim@example.nl", name="Kim Koper")
    ordered = await shop.order(event["slug"], buyer, name="Sam Jong", email="sam@example.nl")
    assert ordered.status_code == 201, ordered.text
    uid = f"event-{event['id']}@{settings.host}"

    confirmations = await sent(settings, smtp, 2)
    assert "Je duoticket is geboekt (gratis)" in confirmations["kim@example.nl"].get_body(("plain",)).get_content()
    first = {}
    for to, message in confirmations.items():
        method, vevent, _raw = calendar_part(message)
        assert (method, str(vevent["UID"])) == ("REQUEST", uid)
        assert str(vevent["ATTENDEE"]) == f"mailto:{to}"
        first[to] = int(vevent["SEQUENCE"])

    # The organiser moves it a week later: every ticket holder is mailed, the copy moves (higher SEQUENCE).
    later = datetime.fromisoformat(event["starts_at"]).astimezone(UTC) + timedelta(days=7)
    moved = await client.patch(f"/api/v1/events/{event['slug']}", headers=shop.organiser["headers"], json={
        "starts_at": later.isoformat(), "ends_at": (later + timedelta(hours=8)).isoformat()})
    assert moved.status_code == 200, moved.text
    notices = await sent(settings, smtp, 2)
    for to, message in notices.items():
        assert str(message["Subject"]).strip() == f"{event['title']} is verplaatst"
        assert "is gewijzigd" in message.get_body(("plain",)).get_content()
        method, vevent, _raw = calendar_part(message)
        assert method == "REQUEST"
        assert str(vevent["UID"]) == uid
        assert int(vevent["SEQUENCE"]) > first[to]
        assert vevent.decoded("DTSTART").astimezone(UTC) == later
    companion_text = notices["sam@example.nl"].get_body(("plain",)).get_content()
    assert "/partner/" in companion_text  # the companion, without an account, gets their own page's link
    # The same edit again changes nothing: no second mail.
    again = await client.patch(f"/api/v1/events/{event['slug']}", headers=shop.organiser["headers"],
                               json={"starts_at": later.isoformat()})
    assert again.status_code == 200
    from notifications import outbox

    assert await outbox.send_outbox(settings) == 0

    # The buyer cancels: both are told who cancelled, the copies are cancelled (same UID, CANCEL).
    cancelled = await client.post(f"/api/v1/orders/{ordered.json()['id']}/cancel", headers=buyer["headers"])
    assert cancelled.status_code == 200, cancelled.text
    gone = await sent(settings, smtp, 2)
    assert "Je hebt je duoticket" in gone["kim@example.nl"].get_body(("plain",)).get_content()
    assert "Er was nog niets betaald" in gone["kim@example.nl"].get_body(("plain",)).get_content()
    assert "Kim Koper heeft het duoticket" in gone["sam@example.nl"].get_body(("plain",)).get_content()
    for message in gone.values():
        method, vevent, _raw = calendar_part(message)
        assert method == "CANCEL"
        assert str(vevent["UID"]) == uid
        assert str(vevent["STATUS"]) == "CANCELLED"
