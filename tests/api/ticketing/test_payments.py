"""Payments through localstripe, with webhooks delivered to the app over real HTTP; refunds; mails."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
import stripe

from settings import Settings
from tests.support.members import quick_members
from tests.support.shop import Shop, held_order, pay, post_event, ticket_codes, wait_for_status
from tests.support.shop import paid_order as _paid
from tests.support.smtp import SmtpSink
from tests.support.stripe import LocalStripe

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning:httpx"),
]


async def _links_resolve(http: httpx.AsyncClient, settings: Settings, text: str, ics: Any) -> None:
    """Every link of ours in a mail and its .ics leads to a page (or to the sign-in in front of it)."""
    import re

    calendar = ics.get_content()
    calendar = calendar if isinstance(calendar, str) else calendar.decode()
    unfolded = calendar.replace("\r\n ", "")
    urls = re.findall(r"https?://\S+", text) + re.findall(r"^URL:(\S+)", unfolded, flags=re.MULTILINE)
    ours = [u for u in urls if u.startswith(settings.public_base_url)]
    # The buyer manages the order under My tickets; the companion gets their own page (issue 15).
    assert any("/mijn/tickets" in u or "/partner/" in u for u in ours), urls
    assert any("/e/" in u for u in ours), urls
    for url in ours:
        response = await http.get(url.removeprefix(settings.public_base_url))
        assert response.status_code in (200, 302, 303), f"{url} -> {response.status_code}"
        if response.status_code != 200:
            assert "/inloggen" in response.headers["location"], response.headers


async def test_full_paid_flow_hold_intent_webhook_tickets_mails(
    http: httpx.AsyncClient, shop: Shop, stripe_client: stripe.StripeClient, settings: Settings, smtp: SmtpSink,
) -> None:
    from notifications import outbox
    from ticketing.tables import Ticket

    event = await shop.event(price_cents=9500)
    (buyer,) = await quick_members(1)
    order = await held_order(shop, event["slug"], buyer, email="companion@example.nl", name="Kim Companion")
    first = await http.post(f"/api/v1/orders/{order['id']}/payment", headers=buyer["headers"])
    assert first.status_code == 200, first.text
    second = await http.post(f"/api/v1/orders/{order['id']}/payment", headers=buyer["headers"])
    payment = first.json()
    assert second.json()["payment_intent_id"] == payment["payment_intent_id"]  # the same intent, every time
    assert payment["client_secret"].startswith(payment["payment_intent_id"])
    assert payment["publishable_key"] == settings.stripe_publishable_key
    assert payment["amount_cents"] == 9500
    intent = await stripe_client.v1.payment_intents.retrieve_async(payment["payment_intent_id"])
    assert (intent.amount, intent.currency, intent.metadata["order_id"]) == (9500, "eur", str(order["id"]))

    assert await pay(stripe_client, payment["payment_intent_id"]) == "succeeded"
    paid = await wait_for_status(http, order["id"], buyer["headers"], "paid")  # localstripe's webhook, ~1 s
    codes = await ticket_codes(order["id"])
    assert paid["buyer"]["ticket_code"] == codes["buyer"]
    assert paid["companion"]["ticket_code"] is None
    assert await Ticket.count() == 2
    assert await outbox.send_outbox(settings) == 2
    mails = await smtp.wait_for_messages(2)
    assert sorted(m.rcpt_tos[0] for m in mails) == sorted([buyer["email"], "companion@example.nl"])
    for mail in mails:
        attachments = list(mail.message.iter_attachments())
        ics = [a for a in attachments if a.get_content_type() == "text/calendar"]
        assert ics and b"BEGIN:VEVENT" in ics[0].get_content().encode() if isinstance(
            ics[0].get_content(), str) else b"BEGIN:VEVENT" in ics[0].get_content()
        own = "companion" if mail.rcpt_tos == ["companion@example.nl"] else "buyer"
        other = "buyer" if own == "companion" else "companion"
        assert codes[own] in mail.message.get_body(("plain",)).get_content()
        assert codes[other] not in mail.message.as_string()
        await _links_resolve(http, settings, mail.message.get_body(("plain",)).get_content(), ics[0])
    paying_again = await http.post(f"/api/v1/orders/{order['id']}/payment", headers=buyer["headers"])
    assert paying_again.status_code == 409
    assert paying_again.json()["code"] == "order_already_paid"
    log = [e["action"] for e in (await http.get(f"/api/v1/orders/{order['id']}/log", headers=buyer["headers"])).json()]
    assert log == ["reserved", "payment_started", "paid"]


async def test_forged_duplicate_reordered_and_replayed_webhooks(
    http: httpx.AsyncClient, shop: Shop, stripe_client: stripe.StripeClient,
) -> None:
    from events.tables import Event
    from notifications.tables import OutboxMail
    from ticketing.tables import StripeEvent, Ticket

    event = await shop.event(capacity_duos=3)
    (buyer,) = await quick_members(1)
    order = await held_order(shop, event["slug"], buyer)
    intent_id = (await http.post(f"/api/v1/orders/{order['id']}/payment", headers=buyer["headers"])).json()[
        "payment_intent_id"]
    obj = {"id": intent_id, "object": "payment_intent", "amount": 9500, "currency": "eur",
           "status": "succeeded", "metadata": {"order_id": str(order["id"])}}

    forged = await post_event(http, "payment_intent.succeeded", obj, secret="whsec_someone_else")
    assert forged.status_code == 400
    assert forged.json()["code"] == "invalid_signature"
    stale = await post_event(http, "payment_intent.succeeded", obj, timestamp=int(time.time()) - 3600)
    assert stale.status_code == 400
    unsigned = await http.post("/api/v1/stripe/webhook", content=b"{}")
    assert unsigned.status_code == 400
    assert (await http.get(f"/api/v1/orders/{order['id']}", headers=buyer["headers"])).json()["status"] == (
        "pending_payment")

    first = await post_event(http, "payment_intent.succeeded", obj, event_id="evt_one")
    assert first.status_code == 200
    assert first.json()["outcome"] == "paid"
    duplicate = await post_event(http, "payment_intent.succeeded", obj, event_id="evt_one")
    assert duplicate.json()["outcome"] == "duplicate"
    replay = await post_event(http, "payment_intent.succeeded", obj, event_id="evt_two")  # same payment, new id
    assert replay.json()["outcome"] in ("already_settled", "unchanged")
    # Out of order: a failure (or cancel) that arrives after the success changes nothing.
    late_fail = await post_event(http, "payment_intent.payment_failed", obj | {"status": "requires_payment_method"})
    assert late_fail.json()["outcome"] == "unchanged"
    late_cancel = await post_event(http, "payment_intent.canceled", obj | {"status": "canceled"})
    assert late_cancel.json()["outcome"] == "unchanged"
    view = (await http.get(f"/api/v1/orders/{order['id']}", headers=buyer["headers"])).json()
    assert view["status"] == "paid"
    assert await Ticket.count() == 2
    assert await OutboxMail.count() == 2
    assert (await Event.select(Event.seats_taken).first())["seats_taken"] == 1
    assert await StripeEvent.count() == 4  # evt_one once, evt_two, the failure, the cancel

    # Unknown orders and types are acknowledged, not failed (Stripe would retry for days).
    unknown = await post_event(http, "payment_intent.succeeded", obj | {"id": "pi_unknown", "metadata": {}})
    assert unknown.status_code == 200
    assert unknown.json()["outcome"] == "unknown_order"
    other = await post_event(http, "customer.created", {"id": "cus_1", "object": "customer"})
    assert other.json()["outcome"] == "ignored"


async def test_declined_card_frees_the_seat_via_localstripe_webhook(
    http: httpx.AsyncClient, shop: Shop, stripe_client: stripe.StripeClient,
) -> None:
    event = await shop.event(capacity_duos=1)
    (buyer,) = await quick_members(1)
    order = await held_order(shop, event["slug"], buyer)
    intent_id = (await http.post(f"/api/v1/orders/{order['id']}/payment", headers=buyer["headers"])).json()[
        "payment_intent_id"]
    assert await pay(stripe_client, intent_id, "pm_card_chargeCustomerFail") == "declined"
    await wait_for_status(http, order["id"], buyer["headers"], "payment_failed")
    assert (await http.get(f"/api/v1/events/{event['slug']}")).json()["seats_left"] == 1


async def test_late_payment_is_confirmed_if_a_seat_is_free_else_refunded(
    http: httpx.AsyncClient, shop: Shop, stripe_client: stripe.StripeClient,
) -> None:
    from ticketing import jobs
    from ticketing.tables import Refund

    event = await shop.event(capacity_duos=1)
    slug = event["slug"]
    b1, b2, b3 = await quick_members(3)
    # 1. Expired, seat still free: the payment is kept and the order confirmed.
    order = await held_order(shop, slug, b1)
    intent_id = (await http.post(f"/api/v1/orders/{order['id']}/payment", headers=b1["headers"])).json()[
        "payment_intent_id"]
    expired_at = datetime.fromisoformat(order["expires_at"]) + timedelta(seconds=1)
    assert await jobs.expire_holds(now=expired_at) == 1
    assert await pay(stripe_client, intent_id) == "succeeded"
    view = await wait_for_status(http, order["id"], b1["headers"], "paid")
    assert view["companion"]["live"]
    assert view["companion"]["ticket_status"] == "valid"
    assert (await http.get(f"/api/v1/events/{slug}")).json()["seats_left"] == 0

    # 2. Expired, and someone else took the seat: the payment is refunded automatically.
    await http.post(f"/api/v1/orders/{order['id']}/cancel", headers=b1["headers"])
    order2 = await held_order(shop, slug, b2)
    intent2 = (await http.post(f"/api/v1/orders/{order2['id']}/payment", headers=b2["headers"])).json()[
        "payment_intent_id"]
    assert await jobs.expire_holds(now=datetime.fromisoformat(order2["expires_at"]) + timedelta(seconds=1)) == 1
    await held_order(shop, slug, b3)  # takes the freed seat
    assert await pay(stripe_client, intent2) == "succeeded"
    view2 = await wait_for_status(http, order2["id"], b2["headers"], "refunded")
    assert view2["buyer"]["ticket_code"] is None
    refund = await Refund.select().where(Refund.order == order2["id"]).first()
    assert refund["reason"] == "late_payment"
    assert refund["stripe_refund_id"]
    refunds = await stripe_client.v1.refunds.list_async({"payment_intent": intent2})
    assert len(refunds.data) == 1
    assert refunds.data[0].amount == 9500
    assert (await http.get(f"/api/v1/events/{slug}")).json()["seats_left"] == 0


async def test_buyer_refund_and_signed_refund_events(
    http: httpx.AsyncClient, shop: Shop, stripe_client: stripe.StripeClient,
) -> None:
    from ticketing import tickets
    from ticketing.tables import Refund, Ticket

    event = await shop.event(capacity_duos=2)
    slug = event["slug"]
    b1, b2 = await quick_members(2)
    order, intent_id = await _paid(http, shop, stripe_client, slug, b1)
    other = await http.post(f"/api/v1/orders/{order['id']}/cancel", headers=b2["headers"])
    assert other.status_code == 404
    cancelled = await http.post(f"/api/v1/orders/{order['id']}/cancel", headers=b1["headers"])
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "refunded"  # localstripe refunds at once
    refund = await Refund.select().where(Refund.order == order["id"]).first()
    assert refund["status"] == "succeeded"
    assert refund["reason"] == "requested_by_customer"
    assert {t["status"] for t in await Ticket.select()} == {"void"}
    assert (await http.get(f"/api/v1/events/{slug}")).json()["seats_left"] == 2
    assert await tickets.live_ticket_event_ids(b1["id"]) == []
    # The refund events localstripe never sends, signed by us: applied once, changing nothing more.
    charge = {"id": "ch_1", "object": "charge", "payment_intent": intent_id, "refunded": True,
              "amount_refunded": 9500}
    r1 = await post_event(http, "charge.refunded", charge, event_id="evt_refund")
    r2 = await post_event(http, "charge.refunded", charge, event_id="evt_refund")
    r3 = await post_event(http, "refund.updated", {"id": refund["stripe_refund_id"], "object": "refund",
                                                   "payment_intent": intent_id, "status": "succeeded"})
    assert (r1.json()["outcome"], r2.json()["outcome"], r3.json()["outcome"]) == ("unchanged", "duplicate",
                                                                                  "unchanged")
    again = await http.post(f"/api/v1/orders/{order['id']}/cancel", headers=b1["headers"])
    assert again.status_code == 200
    assert again.json()["status"] == "refunded"
    assert len((await stripe_client.v1.refunds.list_async({"payment_intent": intent_id})).data) == 1
    assert (await http.get(f"/api/v1/events/{slug}")).json()["seats_left"] == 2

    # Past the refund deadline a paid duo cannot be cancelled by its buyer.
    from events.tables import Event

    order2, _ = await _paid(http, shop, stripe_client, slug, b2)
    await Event.update({Event.refund_deadline: datetime.now().astimezone() - timedelta(minutes=1)}).where(
        Event.slug == slug)
    late = await http.post(f"/api/v1/orders/{order2['id']}/cancel", headers=b2["headers"])
    assert late.status_code == 409
    assert late.json()["code"] == "refund_deadline_passed"


async def test_refund_made_in_stripe_dashboard_cancels_the_duo(
    http: httpx.AsyncClient, shop: Shop, stripe_client: stripe.StripeClient,
) -> None:
    event = await shop.event(capacity_duos=2)
    (buyer,) = await quick_members(1)
    order, intent_id = await _paid(http, shop, stripe_client, event["slug"], buyer)
    refund = await stripe_client.v1.refunds.create_async({"payment_intent": intent_id})
    response = await post_event(http, "refund.updated", {"id": refund.id, "object": "refund",
                                                         "payment_intent": intent_id, "status": "succeeded"})
    assert response.json()["outcome"] == "refunded"
    view = (await http.get(f"/api/v1/orders/{order['id']}", headers=buyer["headers"])).json()
    assert view["status"] == "refunded"
    assert view["companion"]["ticket_status"] == "void"
    assert (await http.get(f"/api/v1/events/{event['slug']}")).json()["seats_left"] == 2


async def test_organiser_cancels_an_order_and_then_the_event(
    http: httpx.AsyncClient, shop: Shop, stripe_client: stripe.StripeClient, settings: Settings, smtp: SmtpSink,
) -> None:
    from notifications import outbox
    from ticketing.tables import Refund

    event = await shop.event(capacity_duos=5)
    slug, h = event["slug"], shop.organiser["headers"]
    b1, b2, b3 = await quick_members(3)
    o1, _ = await _paid(http, shop, stripe_client, slug, b1)
    o2, i2 = await _paid(http, shop, stripe_client, slug, b2)
    o3 = await held_order(shop, slug, b3)
    denied = await http.post(f"/api/v1/events/{slug}/orders/{o1['id']}/cancel", json={}, headers=b2["headers"])
    assert denied.status_code == 403
    by_org = await http.post(f"/api/v1/events/{slug}/orders/{o1['id']}/cancel", json={"reason": "dubbel"},
                             headers=h)
    assert by_org.status_code == 200
    assert by_org.json()["status"] == "refunded"
    log = (await http.get(f"/api/v1/orders/{o1['id']}/log", headers=h)).json()
    assert any(e["action"] == "cancelled" and e["actor"] == "organiser" and e["actor_id"] == shop.organiser["id"]
               for e in log)

    cancelled = await http.post(f"/api/v1/events/{slug}/cancel", json={"reason": "Zaal onder water"}, headers=h)
    assert cancelled.status_code == 200, cancelled.text
    assert (await http.get(f"/api/v1/orders/{o2['id']}", headers=b2["headers"])).json()["status"] == "refunded"
    assert (await http.get(f"/api/v1/orders/{o3['id']}", headers=b3["headers"])).json()["status"] == "cancelled"
    assert await Refund.count() == 2
    assert len((await stripe_client.v1.refunds.list_async({"payment_intent": i2})).data) == 1
    again = await http.post(f"/api/v1/events/{slug}/cancel", json={"reason": "nog eens"}, headers=h)
    assert again.status_code == 200
    assert await Refund.count() == 2
    # Confirmations still queued for duos cancelled before they went out are skipped: no voided tickets mailed.
    # Each cancellation says who cancelled (issue 15): the organiser, or the event itself; each refund is mailed
    # to its buyer once it went through, with the amount.
    assert await outbox.send_outbox(settings) == 8
    subjects = sorted((m.rcpt_tos[0], str(m.message["Subject"]).strip()) for m in await smtp.wait_for_messages(8))
    title = event["title"]
    assert sum(s.startswith("De organisator heeft je duoticket") for _, s in subjects) == 2
    assert sum(s == f"{title} gaat niet door" for _, s in subjects) == 4
    assert sorted(to for to, s in subjects if s == f"€\u00a095,00 voor {title} is teruggestort") == sorted(
        [b1["email"], b2["email"]])


async def test_reconcile_settles_a_payment_whose_webhook_never_came(
    http: httpx.AsyncClient, shop: Shop, stripe_client: stripe.StripeClient, localstripe: LocalStripe,
) -> None:
    from ticketing import payments

    event = await shop.event()
    (buyer,) = await quick_members(1)
    order = await held_order(shop, event["slug"], buyer)
    intent_id = (await http.post(f"/api/v1/orders/{order['id']}/payment", headers=buyer["headers"])).json()[
        "payment_intent_id"]
    await localstripe.disable_webhook("nieuw-geluid")
    assert await pay(stripe_client, intent_id) == "succeeded"
    assert (await payments.reconcile_payments(min_age=timedelta(0)))["paid"] == 1
    view = (await http.get(f"/api/v1/orders/{order['id']}", headers=buyer["headers"])).json()
    assert view["status"] == "paid"
    assert view["companion"]["ticket_status"] == "valid"
    # Claimed: an immediate second run leaves it alone; a later one finds it settled.
    assert (await payments.reconcile_payments(min_age=timedelta(0)))["checked"] == 0


async def test_dev_webhook_registration_tolerates_a_missing_server(settings: Settings) -> None:
    from dataclasses import replace

    from ticketing.stripe_gateway import register_dev_webhook

    assert await register_dev_webhook(settings) is True
    assert await register_dev_webhook(replace(settings, stripe_api_base="http://127.0.0.1:9")) is False
    assert await register_dev_webhook(replace(settings, stripe_api_base=None)) is False
    assert json  # (json used by helpers in other tests)
