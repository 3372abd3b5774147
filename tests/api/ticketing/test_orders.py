"""Ordering duos through the API: the companion rule, checks, capacity under concurrency, holds, free events,
companion changes, overrides and the organiser's attendee list."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from settings import Settings
from tests.support.members import Members, quick_members
from tests.support.shop import Shop, ticket_codes
from tests.support.smtp import SmtpSink

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning:httpx"),
]


def event_date(event: dict[str, Any]) -> date:
    return datetime.fromisoformat(event["starts_at_local"]).date()


def years_before(day: date, years: int) -> date:
    return day.replace(year=day.year - years) if not (day.month == 2 and day.day == 29) else date(
        day.year - years, 3, 1)


async def test_a_companion_the_rule_refuses_is_explained(shop: Shop) -> None:
    event = await shop.event()
    (buyer,) = await quick_members(1)
    thirty_today = years_before(event_date(event), 30)  # turns 30 on the event day: is 30, refused in customer contact
    refused = await shop.order(event["slug"], buyer, industry="customer_contact", birth_date=thirty_today.isoformat())
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["code"] == "companion_not_eligible"
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "30 jaar" in problem["reason_nl"]
    assert "klantcontact" in problem["reason_nl"]
    assert "30" in problem["reason_en"]


@pytest.mark.parametrize(("companion", "basis", "reason"), [
    pytest.param(lambda day: {"industry": "customer_contact",
                              "birth_date": (years_before(day, 30) + timedelta(days=1)).isoformat()},
                 "age", "29", id="turns-30-the-day-after"),
    pytest.param(lambda day: {"industry": "finance", "birth_date": "1970-05-05"}, "industry", "", id="other-industry"),
])
async def test_a_companion_the_rule_admits_holds_a_seat(shop: Shop, companion: Any, basis: str, reason: str) -> None:
    event = await shop.event()
    (buyer,) = await quick_members(1)
    ok = await shop.order(event["slug"], buyer, **companion(event_date(event)))
    assert ok.status_code == 201, ok.text
    order = ok.json()
    assert order["status"] == "pending_payment"
    assert order["expires_at"]
    assert order["companion"]["eligibility_basis"] == basis
    assert reason in order["companion"]["eligibility_reason_nl"]


@pytest.mark.parametrize(("companion", "code"), [
    pytest.param(lambda day, me: {"industry": "customer_contact"}, "companion_birth_date_required", id="no-birth-date"),
    pytest.param(lambda day, me: {"industry": "mining"}, "companion_industry_unknown", id="unknown-industry"),
    pytest.param(lambda day, me: {"industry": "customer_contact", "birth_date": (day + timedelta(days=3)).isoformat()},
                 "companion_birth_date_invalid", id="born-after-the-event"),
    pytest.param(lambda day, me: {"email": me["email"].upper()}, "companion_is_buyer", id="the-buyer-again"),
])
async def test_an_order_with_an_impossible_companion_is_refused(shop: Shop, companion: Any, code: str) -> None:
    event = await shop.event()
    (buyer,) = await quick_members(1)
    refused = await shop.order(event["slug"], buyer, **companion(event_date(event), buyer))
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == code, refused.text


async def test_an_order_needs_a_whole_companion_and_a_signed_in_buyer(client: httpx.AsyncClient, shop: Shop) -> None:
    event = await shop.event()
    (buyer,) = await quick_members(1)
    bad_body = await client.post(f"/api/v1/events/{event['slug']}/orders", json={"companion": {"name": "x"}},
                                 headers=buyer["headers"])
    assert bad_body.status_code == 400
    assert bad_body.json()["code"] == "validation_error"
    anonymous = await client.post(f"/api/v1/events/{event['slug']}/orders", json={})
    assert anonymous.status_code == 401


@pytest.mark.parametrize(("event_rule", "companion", "eligible", "answer"), [
    pytest.param({}, lambda day: {"industry": "customer_contact", "birth_date": years_before(day, 30).isoformat()},
                 False, {"code": "companion_not_eligible"}, id="30-on-the-day"),
    pytest.param({}, lambda day: {"industry": "customer_contact",
                                  "birth_date": (years_before(day, 30) + timedelta(days=1)).isoformat()},
                 True, {"age": 29}, id="29-on-the-day"),
    # A custom age limit and home industry per event.
    pytest.param({"age_limit": 25, "home_industry": "healthcare"},
                 lambda day: {"industry": "customer_contact", "birth_date": years_before(day, 27).isoformat()},
                 True, {"passed": "industry"}, id="other-home-industry"),
    pytest.param({"age_limit": 25, "home_industry": "healthcare"},
                 lambda day: {"industry": "healthcare", "birth_date": years_before(day, 27).isoformat()},
                 False, {}, id="over-a-lower-age-limit"),
])
async def test_the_live_eligibility_check_orders_nothing(client: httpx.AsyncClient, shop: Shop, event_rule: dict,
                                                         companion: Any, eligible: bool, answer: dict) -> None:
    event = await shop.event(title="Zorg-hackathon" if event_rule else "Hackathon Nieuw Geluid", **event_rule)
    check = await client.post(f"/api/v1/events/{event['slug']}/eligibility-check",
                              json=companion(event_date(event)))
    assert check.status_code == 200, check.text
    assert check.json()["eligible"] is eligible, check.json()
    assert check.json() | answer == check.json(), check.json()
    assert (await client.get(f"/api/v1/events/{event['slug']}")).json()["seats_left"] == event["seats_left"]


async def test_duplicate_attendee_and_sales_state(client: httpx.AsyncClient, shop: Shop) -> None:
    event = await shop.event()
    slug = event["slug"]
    b1, b2, b3 = await quick_members(3)
    assert (await shop.order(slug, b1, email="Sam@Example.nl")).status_code == 201
    again = await shop.order(slug, b2, email="SAM@example.NL")
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_attendee"
    twice = await shop.order(slug, b1, email="iemand-anders@example.nl")
    assert twice.status_code == 409
    assert twice.json()["code"] == "duplicate_attendee"
    # The companion of one duo cannot be another duo's companion… nor bring the first buyer along.
    bring_buyer = await shop.order(slug, b3, email=b1["email"])
    assert bring_buyer.status_code == 409
    assert bring_buyer.json()["code"] == "duplicate_attendee"
    seats = (await client.get(f"/api/v1/events/{slug}")).json()["seats_left"]
    assert seats == 39

    # Sales closed, not started, cancelled, draft.
    closed = await shop.event(title="Gesloten", sales_end=(datetime.now(ZoneInfo("UTC")) + timedelta(days=1)
                                                          ).isoformat())
    from events.tables import Event

    await Event.update({Event.sales_end: datetime.now(ZoneInfo("UTC")) - timedelta(minutes=1)}).where(
        Event.slug == closed["slug"])
    r = await shop.order(closed["slug"], b3)
    assert r.status_code == 409
    assert r.json()["code"] == "sales_closed"
    later = await shop.event(title="Later", sales_start=(datetime.now(ZoneInfo("UTC")) + timedelta(days=2)
                                                          ).isoformat())
    r = await shop.order(later["slug"], b3)
    assert r.status_code == 409
    assert r.json()["code"] == "sales_not_started"
    h = shop.organiser["headers"]
    await client.post(f"/api/v1/events/{later['slug']}/cancel", json={"reason": "zaal"}, headers=h)
    r = await shop.order(later["slug"], b3)
    assert r.status_code == 409
    assert r.json()["code"] == "event_cancelled"
    from tests.support.shop import event_body

    draft = (await client.post("/api/v1/events", json=event_body(title="Concept"), headers=h)).json()
    r = await shop.order(draft["slug"], b3)
    assert r.status_code == 404


async def test_200_concurrent_buyers_for_50_duos_over_http(http: httpx.AsyncClient, shop: Shop) -> None:
    event = await shop.event(capacity_duos=50)
    slug = event["slug"]
    buyers = await quick_members(200)

    async def buy(buyer: dict[str, Any]) -> httpx.Response:
        return await http.post(f"/api/v1/events/{slug}/orders", headers=buyer["headers"], json={"companion": {
            "name": "Partner", "email": f"p-{buyer['email']}", "industry": "retail"}})

    responses = await asyncio.gather(*(buy(b) for b in buyers))
    codes = [r.status_code for r in responses]
    assert codes.count(201) == 50, {c: codes.count(c) for c in set(codes)}
    assert codes.count(409) == 150
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"sold_out"}

    from events.tables import Event
    from ticketing.tables import Attendee, TicketOrder

    row = await Event.select(Event.seats_taken).where(Event.slug == slug).first()
    live = await TicketOrder.count().where(TicketOrder.status.is_in(["pending_payment", "paid"]))
    assert row["seats_taken"] == 50 == live
    assert await Attendee.count().where(Attendee.live.eq(True)) == 100


async def test_hold_expires_once_and_frees_the_seat(client: httpx.AsyncClient, shop: Shop) -> None:
    from ticketing import jobs

    event = await shop.event(capacity_duos=1)
    slug = event["slug"]
    b1, b2 = await quick_members(2)
    order = (await shop.order(slug, b1)).json()
    sold_out = await shop.order(slug, b2)
    assert sold_out.status_code == 409
    assert sold_out.json()["code"] == "sold_out"
    assert await jobs.expire_holds() == 0  # not yet due
    later = datetime.fromisoformat(order["expires_at"]) + timedelta(seconds=1)
    assert await jobs.expire_holds(now=later) == 1
    assert await jobs.expire_holds(now=later + timedelta(minutes=5)) == 0  # freed exactly once
    shown = (await client.get(f"/api/v1/orders/{order['id']}", headers=b1["headers"])).json()
    assert shown["status"] == "expired"
    assert not shown["companion"]["live"]
    assert (await client.get(f"/api/v1/events/{slug}")).json()["seats_left"] == 1
    paying = await client.post(f"/api/v1/orders/{order['id']}/payment", headers=b1["headers"])
    assert paying.status_code == 409
    assert paying.json()["code"] == "reservation_expired"
    # The seat and both people are free again.
    assert (await shop.order(slug, b2, email=order["companion"]["email"])).status_code == 201
    log = (await client.get(f"/api/v1/orders/{order['id']}/log", headers=b1["headers"])).json()
    assert [e["action"] for e in log] == ["reserved", "expired"]
    assert log[1]["actor"] == "system"


async def test_order_is_visible_to_its_buyer_and_organiser_only(client: httpx.AsyncClient, shop: Shop,
                                                                members: Members) -> None:
    event = await shop.event()
    b1, b2 = await quick_members(2)
    order = (await shop.order(event["slug"], b1)).json()
    assert (await client.get(f"/api/v1/orders/{order['id']}", headers=b1["headers"])).status_code == 200
    assert (await client.get(f"/api/v1/orders/{order['id']}", headers=shop.organiser["headers"])).status_code == 200
    assert (await client.get(f"/api/v1/orders/{order['id']}", headers=b2["headers"])).status_code == 404
    other_org = await members.create("organiser")
    assert (await client.get(f"/api/v1/orders/{order['id']}", headers=other_org["headers"])).status_code == 404
    assert (await client.get(f"/api/v1/orders/{order['id']}")).status_code == 401
    mine = (await client.get("/api/v1/orders", headers=b1["headers"])).json()
    assert [o["id"] for o in mine] == [order["id"]]
    assert (await client.get("/api/v1/orders", headers=b2["headers"])).json() == []


async def test_free_event_is_paid_at_once_with_tickets_and_mails(client: httpx.AsyncClient, shop: Shop,
                                                                  settings: Settings, smtp: SmtpSink) -> None:
    from notifications import outbox
    from ticketing import tickets
    from ticketing.rules import is_ticket_code

    event = await shop.event(price_cents=0, title="Gratis meetup", kind="meetup")
    (buyer,) = await quick_members(1)
    response = await shop.order(event["slug"], buyer, email="gast@example.nl", name="Gast Jong")
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["status"] == "paid"
    assert order["expires_at"] is None
    assert order["amount_cents"] == 0
    # The buyer sees their own code and that their companion's ticket is valid, never the companion's code.
    assert order["companion"]["ticket_code"] is None
    assert order["companion"]["ticket_status"] == "valid"
    by_role = await ticket_codes(order["id"])
    assert by_role["buyer"] == order["buyer"]["ticket_code"]
    codes = [by_role["buyer"], by_role["companion"]]
    assert all(is_ticket_code(c) for c in codes)
    assert codes[0] != codes[1]
    assert await outbox.send_outbox(settings) == 2
    assert await outbox.send_outbox(settings) == 0  # never twice
    mails = await smtp.wait_for_messages(2)
    assert sorted(r for m in mails for r in m.rcpt_tos) == sorted([buyer["email"], "gast@example.nl"])
    for mail in mails:
        msg = mail.message
        assert any(p.get_content_type() == "text/calendar" for p in msg.iter_attachments())
        own, other = (codes[0], codes[1]) if mail.rcpt_tos == [buyer["email"]] else (codes[1], codes[0])
        assert own in msg.get_body(("plain",)).get_content()
        assert other not in msg.as_string()
    assert await tickets.live_ticket_event_ids(buyer["id"]) == [event["id"]]


async def test_change_companion_voids_the_old_ticket(client: httpx.AsyncClient, shop: Shop, settings: Settings,
                                                     smtp: SmtpSink, members: Members) -> None:
    from notifications import outbox
    from ticketing import tickets

    event = await shop.event(price_cents=0)
    b1, b2 = await quick_members(2)
    order = (await shop.order(event["slug"], b1, email="oud@example.nl")).json()
    await outbox.send_outbox(settings)
    old_code = (await ticket_codes(order["id"]))["companion"]
    taken = await shop.order(event["slug"], b2, email="bezet@example.nl")
    assert taken.status_code == 201
    clash = await client.put(f"/api/v1/orders/{order['id']}/companion", headers=b1["headers"],
                             json={"name": "Bezet", "email": "BEZET@example.nl", "industry": "retail"})
    assert clash.status_code == 409
    assert clash.json()["code"] == "duplicate_attendee"
    refused = await client.put(f"/api/v1/orders/{order['id']}/companion", headers=b1["headers"],
                               json={"name": "Oud", "email": "x@example.nl", "industry": "customer_contact",
                                     "birth_date": "1960-01-01"})
    assert refused.status_code == 422
    assert refused.json()["code"] == "companion_not_eligible"
    changed = await client.put(f"/api/v1/orders/{order['id']}/companion", headers=b1["headers"],
                               json={"name": "Nieuw", "email": "nieuw@example.nl", "industry": "education"})
    assert changed.status_code == 200, changed.text
    view = changed.json()
    assert view["companion"]["email"] == "nieuw@example.nl"
    assert view["companion"]["ticket_code"] is None
    assert (await ticket_codes(order["id"]))["companion"] != old_code
    assert view["former_companions"][0]["ticket_status"] == "void"
    assert view["buyer"]["ticket_code"] == order["buyer"]["ticket_code"]
    # The old companion is free to come with someone else now.
    member = await members.create(email="oud@example.nl")
    assert member
    assert (await shop.order(event["slug"], (await quick_members(1, "derde"))[0],
                                        email="oud@example.nl")).status_code == 201
    # Their voided ticket does not count; the new (free, so paid) order gives them a live one again.
    assert await tickets.live_ticket_event_ids(member["id"]) == [event["id"]]
    await outbox.send_outbox(settings)
    mails = await smtp.wait_for_messages(2 + 2 + 3 + 2)
    subjects = {(m.rcpt_tos[0], m.message["Subject"]) for m in mails}
    assert any(to == "oud@example.nl" and "werkt niet meer" in s for to, s in subjects)
    assert any(to == "nieuw@example.nl" for to, _ in subjects)
    # The buyer is told who the companion is now, not "your payment has arrived" again (issue 15).
    to_buyer = [s for to, s in subjects if to == b1["email"]]
    assert any("is gewijzigd" in s for s in to_buyer)
    assert sum("duoticket voor" in s for s in to_buyer) == 1
    other = await client.put(f"/api/v1/orders/{order['id']}/companion", headers=b2["headers"],
                             json={"name": "X", "email": "y@example.nl", "industry": "retail"})
    assert other.status_code == 404


async def test_override_admits_a_refused_companion_and_shows_on_the_list(client: httpx.AsyncClient,
                                                                         shop: Shop) -> None:
    event = await shop.event()
    slug, h = event["slug"], shop.organiser["headers"]
    (buyer,) = await quick_members(1)
    companion = {"email": "Mentor@example.nl", "industry": "customer_contact", "birth_date": "1970-01-01",
                 "name": "Mentor"}
    assert (await shop.order(slug, buyer, **companion)).status_code == 422
    forbidden = await client.post(f"/api/v1/events/{slug}/overrides", headers=buyer["headers"],
                                  json={"email": "mentor@example.nl", "reason": "ik wil"})
    assert forbidden.status_code == 403
    created = await client.post(f"/api/v1/events/{slug}/overrides", headers=h,
                                json={"email": "mentor@example.nl", "reason": "Spreker van de aftrap"})
    assert created.status_code == 201, created.text
    assert created.json()["created_by_id"] == shop.organiser["id"]
    dup = await client.post(f"/api/v1/events/{slug}/overrides", headers=h,
                            json={"email": "MENTOR@example.nl", "reason": "nog eens"})
    assert dup.status_code == 409
    assert dup.json()["code"] == "override_exists"
    # The buyer's own check learns of the exception (never its reason); see test_abuse for everyone else.
    check = await client.post(f"/api/v1/events/{slug}/eligibility-check", headers=buyer["headers"],
                              json={"industry": "customer_contact", "birth_date": "1970-01-01",
                                    "email": "mentor@example.nl"})
    assert check.json()["eligible"] is True
    assert check.json()["passed"] == "override"
    assert "aftrap" not in check.text
    order = await shop.order(slug, buyer, **companion)
    assert order.status_code == 201, order.text
    assert order.json()["companion"]["eligibility_basis"] == "override"

    listing = await client.get(f"/api/v1/events/{slug}/attendees", headers=h)
    assert listing.status_code == 200, listing.text
    duo = listing.json()["duos"][0]
    assert duo["companion"]["override"]["reason"] == "Spreker van de aftrap"
    assert duo["companion"]["override"]["created_by"] == shop.organiser["name"]
    assert listing.json()["held_duos"] == 1
    as_csv = await client.get(f"/api/v1/events/{slug}/attendees.csv", headers=h)
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    # For Dutch Excel: a byte-order mark, semicolons, Dutch column names and words (issue 20).
    assert as_csv.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(as_csv.text.removeprefix("\ufeff")), delimiter=";"))
    assert [r["Rol"] for r in rows] == ["Koper", "Partner"]
    assert [r["Status"] for r in rows] == ["Wacht op betaling"] * 2
    assert rows[1]["Toegelaten op grond van"] == "Uitzondering"
    assert rows[1]["Sector"] != ""
    assert rows[1]["Uitzondering: reden"] == "Spreker van de aftrap"
    assert rows[1]["E-mailadres"] == "mentor@example.nl"
    assert (await client.get(f"/api/v1/events/{slug}/attendees", headers=buyer["headers"])).status_code == 403
    assert (await client.get(f"/api/v1/events/{slug}/attendees.csv", headers=buyer["headers"])).status_code == 403
    assert "no-store" in listing.headers["cache-control"]
    assert "no-store" in as_csv.headers["cache-control"]
    documented = (await client.get("/schema/openapi.json")).json()["paths"]
    listing_schema = documented["/api/v1/events/{slug}/attendees"]["get"]["responses"]["200"]["content"]
    assert listing_schema["application/json"]["schema"], listing_schema  # typed, not an empty schema
