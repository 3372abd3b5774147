"""Ticketing helpers for API tests: an organiser's published event, orders, payments through localstripe and
signed Stripe events posted to the webhook."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import httpx
import stripe

from tests.support.members import Members
from tests.support.stripe import event_payload, sign_payload

WEBHOOK_SECRET = "whsec_test_ticketing"


def event_body(**overrides: Any) -> dict[str, Any]:
    start = (datetime.now(UTC) + timedelta(days=60)).replace(hour=12, minute=0, second=0, microsecond=0)
    body = {
        "title": "Hackathon Nieuw Geluid",
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=8)).isoformat(),
        "venue_name": "De Kennismakerij",
        "address": "Stationsplein 1, Utrecht",
        "capacity_duos": 40,
        "price_cents": 9500,
    }
    body.update(overrides)
    return body


class Shop:
    """An organiser with a published event, and helpers to order."""

    def __init__(self, client: httpx.AsyncClient, members: Members) -> None:
        self.client, self.members = client, members
        self.organiser: dict[str, Any] = {}

    async def event(self, **overrides: Any) -> dict[str, Any]:
        if not self.organiser:
            self.organiser = await self.members.create("organiser", email="org@example.nl")
        h = self.organiser["headers"]
        created = await self.client.post("/api/v1/events", json=event_body(**overrides), headers=h)
        assert created.status_code == 201, created.text
        slug = created.json()["slug"]
        published = await self.client.post(f"/api/v1/events/{slug}/publish", headers=h)
        assert published.status_code == 200, published.text
        return published.json()

    async def order(self, slug: str, buyer: dict[str, Any], **companion: Any) -> httpx.Response:
        body = {"name": "Sam Jong", "email": f"partner-of-{buyer['email']}", "industry": "retail",
                "birth_date": None, "organisation": "Bakkerij"}
        body.update(companion)
        return await self.client.post(f"/api/v1/events/{slug}/orders", json={"companion": body},
                                      headers=buyer["headers"])


async def wait_for_status(client: httpx.AsyncClient, order_id: int, headers: dict[str, str], status: str,
                          seconds: float = 5.0) -> dict[str, Any]:
    with anyio.fail_after(seconds):
        while True:
            view = (await client.get(f"/api/v1/orders/{order_id}", headers=headers)).json()
            if view["status"] == status:
                return view
            await anyio.sleep(0.05)


async def pay(stripe_client: stripe.StripeClient, intent_id: str, method: str = "pm_card_visa") -> str:
    # localstripe answers confirm(id, payment_method=…) with a 500: set the method first, then confirm.
    await stripe_client.v1.payment_intents.update_async(intent_id, {"payment_method": method})
    try:
        return (await stripe_client.v1.payment_intents.confirm_async(intent_id)).status
    except stripe.CardError:
        return "declined"


async def post_event(client: httpx.AsyncClient, event_type: str, obj: dict[str, Any], *, event_id: str | None = None,
                     secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> httpx.Response:
    body = event_payload(event_type, obj, event_id=event_id)
    return await client.post("/api/v1/stripe/webhook", content=body,
                             headers={"Stripe-Signature": sign_payload(body, secret, timestamp),
                                      "Content-Type": "application/json"})


async def held_order(shop: Shop, slug: str, buyer: dict[str, Any], **companion: Any) -> dict[str, Any]:
    response = await shop.order(slug, buyer, **companion)
    assert response.status_code == 201, response.text
    return response.json()


async def ticket_codes(order_id: int) -> dict[str, str]:
    """role → the ticket code of the order's current (unvoided) places, read from the database: the buyer's view
    never shows the companion's code (issue 15), and a test sometimes needs it."""
    from ticketing.tables import Ticket

    rows = await Ticket.select(Ticket.code, Ticket.attendee.role.as_alias("role")).where(
        (Ticket.order == order_id) & Ticket.attendee.voided_at.is_null())
    return {r["role"]: r["code"] for r in rows}


async def join_waiting_list(client: httpx.AsyncClient, slug: str, member: dict[str, Any],
                            **companion: Any) -> httpx.Response:
    """POST the waiting-list join of `member` with a companion (defaults like `Shop.order`)."""
    body = {"name": "Sam Jong", "email": f"partner-of-{member['email']}", "industry": "retail",
            "birth_date": None, "organisation": "Bakkerij"}
    body.update(companion)
    return await client.post(f"/api/v1/events/{slug}/waiting-list", json={"companion": body},
                             headers=member["headers"])


async def sold_out_event(shop: Shop, *, capacity: int = 1, **overrides: Any) -> tuple[dict[str, Any], list[dict]]:
    """A published event whose `capacity` duo places are all held (one order per quick member): (event, holds)."""
    from tests.support.members import quick_members

    event = await shop.event(capacity_duos=capacity, **overrides)
    holds = []
    for buyer in await quick_members(capacity, prefix=f"houder-{event['slug']}-"):
        holds.append({**await held_order(shop, event["slug"], buyer), "buyer": buyer})
    return event, holds


async def paid_order(http: httpx.AsyncClient, shop: Shop, stripe_client: stripe.StripeClient, slug: str,
                     buyer: dict[str, Any], **companion: Any) -> tuple[dict[str, Any], str]:
    """A duo ordered and paid through localstripe, its webhook applied: (the paid order, its intent id)."""
    order = await held_order(shop, slug, buyer, **companion)
    intent_id = (await http.post(f"/api/v1/orders/{order['id']}/payment", headers=buyer["headers"])).json()[
        "payment_intent_id"]
    assert await pay(stripe_client, intent_id) == "succeeded"
    return await wait_for_status(http, order["id"], buyer["headers"], "paid"), intent_id
