"""A companion's own ticket through `GET /api/v1/me/tickets`: found by the account's e-mail (whenever the
account was made), with the partner's name only — never the buyer's e-mail, birth date or ticket code."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from tests.support.members import Members
from tests.support.shop import Shop, ticket_codes

pytestmark = pytest.mark.anyio


async def my_tickets(client: httpx.AsyncClient, who: dict[str, Any]) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/me/tickets", headers=who["headers"])
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return list(response.json())


async def test_a_companion_with_an_account_sees_their_own_ticket_and_nothing_of_the_buyers(
        client: httpx.AsyncClient, shop: Shop, members: Members) -> None:
    event = await shop.event(price_cents=0)
    buyer = await members.create(email="kim.koper@example.nl", name="Kim Koper", birth_date=date(1980, 4, 5))
    ordered = await shop.order(event["slug"], buyer, name="Sam Jong", email="Sam.Jong@Example.NL")
    assert ordered.status_code == 201, ordered.text
    order = ordered.json()
    assert order["status"] == "paid"
    buyer_code, companion_code = order["buyer"]["ticket_code"], (await ticket_codes(order["id"]))["companion"]
    assert buyer_code
    assert companion_code

    # The account is made after the order, with the e-mail in another case: it is the same person.
    companion = await members.create(email="sam.jong@example.nl", name="Sam")
    response = await client.get("/api/v1/me/tickets", headers=companion["headers"])
    [ticket] = await my_tickets(client, companion)
    assert ticket["role"] == "companion"
    assert ticket["name"] == "Sam Jong"
    assert ticket["ticket_code"] == companion_code
    assert ticket["ticket_status"] == "valid"
    assert ticket["live"]
    assert ticket["partner_name"] == "Kim Koper"  # who invited me
    assert ticket["order_status"] == "paid"
    assert ticket["order_id"] == order["id"]
    assert ticket["event"] == {"id": event["id"], "slug": event["slug"], "title": event["title"],
                               "starts_at": ticket["event"]["starts_at"], "timezone": "Europe/Amsterdam",
                               "status": "published"}
    text = response.text
    assert buyer_code not in text
    assert buyer["email"] not in text
    assert "1980-04-05" not in text
    # The buyer's full order stays the buyer's: the companion still has no orders of their own.
    assert (await client.get("/api/v1/orders", headers=companion["headers"])).json() == []
    assert (await client.get(f"/api/v1/orders/{order['id']}", headers=companion["headers"])).status_code == 404

    # The buyer sees their own place, and whom they invited by name only.
    [mine] = await my_tickets(client, buyer)
    assert (mine["role"], mine["ticket_code"], mine["partner_name"]) == ("buyer", buyer_code, "Sam Jong")
    text = (await client.get("/api/v1/me/tickets", headers=buyer["headers"])).text
    assert companion_code not in text
    assert "sam.jong@example.nl" not in text.lower()

    # A held (unpaid) duo shows the invitation without a code yet.
    paid_event = await shop.event(price_cents=4500, title="Betaalde duodag")
    held = await shop.order(paid_event["slug"], buyer, name="Sam Jong", email="sam.jong@example.nl")
    assert held.status_code == 201
    assert held.json()["status"] == "pending_payment"
    newest, _older = await my_tickets(client, companion)
    assert newest["event"]["slug"] == paid_event["slug"]
    assert newest["order_status"] == "pending_payment"
    assert newest["ticket_code"] is None
    assert newest["ticket_status"] is None
    assert newest["live"]

    stranger = await members.create(email="vreemde@example.nl")
    assert await my_tickets(client, stranger) == []
    assert (await client.get("/api/v1/me/tickets")).status_code == 401


async def test_after_a_change_or_cancellation_the_companion_sees_their_ticket_void(
        client: httpx.AsyncClient, shop: Shop, members: Members) -> None:
    event = await shop.event(price_cents=0)
    buyer = await members.create(email="kim@example.nl", name="Kim Koper")
    first = await members.create(email="eerste@example.nl", name="Eerste Partner")
    second = await members.create(email="tweede@example.nl", name="Tweede Partner")
    ordered = await shop.order(event["slug"], buyer, name="Eerste Partner", email=first["email"])
    assert ordered.status_code == 201, ordered.text
    order_id = ordered.json()["id"]
    [before] = await my_tickets(client, first)
    assert before["ticket_status"] == "valid"

    changed = await client.put(f"/api/v1/orders/{order_id}/companion", headers=buyer["headers"], json={
        "name": "Tweede Partner", "email": second["email"], "industry": "finance", "organisation": "Bank"})
    assert changed.status_code == 200, changed.text
    [old] = await my_tickets(client, first)
    assert old["ticket_code"] == before["ticket_code"]
    assert old["ticket_status"] == "void"
    assert not old["live"]
    assert old["voided_at"] is not None
    assert old["order_status"] == "paid"
    assert old["partner_name"] == "Kim Koper"
    [new] = await my_tickets(client, second)
    assert new["ticket_status"] == "valid"
    assert new["live"]
    assert new["ticket_code"] != old["ticket_code"]
    [mine] = await my_tickets(client, buyer)
    assert mine["partner_name"] == "Tweede Partner"  # the current companion, not the replaced one

    cancelled = await client.post(f"/api/v1/orders/{order_id}/cancel", headers=buyer["headers"])
    assert cancelled.status_code == 200, cancelled.text
    [gone] = await my_tickets(client, second)
    assert gone["order_status"] == "cancelled"
    assert gone["ticket_status"] == "void"
    assert not gone["live"]
