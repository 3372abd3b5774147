"""Personal feeds from the real ticketing and pairing services: a duo paid through localstripe and refunded, an
event cancelled under a ticket, published breakout groups in the buyer's and the companion's feeds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import icalendar
import pytest
import stripe

from events import feeds
from tests.support.feeds import (
    HOST,
    Groups,
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
from tests.support.shop import ticket_codes

pytestmark = pytest.mark.anyio


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
    assert len(codes) == 2
    assert all(codes)
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
    assert uid in events
    assert str(events[uid]["STATUS"]) == "CANCELLED"


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
            assert item["STATUS"] == "CONFIRMED"
            assert item["RELATED-TO"] == f"event-{event['id']}@{HOST}"
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
