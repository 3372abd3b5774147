"""Payment faults: what happens to money, seats and tickets when webhooks misbehave, a worker dies mid-way or
the payment provider is down, and how the reconcile command settles what was left open.

Every scenario ends with `assert_ticketing_invariants()` (tests/support/invariants.py): no double tickets,
no paid order without its two valid tickets, seats_taken equal to the seat-holding orders (and never above
capacity), valid tickets = 2 × paid orders, no live place outside a seat-holding order.

This module has a localstripe server of its own (module scope), because one scenario stops and restarts it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import anyio
import httpx
import pytest
import stripe

from core.db import as_utc
from settings import Settings
from tests.support.database import truncate_all
from tests.support.invariants import assert_ticketing_invariants
from tests.support.members import quick_members
from tests.support.shop import WEBHOOK_SECRET, Shop, held_order, pay, post_event, wait_for_status
from tests.support.stripe import (
    PROJECT_ROOT,
    LocalStripe,
    _read_ready_line,
    running_localstripe,
    sign_payload,
    stop_localstripe_process,
)

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.filterwarnings("ignore:Use 'content=<...>' to upload raw bytes:DeprecationWarning:httpx"),
]


@pytest.fixture(scope="module")
def localstripe() -> Iterator[LocalStripe]:
    with running_localstripe() as server:
        yield server


def restart_localstripe(server: LocalStripe) -> None:
    """Start a fresh (empty) localstripe on the same port as before: what a restarted provider looks like."""
    if server.process.poll() is None:
        stop_localstripe_process(server.process)
    port = urlsplit(server.base_url).port
    process = subprocess.Popen(
        [sys.executable, "-m", "devtools.localstripe_server", "--port", str(port), "--host", "127.0.0.1"],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    for _ in range(50):  # the old socket may linger for a moment
        try:
            _read_ready_line(process, 15)
            break
        except RuntimeError:
            time.sleep(0.1)
            process = subprocess.Popen(process.args, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True,
                                       env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    server.process = process


def succeeded(intent_id: str, order_id: int, amount: int = 9500) -> dict[str, Any]:
    return {"id": intent_id, "object": "payment_intent", "amount": amount, "currency": "eur", "status": "succeeded",
            "metadata": {"order_id": str(order_id)}}


async def start_payment(http: httpx.AsyncClient, buyer: dict[str, Any], order_id: int) -> httpx.Response:
    return await http.post(f"/api/v1/orders/{order_id}/payment", headers=buyer["headers"])


async def intents_for(stripe_client: stripe.StripeClient, order_id: int) -> list[str]:
    listed = await stripe_client.v1.payment_intents.list_async({"limit": 100})
    return [i.id for i in listed.data if (i.to_dict().get("metadata") or {}).get("order_id") == str(order_id)]


async def order_row(order_id: int) -> dict[str, Any]:
    from ticketing.tables import TicketOrder

    row = await TicketOrder.select().where(TicketOrder.id == order_id).first()
    assert row is not None
    return row


async def seats_left(http: httpx.AsyncClient, slug: str) -> int:
    return int((await http.get(f"/api/v1/events/{slug}")).json()["seats_left"])


# --------------------------------------------------------------------------- webhooks


@dataclass
class Held:
    """A published event with room for three duos, a held order, the intent made for it, and the succeeded
    event's object for that intent (not yet delivered)."""

    event: dict[str, Any]
    order: dict[str, Any]
    paid_obj: dict[str, Any]


@pytest.fixture
async def held(http: httpx.AsyncClient, shop: Shop, stripe_client: stripe.StripeClient) -> Held:
    event = await shop.event(capacity_duos=3)
    (buyer,) = await quick_members(1)
    order = await held_order(shop, event["slug"], buyer)
    intent_id = (await start_payment(http, buyer, order["id"])).json()["payment_intent_id"]
    return Held(event, order, succeeded(intent_id, order["id"]))


