"""The waiting list over HTTP: joining (the companion rule, one place per person), positions, leaving, offers
when seats come free (cancelled and expired holds, a raised capacity, by hand), declining, paying an offer,
closing with the sales, and the organiser's view. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import stripe

from settings import Settings
from tests.support.invariants import assert_ticketing_invariants
from tests.support.members import quick_member, quick_members
from tests.support.shop import (
    Shop,
    held_order,
    join_waiting_list,
    pay,
    sold_out_event,
    ticket_codes,
    wait_for_status,
)
from tests.support.smtp import SmtpSink

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning:httpx"),
]


async def joined(client: httpx.AsyncClient, slug: str, member: dict[str, Any], **companion: Any) -> dict[str, Any]:
    response = await join_waiting_list(client, slug, member, **companion)
    assert response.status_code == 201, response.text
    return response.json()


async def entry(client: httpx.AsyncClient, member: dict[str, Any], entry_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/v1/me/waiting-list/{entry_id}", headers=member["headers"])
    assert response.status_code == 200, response.text
    return response.json()


async def outbox_kinds() -> list[tuple[str, str]]:
    from notifications.tables import OutboxMail

    rows = await OutboxMail.select(OutboxMail.kind, OutboxMail.to_email).where(
        OutboxMail.kind.like("waitlist_%")).order_by(OutboxMail.id)
    return [(r["kind"], r["to_email"]) for r in rows]


async def test_join_only_when_sold_out_with_positions_and_leaving(client: httpx.AsyncClient, shop: Shop) -> None:
    event = await shop.event(capacity_duos=1)
    slug = event["slug"]
    first, second, third = await quick_members(3, prefix="wachter")
    early = await join_waiting_list(client, slug, first)
    assert early.status_code == 409
    assert early.json()["code"] == "seats_available"
    summary = (await client.get(f"/api/v1/events/{slug}/waiting-list/summary")).json()
    assert summary == {"duos_waiting": 0, "can_join": False}

    await held_order(shop, slug, await quick_member())  # the last place, held
    a = await joined(client, slug, first)
    b = await joined(client, slug, second)
    c = await joined(client, slug, third)
    assert (a["status"], a["position"], a["duos_waiting"]) == ("waiting", 1, 1)
    assert (b["position"], c["position"]) == (2, 3)
    assert c["companion_email"] == f"partner-of-{third['email']}"
    assert c["offer_outcome"] is None
    assert (await client.get(f"/api/v1/events/{slug}/waiting-list/summary")).json() == {"duos_waiting": 3,
                                                                                       "can_join": True}

    left = await client.post(f"/api/v1/me/waiting-list/{a['id']}/leave", headers=first["headers"])
    assert left.status_code == 200
    assert left.json()["status"] == "left"
    assert left.json()["position"] is None
    again = await client.post(f"/api/v1/me/waiting-list/{a['id']}/leave", headers=first["headers"])
    assert again.status_code == 200
    assert again.json()["status"] == "left"
    assert (await entry(client, second, b["id"]))["position"] == 1
    assert (await entry(client, third, c["id"]))["position"] == 2
    mine = (await client.get("/api/v1/me/waiting-list", headers=third["headers"])).json()
    assert [e["id"] for e in mine] == [c["id"]]
    exported = (await client.get("/api/v1/me/export", headers=third["headers"])).json()
    assert [(e["id"], e["companion_email"]) for e in exported["waiting_lists"]] == [(c["id"], c["companion_email"])]
    # Someone else's entry does not exist for them.
    for method, path in (("GET", f"/api/v1/me/waiting-list/{b['id']}"),
                         ("POST", f"/api/v1/me/waiting-list/{b['id']}/leave")):
        response = await client.request(method, path, headers=third["headers"])
        assert response.status_code == 404
        assert response.json()["code"] == "waiting_entry_not_found"
    assert (await entry(client, second, b["id"]))["status"] == "waiting"
    # Having left, one may join again (at the back of the line).
    back = await joined(client, slug, first, email="nieuwe-partner@example.nl")
    assert back["position"] == 3
    await assert_ticketing_invariants()  # the event row counts the duos waiting (Event.waiting_duos)


async def test_companion_rule_at_joining_gives_the_same_answer_as_ordering(client: httpx.AsyncClient,
                                                                           shop: Shop) -> None:
    event, _ = await sold_out_event(shop)
    slug = event["slug"]
    member = await quick_member(email="regel@example.nl")
    too_old = {"industry": "customer_contact", "birth_date": "1970-01-01", "email": "oud@example.nl"}
    other = await shop.event(capacity_duos=5, title="Een ander evenement")
    as_order = await shop.order(other["slug"], member, **too_old)
    as_join = await join_waiting_list(client, slug, member, **too_old)
    assert as_order.status_code == as_join.status_code == 422
    for key in ("code", "reason_nl", "reason_en", "detail"):
        assert as_join.json()[key] == as_order.json()[key], key
    myself = await join_waiting_list(client, slug, member, email="REGEL@example.nl")
    assert myself.status_code == 422
    assert myself.json()["code"] == "companion_is_buyer"
    no_birth = await join_waiting_list(client, slug, member, industry="customer_contact", birth_date=None)
    assert no_birth.json()["code"] == "companion_birth_date_required"


async def test_one_place_per_person_across_places_and_the_list(client: httpx.AsyncClient, shop: Shop) -> None:
    event, holds = await sold_out_event(shop)
    slug = event["slug"]
    holder = holds[0]["buyer"]
    waiting, other = await quick_members(2, prefix="een-plek")
    # A person with a place (buyer or companion) cannot wait too.
    has_place = await join_waiting_list(client, slug, holder)
    assert has_place.status_code == 409
    assert has_place.json()["code"] == "duplicate_attendee"
    companion_has_place = await join_waiting_list(client, slug, waiting, email=f"partner-of-{holder['email']}")
    assert companion_has_place.status_code == 409
    assert companion_has_place.json()["code"] == "duplicate_attendee"
    await joined(client, slug, waiting, email="samen@example.nl")
    # Nobody waits twice, as buyer or as companion, in any role.
    for member, email in ((waiting, "iemand-anders@example.nl"), (other, "samen@example.nl"),
                          (other, waiting["email"])):
        response = await join_waiting_list(client, slug, member, email=email)
        assert response.status_code == 409, (email, response.text)
        assert response.json()["code"] == "already_waiting", (email, response.text)
    as_buyer = await quick_member(email="samen@example.nl")
    response = await join_waiting_list(client, slug, as_buyer)
    assert response.status_code == 409
    assert response.json()["code"] == "already_waiting"
    # Nor become someone's companion by a change of companion.
    for email in ("samen@example.nl", waiting["email"]):
        changed = await client.put(f"/api/v1/orders/{holds[0]['id']}/companion", headers=holder["headers"],
                                   json={"name": "Nieuwe Partner", "email": email, "industry": "retail"})
        assert changed.status_code == 409, changed.text
        assert changed.json()["code"] == "already_waiting", changed.text
    # A waiting person cannot order either (the freed seats are the list's).
    ordered = await shop.order(slug, waiting)
    assert ordered.status_code == 409
    assert ordered.json()["code"] == "sold_out"


async def test_a_cancelled_hold_becomes_an_offer_to_the_first_duo_then_the_next(client: httpx.AsyncClient,
                                                                                  shop: Shop) -> None:
    from ticketing.jobs import expire_holds

    event, holds = await sold_out_event(shop, capacity=2)
    slug = event["slug"]
    first, second, third = await quick_members(3, prefix="rij")
    a = await joined(client, slug, first)
    b = await joined(client, slug, second)
    c = await joined(client, slug, third)

    cancelled = await client.post(f"/api/v1/orders/{holds[0]['id']}/cancel", headers=holds[0]["buyer"]["headers"])
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    offered = await entry(client, first, a["id"])
    assert offered["status"] == "offered"
    assert offered["offer_outcome"] == "open"
    assert offered["offered_by"] == "system"
    expires = datetime.fromisoformat(offered["offer_expires_at"])
    assert timedelta(hours=23, minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=24)
    order = (await client.get(f"/api/v1/orders/{offered['order_id']}", headers=first["headers"])).json()
    assert order["status"] == "pending_payment"
    assert order["expires_at"] == offered["offer_expires_at"]
    assert order["companion"]["email"] == f"partner-of-{first['email']}"
    assert (await entry(client, second, b["id"]))["position"] == 1
    assert await outbox_kinds() == [("waitlist_offer", first["email"])]
    # Nobody else may take the place meanwhile: it is held for the offer.
    late = await shop.order(slug, await quick_member())
    assert late.status_code == 409
    assert late.json()["code"] == "sold_out"

    # The offer runs out: the seat goes to the next duo.
    assert await expire_holds(now=expires + timedelta(seconds=1)) == 2  # the offer and the other hold
    assert (await entry(client, first, a["id"]))["offer_outcome"] == "expired"
    second_offer = await entry(client, second, b["id"])
    third_offer = await entry(client, third, c["id"])
    assert second_offer["status"] == third_offer["status"] == "offered"
    assert second_offer["order_id"] < third_offer["order_id"]  # in the order of the line

    # Declining (leaving with an open offer) cancels the held order; nobody is left to offer it to.
    declined = await client.post(f"/api/v1/me/waiting-list/{b['id']}/leave", headers=second["headers"])
    assert declined.json()["offer_outcome"] == "declined"
    listing = (await client.get(f"/api/v1/events/{slug}/waiting-list", headers=shop.organiser["headers"])).json()
    assert listing["figures"] | {"conversion": None} == {
        "waiting": 0, "joined": 3, "offers": 3, "open": 1, "accepted": 0, "declined": 1, "expired": 1,
        "payment_failed": 0, "refused": 0, "left": 0, "closed": 0, "conversion": None}
    assert listing["figures"]["conversion"] == 0.0
    assert [e["member_email"] for e in listing["entries"]] == [first["email"], second["email"], third["email"]]
    summary = (await client.get(f"/api/v1/events/{slug}")).json()
    assert summary["seats_left"] == 1  # the declined seat: free, nobody waiting
    await assert_ticketing_invariants()


async def test_an_offer_is_paid_through_the_usual_payment(http: httpx.AsyncClient, shop: Shop,
                                                          stripe_client: stripe.StripeClient, settings: Settings,
                                                          smtp: SmtpSink) -> None:
    from notifications import outbox

    event, holds = await sold_out_event(shop, price_cents=9500)
    slug = event["slug"]
    waiting = await quick_member(email="wacht-en-betaal@example.nl", language="en")
    a = await joined(http, slug, waiting, email="maatje@example.nl", name="Maatje Mee")
    cancelled = await http.post(f"/api/v1/events/{slug}/orders/{holds[0]['id']}/cancel", json={},
                                headers=shop.organiser["headers"])
    assert cancelled.status_code == 200
    offer = await entry(http, waiting, a["id"])
    assert offer["status"] == "offered"
    assert await outbox.send_outbox(settings) >= 1
    mails = [m for m in await smtp.wait_for_messages(1) if m.rcpt_tos == [waiting["email"]]]
    body = mails[0].message.get_body(("plain",)).get_content()
    assert mails[0].message["Subject"] == f"A place for you both: {event['title']}"
    assert f"/mijn/tickets/{offer['order_id']}/betalen" in body
    assert "Maatje Mee" in body
    assert (await http.get(f"/mijn/tickets/{offer['order_id']}/betalen")).status_code in (302, 303)

    payment = await http.post(f"/api/v1/orders/{offer['order_id']}/payment", headers=waiting["headers"])
    assert payment.status_code == 200, payment.text
    assert await pay(stripe_client, payment.json()["payment_intent_id"]) == "succeeded"
    paid = await wait_for_status(http, offer["order_id"], waiting["headers"], "paid")
    assert paid["buyer"]["ticket_code"]
    assert set(await ticket_codes(offer["order_id"])) == {"buyer", "companion"}
    assert (await entry(http, waiting, a["id"]))["offer_outcome"] == "accepted"
    figures = (await http.get(f"/api/v1/events/{slug}/waiting-list", headers=shop.organiser["headers"])).json()
    assert (figures["figures"]["accepted"], figures["figures"]["conversion"]) == (1, 1.0)
    # The offer mail is not sent again once paid (it no longer applies); the tickets are.
    await assert_ticketing_invariants()


async def test_raised_capacity_and_offers_by_hand(client: httpx.AsyncClient, shop: Shop) -> None:
    event, _ = await sold_out_event(shop)
    slug = event["slug"]
    org = shop.organiser["headers"]
    first, second, third = await quick_members(3, prefix="hand")
    a = await joined(client, slug, first)
    b = await joined(client, slug, second)
    c = await joined(client, slug, third)
    nothing = await client.post(f"/api/v1/events/{slug}/waiting-list/offers", headers=org)
    assert nothing.status_code == 409
    assert nothing.json()["code"] == "no_free_seat"

    raised = await client.patch(f"/api/v1/events/{slug}", json={"capacity_duos": 2}, headers=org)
    assert raised.status_code == 200
    assert (await entry(client, first, a["id"]))["status"] == "offered"  # at once, by the capacity hook

    settings = await client.patch(f"/api/v1/events/{slug}/waiting-list", json={"auto_offer": False,
                                                                                 "offer_hours": 6}, headers=org)
    assert settings.status_code == 200
    assert settings.json()["settings"] | {"closed_at": None} == {
        "offer_hours": 6, "auto_offer": False, "closed_at": None}
    assert (await client.patch(f"/api/v1/events/{slug}", json={"capacity_duos": 3}, headers=org)).status_code == 200
    assert (await entry(client, second, b["id"]))["status"] == "waiting"  # automatic offers are off
    # The free seat is kept for the list, even for someone who did not join it.
    ordered = await shop.order(slug, await quick_member())
    assert ordered.status_code == 409
    assert ordered.json()["code"] == "sold_out"
    by_hand = await client.post(f"/api/v1/events/{slug}/waiting-list/offers", headers=org)
    assert by_hand.status_code == 200, by_hand.text
    offered = await entry(client, second, b["id"])
    assert offered["offered_by"] == "organiser"
    hours = (datetime.fromisoformat(offered["offer_expires_at"]) - datetime.fromisoformat(offered["offered_at"]))
    assert hours == timedelta(hours=6)
    assert (await entry(client, third, c["id"]))["position"] == 1
    again = await client.post(f"/api/v1/events/{slug}/waiting-list/offers", headers=org)
    assert again.status_code == 409
    assert again.json()["code"] == "no_free_seat"
    await assert_ticketing_invariants()


async def test_the_rule_is_checked_again_when_the_turn_comes(client: httpx.AsyncClient, shop: Shop) -> None:
    event, holds = await sold_out_event(shop)
    slug = event["slug"]
    young, next_one = await quick_members(2, prefix="beurt")
    birth = (datetime.now(UTC) - timedelta(days=365 * 27)).date().isoformat()
    a = await joined(client, slug, young, industry="customer_contact", birth_date=birth)
    b = await joined(client, slug, next_one)
    stricter = await client.patch(f"/api/v1/events/{slug}", json={"age_limit": 25},
                                  headers=shop.organiser["headers"])
    assert stricter.status_code == 200
    await client.post(f"/api/v1/orders/{holds[0]['id']}/cancel", headers=holds[0]["buyer"]["headers"])
    refused = await entry(client, young, a["id"])
    assert refused["status"] == "refused"
    assert "27 jaar" in refused["reason_nl"]
    assert "27" in refused["reason_en"]
    assert (await entry(client, next_one, b["id"]))["status"] == "offered"
    assert await outbox_kinds() == [("waitlist_refused", young["email"]), ("waitlist_offer", next_one["email"])]


async def test_sales_closing_closes_the_list_and_tells_everyone(client: httpx.AsyncClient, shop: Shop,
                                                                 settings: Settings, smtp: SmtpSink) -> None:
    from notifications import outbox
    from ticketing.waitlist import tend_waiting_lists

    event, _ = await sold_out_event(shop)
    slug = event["slug"]
    members = await quick_members(2, prefix="sluit")
    entries = [await joined(client, slug, m) for m in members]
    starts = datetime.fromisoformat(event["starts_at"])
    assert await tend_waiting_lists(now=starts - timedelta(hours=1)) == {"offered": 0, "closed": 0}
    assert await tend_waiting_lists(now=starts + timedelta(seconds=1)) == {"offered": 0, "closed": 2}
    assert await tend_waiting_lists(now=starts + timedelta(seconds=2)) == {"offered": 0, "closed": 0}
    for member, e in zip(members, entries, strict=True):
        assert (await entry(client, member, e["id"]))["status"] == "closed"
    assert await outbox.send_outbox(settings, now=starts + timedelta(seconds=3)) == 2
    mails = await smtp.wait_for_messages(2)
    assert sorted(m.rcpt_tos[0] for m in mails) == sorted(m["email"] for m in members)
    assert all(m.message["Subject"].startswith("De wachtlijst is gesloten") for m in mails)
    await assert_ticketing_invariants()


async def test_cancelling_the_event_closes_its_list(client: httpx.AsyncClient, shop: Shop) -> None:
    event, _ = await sold_out_event(shop)
    member = await quick_member()
    e = await joined(client, event["slug"], member)
    cancelled = await client.post(f"/api/v1/events/{event['slug']}/cancel", json={"reason": "Zaal dicht"},
                                  headers=shop.organiser["headers"])
    assert cancelled.status_code == 200
    assert (await entry(client, member, e["id"]))["status"] == "closed"
    assert await outbox_kinds() == [("waitlist_closed", member["email"])]
    await assert_ticketing_invariants()


async def test_a_free_event_gives_the_waiting_duo_its_tickets_at_once(client: httpx.AsyncClient,
                                                                      shop: Shop) -> None:
    event, holds = await sold_out_event(shop, price_cents=0)
    member = await quick_member()
    e = await joined(client, event["slug"], member)
    await client.post(f"/api/v1/orders/{holds[0]['id']}/cancel", headers=holds[0]["buyer"]["headers"])
    offered = await entry(client, member, e["id"])
    assert offered["offer_outcome"] == "accepted"
    assert offered["offer_expires_at"] is None
    order = (await client.get(f"/api/v1/orders/{offered['order_id']}", headers=member["headers"])).json()
    assert order["status"] == "paid"
    assert set(await ticket_codes(order["id"])) == {"buyer", "companion"}
    assert await outbox_kinds() == []  # the ticket confirmation says it all
    await assert_ticketing_invariants()


async def test_only_the_organiser_sees_and_runs_the_list(client: httpx.AsyncClient, shop: Shop) -> None:
    event, _ = await sold_out_event(shop)
    slug = event["slug"]
    member = await quick_member()
    other = await quick_member("organiser")
    await joined(client, slug, member)
    for method, path, body in (("GET", "", None), ("PATCH", "", {"offer_hours": 2}), ("POST", "/offers", None)):
        as_member = await client.request(method, f"/api/v1/events/{slug}/waiting-list{path}", json=body,
                                         headers=member["headers"])
        as_other = await client.request(method, f"/api/v1/events/{slug}/waiting-list{path}", json=body,
                                        headers=other["headers"])
        assert as_member.status_code == 403, (method, path)
        assert as_other.status_code == 403, (method, path)
        assert member["email"] not in as_other.text
    bad = await client.patch(f"/api/v1/events/{slug}/waiting-list", json={"offer_hours": 0},
                             headers=shop.organiser["headers"])
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/problem+json")


async def test_deleting_the_account_takes_its_places_on_waiting_lists(client: httpx.AsyncClient, shop: Shop,
                                                                       members: Any) -> None:
    from ticketing.tables import WaitingEntry

    event, _ = await sold_out_event(shop)
    other = await shop.event(title="Een eerder evenement", capacity_duos=3)
    member = await members.create(email="weg@example.nl")
    # A cancelled order elsewhere keeps the account as a placeholder (anonymised, not deleted).
    earlier = await held_order(shop, other["slug"], member)
    assert (await client.post(f"/api/v1/orders/{earlier['id']}/cancel", headers=member["headers"])).status_code == 200
    await joined(client, event["slug"], member, email="getypte-partner@example.nl", name="Getypte Partner")
    deleted = await client.request("DELETE", "/api/v1/me", json={"password": member["password"]},
                                   headers=member["headers"])
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["outcome"] == "anonymised", deleted.text
    assert await WaitingEntry.count().where(WaitingEntry.member == member["id"]) == 0
    listing = await client.get(f"/api/v1/events/{event['slug']}/waiting-list", headers=shop.organiser["headers"])
    assert "getypte-partner@example.nl" not in listing.text
    await assert_ticketing_invariants()  # nobody waits any more, and the event row says so


async def test_a_free_seat_waits_for_the_list_until_the_line_is_empty(client: httpx.AsyncClient, shop: Shop) -> None:
    """Ordering takes a seat only while nobody waits: its seat UPDATE reads the event row's count of duos waiting
    (`Event.waiting_duos`), which joining, leaving and every offer keep."""
    event, holds = await sold_out_event(shop)
    slug = event["slug"]
    manual = await client.patch(f"/api/v1/events/{slug}/waiting-list", json={"auto_offer": False},
                                headers=shop.organiser["headers"])
    assert manual.status_code == 200, manual.text
    waiter, buyer = await quick_members(2, prefix="rij")
    e = await joined(client, slug, waiter)
    cancelled = await client.post(f"/api/v1/orders/{holds[0]['id']}/cancel", headers=holds[0]["buyer"]["headers"])
    assert cancelled.status_code == 200, cancelled.text
    await assert_ticketing_invariants()
    refused = await shop.order(slug, buyer)  # a seat is free, but it is the waiting duo's
    assert refused.status_code == 409
    assert refused.json()["code"] == "sold_out"
    assert "wachtlijst" in refused.json()["detail"]
    left = await client.post(f"/api/v1/me/waiting-list/{e['id']}/leave", headers=waiter["headers"])
    assert left.status_code == 200
    assert left.json()["status"] == "left"
    await assert_ticketing_invariants()
    assert (await shop.order(slug, buyer)).status_code == 201  # nobody waits: the seat is for whoever orders
    await assert_ticketing_invariants()
