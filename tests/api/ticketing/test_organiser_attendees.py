"""The organiser's attendee list and the exceptions to the companion rule (issue 20): an exception revoked (kept,
with who and when) stops new orders with that address but keeps the duo ordered with it; the cancelled duos on
request; the companion's reason written about the companion; the event's own age limit at a companion change."""

from __future__ import annotations

from datetime import date, datetime

import httpx
import pytest

from tests.support.members import quick_members
from tests.support.shop import Shop

pytestmark = pytest.mark.anyio

MENTOR = {"email": "mentor@example.nl", "industry": "customer_contact", "birth_date": "1970-01-01",
          "name": "Mentor Jansen"}


async def test_a_revoked_exception_admits_nobody_new_and_stays_in_the_log(client: httpx.AsyncClient,
                                                                         shop: Shop) -> None:
    event = await shop.event()
    slug, h = event["slug"], shop.organiser["headers"]
    first, second = await quick_members(2)
    created = await client.post(f"/api/v1/events/{slug}/overrides", headers=h,
                                json={"email": MENTOR["email"], "reason": "Spreker van de aftrap"})
    assert created.status_code == 201, created.text
    override = created.json()
    assert override["revoked_at"] is None
    assert (await shop.order(slug, first, **MENTOR)).status_code == 201

    # Only the event's organiser revokes; another organiser is refused, a buyer too.
    other = await shop.members.create("organiser", email="ander@example.nl")
    for headers in (other["headers"], first["headers"]):
        refused = await client.post(f"/api/v1/events/{slug}/overrides/{override['id']}/revoke", headers=headers)
        assert refused.status_code == 403, refused.text
    revoked = await client.post(f"/api/v1/events/{slug}/overrides/{override['id']}/revoke", headers=h)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    assert revoked.json()["revoked_by"] == shop.organiser["name"]
    assert revoked.json()["revoked_by_id"] == shop.organiser["id"]
    again = await client.post(f"/api/v1/events/{slug}/overrides/{override['id']}/revoke", headers=h)
    assert again.status_code == 200
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]

    # From now on the rule alone judges the address: the buyer's check says no, the first duo keeps its place.
    check = await client.post(f"/api/v1/events/{slug}/eligibility-check", headers=second["headers"],
                              json={"industry": "customer_contact", "birth_date": "1970-01-01",
                                    "email": MENTOR["email"]})
    assert check.json()["eligible"] is False, check.text
    assert check.json()["passed"] is None, check.text
    listing = (await client.get(f"/api/v1/events/{slug}/attendees", headers=h)).json()
    assert [d["companion"]["email"] for d in listing["duos"]] == [MENTOR["email"]]
    (logged,) = listing["overrides"]
    assert logged["revoked_by"] == shop.organiser["name"]
    assert logged["reason"] == "Spreker van de aftrap"
    # An address whose exception was revoked before anyone ordered with it: ordering is refused.
    coach = {**MENTOR, "email": "coach@example.nl", "name": "Coach de Wit"}
    made = await client.post(f"/api/v1/events/{slug}/overrides", headers=h,
                             json={"email": coach["email"], "reason": "Coach van het team"})
    assert (await client.post(f"/api/v1/events/{slug}/overrides/{made.json()['id']}/revoke",
                              headers=h)).status_code == 200
    refused = await shop.order(slug, second, **{**coach, "email": "COACH@example.nl"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "companion_not_eligible", refused.text

    # A new exception for the same address after a revocation; the revoked one stays listed.
    renewed = await client.post(f"/api/v1/events/{slug}/overrides", headers=h,
                                json={"email": MENTOR["email"], "reason": "Toch spreker"})
    assert renewed.status_code == 201, renewed.text
    dup = await client.post(f"/api/v1/events/{slug}/overrides", headers=h,
                            json={"email": MENTOR["email"], "reason": "Nog eens"})
    assert dup.status_code == 409
    assert dup.json()["code"] == "override_exists"
    listing = (await client.get(f"/api/v1/events/{slug}/attendees", headers=h)).json()
    assert [(o["email"], o["revoked_at"] is None) for o in listing["overrides"]] == [
        (MENTOR["email"], False), (coach["email"], False), (MENTOR["email"], True)]

    missing = await client.post(f"/api/v1/events/{slug}/overrides/999999/revoke", headers=h)
    assert missing.status_code == 404
    assert missing.json()["code"] == "override_not_found"
    assert missing.headers["content-type"].startswith("application/problem+json")


async def test_the_cancelled_duos_on_request_and_reasons_about_the_companion(client: httpx.AsyncClient,
                                                                             shop: Shop) -> None:
    event = await shop.event()
    slug, h = event["slug"], shop.organiser["headers"]
    kept, gone = await quick_members(2)
    assert (await shop.order(slug, kept, name="Lotte Bakker", industry="finance")).status_code == 201
    cancelled = await shop.order(slug, gone, name="Joris Smit", industry="retail")
    assert cancelled.status_code == 201
    done = await client.post(f"/api/v1/events/{slug}/orders/{cancelled.json()['id']}/cancel", headers=h,
                             json={"reason": "Dubbel besteld"})
    assert done.status_code == 200, done.text

    live = (await client.get(f"/api/v1/events/{slug}/attendees", headers=h)).json()
    assert live["state"] == "live"
    assert live["cancelled_duos"] == 1
    assert live["held_duos"] == 1
    (duo,) = live["duos"]
    assert duo["companion"]["name"] == "Lotte Bakker"
    # Written about the companion, for the organiser; never addressed to the buyer.
    assert duo["companion"]["eligibility_reason_nl"].startswith("Lotte Bakker werkt in een andere sector")
    assert duo["companion"]["eligibility_reason_en"].startswith("Lotte Bakker works in another industry")
    assert "partner" not in duo["companion"]["eligibility_reason_nl"].lower()

    shown = (await client.get(f"/api/v1/events/{slug}/attendees?state=cancelled", headers=h)).json()
    assert shown["state"] == "cancelled"
    assert [(d["companion"]["name"], d["status"]) for d in shown["duos"]] == [("Joris Smit", "cancelled")]
    bad = await client.get(f"/api/v1/events/{slug}/attendees?state=weg", headers=h)
    assert bad.status_code == 400, bad.text


async def test_the_events_own_age_limit_holds_at_a_companion_change(client: httpx.AsyncClient, shop: Shop) -> None:
    event = await shop.event(age_limit=25)
    day = datetime.fromisoformat(event["starts_at_local"]).date()
    (buyer,) = await quick_members(1)
    twenty_four = date(day.year - 24, day.month, min(day.day, 28)).isoformat()
    twenty_six = date(day.year - 26, day.month, min(day.day, 28)).isoformat()
    order = await shop.order(event["slug"], buyer, industry="customer_contact", birth_date=twenty_four)
    assert order.status_code == 201, order.text
    refused = await client.put(f"/api/v1/orders/{order.json()['id']}/companion", headers=buyer["headers"],
                               json={"name": "Ouder Collega", "email": "ouder@example.nl",
                                     "industry": "customer_contact", "birth_date": twenty_six})
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "companion_not_eligible", refused.text
    assert "25" in refused.json()["reason_nl"] or "26 jaar" in refused.json()["reason_nl"]