async def test_a_forged_webhook_is_refused_and_nothing_stored(http: httpx.AsyncClient, held: Held) -> None:
    from ticketing.tables import StripeEvent

    # Another secret, or a body that is not the one signed.
    forged = await post_event(http, "payment_intent.succeeded", held.paid_obj, secret="whsec_attacker")
    assert forged.status_code == 400
    assert forged.json()["code"] == "invalid_signature"
    body = b'{"id": "evt_x", "type": "payment_intent.succeeded", "data": {"object": {}}}'
    swapped = await http.post("/api/v1/stripe/webhook", content=body.replace(b"evt_x", b"evt_y"),
                              headers={"Stripe-Signature": sign_payload(body, WEBHOOK_SECRET)})
    assert swapped.status_code == 400
    assert await StripeEvent.count() == 0
    assert (await order_row(held.order["id"]))["status"] == "pending_payment"
    await assert_ticketing_invariants()


async def test_a_webhook_delivered_five_times_at_once_is_applied_once(http: httpx.AsyncClient, held: Held) -> None:
    from ticketing.tables import Ticket

    results = []

    async def deliver() -> None:
        results.append(await post_event(http, "payment_intent.succeeded", held.paid_obj, event_id="evt_paid"))

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(deliver)
    outcomes = sorted(r.json()["outcome"] for r in results)
    assert outcomes == ["duplicate"] * 4 + ["paid"], outcomes
    assert await Ticket.count() == 2
    await assert_ticketing_invariants()


@pytest.mark.parametrize(("kind", "status"), [("payment_intent.payment_failed", "requires_payment_method"),
                                              ("payment_intent.canceled", "canceled")])
async def test_a_failure_that_arrives_after_the_success_changes_nothing(http: httpx.AsyncClient, held: Held,
                                                                        kind: str, status: str) -> None:
    """Reordered: a failure or a cancellation created before the success is delivered after it."""
    paid = await post_event(http, "payment_intent.succeeded", held.paid_obj, event_id="evt_paid")
    assert paid.json()["outcome"] == "paid"
    late = await post_event(http, kind, held.paid_obj | {"status": status})
    assert late.status_code == 200
    assert late.json()["outcome"] == "unchanged"
    assert (await order_row(held.order["id"]))["status"] == "paid"
    await assert_ticketing_invariants()


async def test_a_webhook_replayed_after_a_day_changes_nothing(http: httpx.AsyncClient, held: Held) -> None:
    from ticketing.tables import StripeEvent, Ticket

    paid = await post_event(http, "payment_intent.succeeded", held.paid_obj, event_id="evt_paid")
    assert paid.json()["outcome"] == "paid"
    # Its day-old signature is refused (5 minutes' tolerance)…
    day_old = await post_event(http, "payment_intent.succeeded", held.paid_obj, event_id="evt_paid",
                               timestamp=int(time.time()) - 24 * 3600)
    assert day_old.status_code == 400
    assert day_old.json()["code"] == "invalid_signature"
    # …and the same event id signed afresh (a redelivery, or an attacker with the secret) changes nothing.
    fresh = await post_event(http, "payment_intent.succeeded", held.paid_obj, event_id="evt_paid")
    assert fresh.status_code == 200
    assert fresh.json()["outcome"] == "duplicate"
    assert await Ticket.count() == 2
    assert await StripeEvent.count() == 1
    await assert_ticketing_invariants()


async def test_a_success_after_a_declined_card_is_confirmed_while_a_seat_is_free(
    http: httpx.AsyncClient, held: Held,
) -> None:
    """Reordered the other way: a declined card frees the seat, then the same intent succeeds with another card:
    the late payment is kept and the duo confirmed, because a seat is still free."""
    failed = await post_event(http, "payment_intent.payment_failed",
                              held.paid_obj | {"status": "requires_payment_method"})
    assert failed.json()["outcome"] == "payment_failed"
    await assert_ticketing_invariants()
    revived = await post_event(http, "payment_intent.succeeded", held.paid_obj)
    assert revived.json()["outcome"] == "late_payment_confirmed"
    assert (await order_row(held.order["id"]))["status"] == "paid"
    await assert_ticketing_invariants()


