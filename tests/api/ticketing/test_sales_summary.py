"""ticketing.attendees.sales_summary: the organiser's figures (held / paid / free, per day, cancellations, refunds)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from core.errors import Forbidden
from core.principal import Principal
from tests.support.members import Members, quick_members
from tests.support.shop import Shop

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning:httpx"),
]


def principal(member: dict, *, organiser: bool = False) -> Principal:
    return Principal(member["id"], member["email"], member.get("name", ""), organiser, False, "api")


async def paid_by_stripe(order_id: int, amount: int) -> None:
    """As if Stripe reported the payment (the webhook's use-case; no Stripe call involved)."""
    from ticketing.payments import handle_stripe_event

    intent = {"id": f"pi_summary_{order_id}", "object": "payment_intent", "status": "succeeded",
              "amount": amount, "currency": "eur", "metadata": {"order_id": str(order_id)}}
    outcome = await handle_stripe_event({"id": f"evt_summary_{order_id}", "type": "payment_intent.succeeded",
                                         "data": {"object": intent}})
    assert outcome == "paid"


async def test_sales_summary_counts_held_paid_free_days_and_refunds(client: httpx.AsyncClient, shop: Shop,
                                                                     members: Members) -> None:
    from ticketing.attendees import sales_summary

    event = await shop.event(capacity_duos=10, price_cents=9500)
    slug = event["slug"]
    buyers = await quick_members(4, prefix="summary")
    orders = []
    for buyer in buyers:
        response = await shop.order(slug, buyer)
        assert response.status_code == 201, response.text
        orders.append(response.json())
    await paid_by_stripe(orders[0]["id"], 9500)
    await paid_by_stripe(orders[1]["id"], 9500)
    cancelled = await client.post(f"/api/v1/events/{slug}/orders/{orders[1]['id']}/cancel", json={},
                                  headers=shop.organiser["headers"])
    assert cancelled.status_code == 200, cancelled.text

    summary = await sales_summary(principal(shop.organiser, organiser=True), slug)
    assert (summary.held_duos, summary.paid_duos, summary.free_duos) == (2, 1, 7)
    assert summary.capacity_duos == 10
    assert summary.paid_cents == 9500
    assert summary.cancelled_duos == 1
    # The refund is a row first; whether Stripe confirmed it already depends on the payment server.
    assert summary.refunds.in_progress + summary.refunds.succeeded == 1
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/Amsterdam")).date()
    assert summary.daily[-1].day in (today, today - timedelta(days=1), today + timedelta(days=1))
    assert sum(d.reserved for d in summary.daily) == 4
    # The days add up to what "paid" says: the cancelled duo is no longer counted on the day it paid (issue 20).
    assert sum(d.paid for d in summary.daily) == summary.paid_duos == 1
    assert "birth_date" not in str(summary)

    other = await members.create("organiser", email="andere-org@example.nl")
    with pytest.raises(Forbidden):
        await sales_summary(principal(other, organiser=True), slug)