async def test_a_webhook_for_an_unknown_order_is_acknowledged_and_changes_nothing(
    http: httpx.AsyncClient, held: Held,
) -> None:
    before = await assert_ticketing_invariants()
    unknown = await post_event(http, "payment_intent.succeeded", succeeded("pi_not_ours", 999_999) | {"metadata": {}})
    assert unknown.status_code == 200
    assert unknown.json()["outcome"] == "unknown_order"
    assert await assert_ticketing_invariants() == before
    assert (await order_row(held.order["id"]))["status"] == "pending_payment"


# --------------------------------------------------------------------------- a worker dies


async def test_worker_dies_between_taking_the_seat_and_creating_the_intent(
    http: httpx.AsyncClient, shop: Shop, stripe_client: stripe.StripeClient,
) -> None:
    """The seat is committed, the worker dies before Stripe is asked: the hold simply runs out."""
    from ticketing import jobs, payments

    event = await shop.event(capacity_duos=1)
    (buyer,) = await quick_members(1)
    order = await held_order(shop, event["slug"], buyer)
    await assert_ticketing_invariants()
    assert (await payments.reconcile_payments(min_age=timedelta(0), every=timedelta(0)))["checked"] == 0
    expired_at = as_utc((await order_row(order["id"]))["expires_at"])
    assert await jobs.expire_holds(now=expired_at + timedelta(seconds=1)) == 1
    assert await seats_left(http, event["slug"]) == 1
    assert await intents_for(stripe_client, order["id"]) == []
    late = await start_payment(http, buyer, order["id"])
    assert late.status_code == 409
    assert late.json()["code"] == "reservation_expired"
    await assert_ticketing_invariants()


class WorkerDied(Exception):
    """Stands in for a worker process killed at this point."""


async def test_worker_dies_after_stripe_created_the_intent_but_before_its_id_was_stored(
    http: httpx.AsyncClient, shop: Shop, stripe_client: stripe.StripeClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from core.principal import Principal
    from ticketing import jobs, payments, stripe_gateway
    from ticketing.errors import PaymentInProgress
    from ticketing.tables import TicketOrder

    event = await shop.event(capacity_duos=2)
    b1, b2 = await quick_members(2)
    real_create = stripe_gateway.current().create_intent

    async def create_then_die(*args: Any, **kwargs: Any) -> stripe_gateway.Intent:
        await real_create(*args, **kwargs)
        raise WorkerDied

    async def dies_mid_payment(buyer: dict[str, Any], order_id: int) -> None:
        principal = Principal(id=buyer["id"], email=buyer["email"], name="", is_organiser=False,
                              is_admin=False, token_kind="api")
        monkeypatch.setattr(stripe_gateway.current(), "create_intent", create_then_die)
        with pytest.raises(WorkerDied):
            await payments.start_payment(principal, order_id)
        monkeypatch.setattr(stripe_gateway.current(), "create_intent", real_create)
        row = await order_row(order_id)
        assert row["payment_intent_id"] is None
        assert row["payment_claimed_at"] is not None
        assert len(await intents_for(stripe_client, order_id)) == 1  # it exists at Stripe, unknown to us
        await assert_ticketing_invariants()
        # Within the claim another attempt waits for the dead one, then asks to try again (no second intent).
        with pytest.raises(PaymentInProgress):
            await payments.start_payment(principal, order_id, wait_seconds=0.3)

    async def claim_goes_stale(order_id: int) -> None:
        row = await order_row(order_id)
        await TicketOrder.update({TicketOrder.payment_claimed_at: as_utc(row["payment_claimed_at"])
                                  - payments.PAYMENT_CLAIM_TIMEOUT - timedelta(seconds=1)}).where(
            TicketOrder.id == order_id)

    # 1. The buyer tries again after the claim ran out: the intent Stripe already has is adopted, not doubled.
    o1 = await held_order(shop, event["slug"], b1)
    await dies_mid_payment(b1, o1["id"])
    await claim_goes_stale(o1["id"])
    retry = await start_payment(http, b1, o1["id"])
    assert retry.status_code == 200, retry.text
    assert await intents_for(stripe_client, o1["id"]) == [retry.json()["payment_intent_id"]]
    assert await pay(stripe_client, retry.json()["payment_intent_id"]) == "succeeded"
    await wait_for_status(http, o1["id"], b1["headers"], "paid")
    await assert_ticketing_invariants()

    # 2. Nobody comes back: reconcile finds the intent by its order and records it; the hold then runs out
    #    and frees the seat, and the orphan can no longer take one.
    o2 = await held_order(shop, event["slug"], b2)
    await dies_mid_payment(b2, o2["id"])
    await claim_goes_stale(o2["id"])
    counts = await payments.reconcile_payments(min_age=timedelta(0), every=timedelta(0))
    assert counts.get("recovered") == 1, counts
    assert counts.get("open") == 1, counts
    (orphan,) = await intents_for(stripe_client, o2["id"])
    assert (await order_row(o2["id"]))["payment_intent_id"] == orphan
    assert await seats_left(http, event["slug"]) == 0
    expires_at = as_utc((await order_row(o2["id"]))["expires_at"])
    assert await jobs.expire_holds(now=expires_at + timedelta(seconds=1)) == 1
    assert await seats_left(http, event["slug"]) == 1
    await assert_ticketing_invariants()
    log = [e["action"] for e in (await http.get(f"/api/v1/orders/{o2['id']}/log", headers=b2["headers"])).json()]
    assert log == ["reserved", "payment_intent_recovered", "expired"]


async def test_worker_dies_between_the_webhook_and_the_tickets(
    http: httpx.AsyncClient, shop: Shop, stripe_client: stripe.StripeClient, localstripe: LocalStripe,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The handler's transaction fails after the order moved to paid: everything rolls back, the event id
    included, so Stripe's redelivery (or reconcile, when none comes) completes it exactly once."""
    from ticketing import payments, state
    from ticketing.tables import StripeEvent, Ticket

    event = await shop.event(capacity_duos=2)
    b1, b2 = await quick_members(2)
    real_issue = state.issue_tickets_and_mail

    async def die_while_issuing(order_id: int, now: Any) -> list[str]:
        raise WorkerDied

    # 1. A signed event, redelivered by "Stripe" after the failure.
    o1 = await held_order(shop, event["slug"], b1)
    intent1 = (await start_payment(http, b1, o1["id"])).json()["payment_intent_id"]
    monkeypatch.setattr(state, "issue_tickets_and_mail", die_while_issuing)
    failed = await post_event(http, "payment_intent.succeeded", succeeded(intent1, o1["id"]), event_id="evt_once")
    assert failed.status_code >= 500  # Stripe retries anything that is not 2xx
    assert await StripeEvent.count() == 0
    assert await Ticket.count() == 0
    assert (await order_row(o1["id"]))["status"] == "pending_payment"
    await assert_ticketing_invariants()
    monkeypatch.setattr(state, "issue_tickets_and_mail", real_issue)
    redelivered = await post_event(http, "payment_intent.succeeded", succeeded(intent1, o1["id"]),
                                   event_id="evt_once")
    assert redelivered.status_code == 200
    assert redelivered.json()["outcome"] == "paid"
    await assert_ticketing_invariants()

    # 2. localstripe's own webhook hits the failure and never retries: reconcile completes the payment.
    o2 = await held_order(shop, event["slug"], b2)
    intent2 = (await start_payment(http, b2, o2["id"])).json()["payment_intent_id"]
    monkeypatch.setattr(state, "issue_tickets_and_mail", die_while_issuing)
    stored = await StripeEvent.count()
    assert await pay(stripe_client, intent2) == "succeeded"
    await anyio.sleep(2.5)  # localstripe delivers ~1 s after the confirmation; the handler fails
    assert await StripeEvent.count() == stored
    assert (await order_row(o2["id"]))["status"] == "pending_payment"
    await assert_ticketing_invariants()
    monkeypatch.setattr(state, "issue_tickets_and_mail", real_issue)
    counts = await payments.reconcile_payments(min_age=timedelta(0), every=timedelta(0))
    assert counts.get("paid") == 1, counts
    assert (await order_row(o2["id"]))["status"] == "paid"
    assert await Ticket.count() == 4
    await assert_ticketing_invariants()


async def test_a_payment_settled_against_a_stale_read_is_not_lost(
    client: httpx.AsyncClient, shop: Shop, stripe_client: stripe.StripeClient,
) -> None:
    """On PostgreSQL the webhook reads the order, and the expiry job may commit before the webhook's own
    conditional move: losing that move must settle against the status the order has now (here: expired,
    seat still free, so confirmed), never record the event as handled with the payment left behind."""
    from core.db import utcnow, write_transaction
    from ticketing import jobs, payments, state
    from ticketing.stripe_gateway import Intent
    from ticketing.tables import TicketOrder

    event = await shop.event(capacity_duos=1)
    (buyer,) = await quick_members(1)
    order = await held_order(shop, event["slug"], buyer)
    stale = await order_row(order["id"])
    await TicketOrder.update({TicketOrder.expires_at: utcnow() - timedelta(seconds=1)}).where(
        TicketOrder.id == order["id"])
    assert await jobs.expire_holds() == 1
    intent = Intent(id="pi_raced", client_secret=None, status="succeeded", amount=9500, currency="eur",
                    order_id=order["id"])
    async with write_transaction():
        outcome, refund_id = await payments.settle_success(stale, intent, state.STRIPE, utcnow())
    assert (outcome, refund_id) == ("late_payment_confirmed", None)
    figures = await assert_ticketing_invariants()
    assert figures["paid"] == 1
    assert figures["seats_taken"] == 1


async def test_a_cancellation_racing_the_payment_webhook_is_not_dropped(
    client: httpx.AsyncClient, shop: Shop, stripe_client: stripe.StripeClient, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The buyer cancels a hold just as its payment comes in: the cancellation must apply to the paid order
    (refunded), not answer 200 and leave it paid (found by the load test)."""
    from core.db import utcnow
    from ticketing import payments, state, stripe_gateway

    event = await shop.event(capacity_duos=1)
    (buyer,) = await quick_members(1)
    order = await held_order(shop, event["slug"], buyer)
    intent_id = (await client.post(f"/api/v1/orders/{order['id']}/payment", headers=buyer["headers"])).json()[
        "payment_intent_id"]
    assert await pay(stripe_client, intent_id) == "succeeded"  # no webhook reaches the ASGI-only app
    real_cancel = state.cancel_in_transaction
    raced: list[str] = []

    async def webhook_commits_first(row: Any, *args: Any) -> Any:
        if not raced:  # the webhook's transaction commits between the cancel's read and its move
            intent = await stripe_gateway.current().retrieve_intent(intent_id)
            raced.append((await payments.settle_success(await order_row(row["id"]), intent, state.STRIPE,
                                                        utcnow()))[0])
        return await real_cancel(row, *args)

    monkeypatch.setattr(state, "cancel_in_transaction", webhook_commits_first)
    cancelled = await client.post(f"/api/v1/orders/{order['id']}/cancel", headers=buyer["headers"])
    assert raced == ["paid"]
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "refunded", cancelled.text
    refunds = await stripe_client.v1.refunds.list_async({"payment_intent": intent_id})
    assert len(refunds.data) == 1
    assert await seats_left(client, event["slug"]) == 1
    await assert_ticketing_invariants()


# --------------------------------------------------------------------------- the provider is down


@pytest.fixture
def quick_provider_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hung provider should not keep a buyer waiting 15 s in a test (set before the app starts)."""
    from ticketing import stripe_gateway

    monkeypatch.setattr(stripe_gateway, "REQUEST_TIMEOUT_SECONDS", 1.5)


async def test_localstripe_down_during_a_purchase(
    quick_provider_timeout: None, http: httpx.AsyncClient, shop: Shop, stripe_client: stripe.StripeClient,
    localstripe: LocalStripe, settings: Settings,
) -> None:
    from core.db import utcnow
    from ticketing import jobs, payments, refunds
    from ticketing.tables import Refund, StripeEvent, Ticket, TicketOrder

    # A webhook for an earlier test's payment may still be on its way (~1 s after its confirmation), naming an
    # order id this test reuses: let it land on an empty table first.
    await anyio.sleep(1.5)
    await truncate_all()
    event = await shop.event(capacity_duos=4)
    slug = event["slug"]
    b1, b2, b3, b4 = await quick_members(4)
    webhook_url = str(http.base_url).rstrip("/") + "/api/v1/stripe/webhook"

    def problem(response: httpx.Response) -> None:
        assert response.status_code in (502, 503), response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "payment_provider_unavailable"

    # --- Killed: connections are refused.
    held, expiring = await held_order(shop, slug, b1), await held_order(shop, slug, b2)
    events_before = await StripeEvent.count()
    stop_localstripe_process(localstripe.process)
    try:
        started = time.monotonic()
        problem(await start_payment(http, b1, held["id"]))
        assert time.monotonic() - started < 5
        row = await order_row(held["id"])
        assert row["status"] == "pending_payment"
        assert row["payment_intent_id"] is None
        assert await Ticket.count() == 0
        assert await StripeEvent.count() == events_before
        assert await seats_left(http, slug) == 2  # both holds keep their seats meanwhile
        await assert_ticketing_invariants()
        # Reconcile and expiry run while it is down: no crash, the unpaid hold is freed.
        await payments.reconcile_payments(min_age=timedelta(0), every=timedelta(0))
        await TicketOrder.update({TicketOrder.expires_at: utcnow() - timedelta(seconds=1)}).where(
            TicketOrder.id == expiring["id"])
        assert await jobs.expire_holds() == 1
        assert (await order_row(expiring["id"]))["status"] == "expired"
        await assert_ticketing_invariants()
    finally:
        restart_localstripe(localstripe)
    await localstripe.register_webhook(webhook_url, WEBHOOK_SECRET, webhook_id="nieuw-geluid")
    # Back up (empty, as a restarted localstripe is): the held order can still be paid.
    payment = await start_payment(http, b1, held["id"])
    assert payment.status_code == 200, payment.text
    assert await pay(stripe_client, payment.json()["payment_intent_id"]) == "succeeded"
    await wait_for_status(http, held["id"], b1["headers"], "paid")
    await assert_ticketing_invariants()

    # --- Stopped (SIGSTOP): connections hang, so only the timeout answers.
    paid = await held_order(shop, slug, b3)
    intent = (await start_payment(http, b3, paid["id"])).json()["payment_intent_id"]
    assert await pay(stripe_client, intent) == "succeeded"
    await wait_for_status(http, paid["id"], b3["headers"], "paid")
    waiting = await held_order(shop, slug, b4)
    localstripe.process.send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        problem(await start_payment(http, b4, waiting["id"]))
        assert time.monotonic() - started < 10
        # Cancelling a paid duo while the provider hangs: seat freed now, the refund is queued and retried.
        cancelled = await http.post(f"/api/v1/orders/{paid['id']}/cancel", headers=b3["headers"])
        assert cancelled.status_code == 200
        assert cancelled.json()["status"] == "refund_pending"
        refund = await Refund.select().where(Refund.order == paid["id"]).first()
        assert refund["status"] == "pending"
        assert refund["attempts"] == 1
        assert refund["last_error"]
        await assert_ticketing_invariants()
    finally:
        localstripe.process.send_signal(signal.SIGCONT)
    # Back: the refund job retries after its back-off; the waiting order is paid.
    assert await refunds.process_refunds(now=utcnow() + timedelta(minutes=5)) == 1
    assert (await order_row(paid["id"]))["status"] == "refunded"
    payment = await start_payment(http, b4, waiting["id"])
    assert payment.status_code == 200, payment.text
    assert len(await intents_for(stripe_client, waiting["id"])) == 1
    assert await pay(stripe_client, payment.json()["payment_intent_id"]) == "succeeded"
    await wait_for_status(http, waiting["id"], b4["headers"], "paid")
    figures = await assert_ticketing_invariants()
    assert figures["paid"] == 2


# --------------------------------------------------------------------------- the reconcile command


async def test_reconcile_command_settles_what_was_left_open(
    client: httpx.AsyncClient, shop: Shop, stripe_client: stripe.StripeClient, localstripe: LocalStripe,
    settings: Settings, database_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No webhooks at all (the app is not reachable for localstripe): `litestar reconcile-payments` settles a
    payment that succeeded, one that was cancelled at Stripe, an intent whose id was never stored and was
    paid anyway, and leaves an open one open."""
    from core.db import utcnow
    from ticketing import stripe_gateway
    from ticketing.tables import TicketOrder

    event = await shop.event(capacity_duos=5)
    slug = event["slug"]
    buyers = await quick_members(4)
    orders = [await held_order(shop, slug, b) for b in buyers]
    ids = [o["id"] for o in orders]
    intents = []
    for buyer, order in zip(buyers[:3], orders[:3], strict=True):
        response = await client.post(f"/api/v1/orders/{order['id']}/payment", headers=buyer["headers"])
        assert response.status_code == 200, response.text
        intents.append(response.json()["payment_intent_id"])
    assert await pay(stripe_client, intents[0]) == "succeeded"
    await stripe_client.v1.payment_intents.cancel_async(intents[1])
    # The fourth: Stripe made the intent, the worker died before storing it, and it was paid all the same.
    orphan = await stripe_gateway.current().create_intent(ids[3], 9500, "orphan")
    await TicketOrder.update({TicketOrder.payment_claimed_at: utcnow() - timedelta(minutes=1)}).where(
        TicketOrder.id == ids[3])
    assert await pay(stripe_client, orphan.id) == "succeeded"
    await assert_ticketing_invariants()

    env = {**os.environ, "DATABASE_URL": database_url, "STRIPE_API_BASE": localstripe.base_url,
           "STRIPE_SECRET_KEY": "sk_test_localstripe", "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
           "BACKGROUND_JOBS": "false"}
    done = await anyio.run_process([str(PROJECT_ROOT / ".venv" / "bin" / "litestar"), "--app", "app:app",
                                    "reconcile-payments"], cwd=PROJECT_ROOT, env=env, check=False)
    output = done.stdout.decode()
    assert done.returncode == 0, output + done.stderr.decode()
    counts = dict(part.split(": ") for part in output.strip().splitlines()[-1].split(", "))
    assert counts["checked"] == "4", output
    assert counts["paid"] == "2", output
    assert counts["cancelled"] == "1", output
    assert counts["open"] == "1", output
    assert counts["recovered"] == "1", output
    statuses = [(await order_row(i))["status"] for i in ids]
    assert statuses == ["paid", "cancelled", "pending_payment", "paid"]
    assert (await order_row(ids[3]))["payment_intent_id"] == orphan.id
    assert await seats_left(client, slug) == 2
    figures = await assert_ticketing_invariants()
    assert (figures["paid"], figures["held"], figures["valid_tickets"]) == (2, 1, 4)
    # Run again: everything settled stays settled.
    again = await anyio.run_process([str(PROJECT_ROOT / ".venv" / "bin" / "litestar"), "--app", "app:app",
                                     "reconcile-payments"], cwd=PROJECT_ROOT, env=env, check=False)
    assert again.returncode == 0
    assert "paid" not in again.stdout.decode().replace("checked", "")
    assert await assert_ticketing_invariants() == figures
