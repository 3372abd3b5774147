"""Paying: THE PaymentIntent of an order (one per order, enforced here), and settling what Stripe says about it —
by webhook, or by asking Stripe when a webhook never came (reconcile_payments).

A payment is never lost: a succeeded payment for an order that still holds its seat marks it paid; for one
that lost its seat it is confirmed when a seat is still free and refunded otherwise (rules.settle_late_payment).
Every Stripe event is applied at most once: its id is stored in the transaction that applies it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import anyio

from core.db import as_utc, utcnow, write_transaction
from core.errors import Forbidden
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from events.rules import EventStatus
from events.tables import Event
from ticketing import access, hooks, refunds, rules, state, stripe_gateway, waitlist
from ticketing.errors import OrderAlreadyPaid, PaymentInProgress, PaymentUnavailable, ReservationExpired
from ticketing.results import PaymentOut
from ticketing.state import STRIPE, SYSTEM, Actor
from ticketing.stripe_gateway import Intent, PaymentProviderError
from ticketing.tables import Attendee, StripeEvent, TicketOrder

log = logging.getLogger("nieuw_geluid.ticketing")

PAYMENT_CLAIM_TIMEOUT = timedelta(seconds=30)
# How far before an abandoned claim to look for the intent its worker may have created (clock skew).
INTENT_LOOKUP_MARGIN = timedelta(minutes=1)
RECONCILE_EVERY = timedelta(minutes=1)
RECONCILE_LOOKBACK = timedelta(days=2)


async def start_payment(actor: Principal, order_id: int, now: datetime | None = None,
                        wait_seconds: float = 5.0) -> PaymentOut:
    """Create THE PaymentIntent of this order, or return it again: one intent per order, enforced here."""
    now = now or utcnow()
    row, is_buyer = await access.visible_order(actor, order_id)
    if not is_buyer:
        raise Forbidden(_l("Alleen de koper kan deze bestelling betalen."))
    payments = stripe_gateway.current()

    def check_payable(order: Mapping[str, Any]) -> None:
        if order["status"] == rules.PAID:
            raise OrderAlreadyPaid(_l("Deze bestelling is al betaald."))
        if order["status"] != rules.PENDING or rules.is_hold_expired(as_utc(order["expires_at"]), now):
            raise ReservationExpired(_l("Je reservering is verlopen of geannuleerd: bestel opnieuw."))

    check_payable(row)
    intent_id = row["payment_intent_id"]
    if intent_id is None:
        claimed = await TicketOrder.update({TicketOrder.payment_claimed_at: now}).where(
            (TicketOrder.id == order_id) & (TicketOrder.status == rules.PENDING)
            & TicketOrder.payment_intent_id.is_null()
            & (TicketOrder.payment_claimed_at.is_null()
               | (TicketOrder.payment_claimed_at < now - PAYMENT_CLAIM_TIMEOUT))
        ).returning(TicketOrder.id)
        if claimed:
            earlier_attempt = as_utc(row["payment_claimed_at"])
            try:
                intent = None
                if earlier_attempt is not None:
                    # An earlier attempt died (or timed out) after asking Stripe: adopt the intent it may have
                    # created rather than make a second one.
                    intent = await payments.find_order_intent(order_id, earlier_attempt - INTENT_LOOKUP_MARGIN)
                if intent is None:
                    intent = await payments.create_intent(order_id, row["amount_cents"],
                                                          f"ng-order-{order_id}-intent")
            except PaymentProviderError as exc:
                # The call may have reached Stripe all the same (a timeout after it created the intent), so the
                # claim is not wiped but left expired: the next attempt may start at once, and looks first.
                await TicketOrder.update(
                    {TicketOrder.payment_claimed_at: now - PAYMENT_CLAIM_TIMEOUT - timedelta(seconds=1)}
                ).where((TicketOrder.id == order_id) & TicketOrder.payment_intent_id.is_null())
                raise PaymentUnavailable(_l("De betaaldienst is nu niet bereikbaar. Probeer het zo opnieuw.")) from exc
            stored = await TicketOrder.update(
                {TicketOrder.payment_intent_id: intent.id, TicketOrder.updated_at: utcnow()}
            ).where((TicketOrder.id == order_id) & TicketOrder.payment_intent_id.is_null()).returning(TicketOrder.id)
            if stored:
                await state.log_change(order_id, Actor(actor.id, "member"), "payment_started", now,
                                       payment_intent=intent.id)
                return _payment_view(row, intent, payments.publishable_key)
            # Someone else stored one after our claim timed out: theirs is THE intent; ours must never be paid.
            await payments.cancel_intent(intent.id)
        with anyio.move_on_after(wait_seconds):
            while intent_id is None:
                await anyio.sleep(0.1)
                fresh = await TicketOrder.select().where(TicketOrder.id == order_id).first()
                assert fresh is not None
                check_payable(fresh)
                intent_id = fresh["payment_intent_id"]
        if intent_id is None:
            raise PaymentInProgress(_l("De betaling wordt al klaargezet; probeer het zo opnieuw."))
    try:
        intent = await payments.retrieve_intent(intent_id)
    except PaymentProviderError as exc:
        raise PaymentUnavailable(_l("De betaaldienst is nu niet bereikbaar. Probeer het zo opnieuw.")) from exc
    return _payment_view(row, intent, payments.publishable_key)


async def payment_started(order_id: int) -> bool:
    """Whether the order has its PaymentIntent (the buyer went to pay): "my tickets" then waits for the payment."""
    row = await TicketOrder.select(TicketOrder.payment_intent_id).where(TicketOrder.id == order_id).first()
    return bool(row and row["payment_intent_id"])


def _payment_view(order: Mapping[str, Any], intent: Intent, publishable_key: str) -> PaymentOut:
    return PaymentOut(order_id=order["id"], payment_intent_id=intent.id, client_secret=intent.client_secret,
                      publishable_key=publishable_key, amount_cents=order["amount_cents"], currency="EUR",
                      status=intent.status, expires_at=as_utc(order["expires_at"]))


async def settle_success(order: Mapping[str, Any], intent: Intent, actor: Actor, now: datetime,
                         attempt: int = 0) -> tuple[str, int | None]:
    """A succeeded payment for `order` (in a transaction). Returns (outcome, refund id to submit).

    `order` was read before the conditional moves below; on PostgreSQL another transaction (the expiry job,
    a cancellation) may have moved it since. Losing a move then means "settle against the status it has
    now", never "unchanged": that would record the Stripe event as handled and lose the payment."""

    async def again() -> tuple[str, int | None]:
        fresh = await TicketOrder.select().where(TicketOrder.id == order["id"]).first()
        if fresh is None or attempt >= 3:
            log.error("Payment %s for order %s could not be settled", intent.id, order["id"])
            raise RuntimeError(f"order {order['id']} kept changing while settling {intent.id}")
        return await settle_success(fresh, intent, actor, now, attempt + 1)

    if order["payment_intent_id"] not in (None, intent.id):
        # A second intent for the same order was paid (cannot happen through our API): give it back.
        refund_id = await state.add_refund(order, intent.id, intent.amount, "duplicate_payment", now)
        await state.log_change(order["id"], actor, "duplicate_payment_refunded", now, payment_intent=intent.id)
        return "duplicate_payment_refunded", refund_id
    paid_values = {TicketOrder.paid_at: now, TicketOrder.payment_intent_id: intent.id}
    if order["status"] == rules.PENDING:
        moved = await state.move(order["id"], rules.PAID, now, paid_values, only_from=rules.PENDING)
        if moved:
            await state.issue_tickets_and_mail(order["id"], now)
            await state.log_change(order["id"], actor, "paid", now, payment_intent=intent.id,
                                   amount_cents=intent.amount)
            await hooks.order_paid(order["id"], now)  # the invoice, in this transaction
            return "paid", None
        return await again()
    if order["status"] in rules.REVIVABLE:
        places = await Attendee.select(Attendee.email).where(
            (Attendee.order == order["id"]) & Attendee.voided_at.is_null()
        )
        clash = await Attendee.select(Attendee.id).where(
            (Attendee.event == order["event"]) & (Attendee.live.eq(True))
            & Attendee.email.is_in([p["email"] for p in places]) & (Attendee.order != order["id"])
        ).first()
        seat = False
        if clash is None:
            seat = bool(await Event.update({Event.seats_taken: Event.seats_taken + 1}).where(
                (Event.id == order["event"]) & (Event.seats_taken < Event.capacity_duos)
                & (Event.status == EventStatus.PUBLISHED)
            ).returning(Event.id))
        decision = rules.settle_late_payment(order["status"], seat_free=seat, places_free=clash is None)
        if decision.action == "confirm":
            moved = await state.move(order["id"], rules.PAID, now, paid_values, only_from=order["status"])
            if moved:
                await Attendee.update({Attendee.live: True}).where(
                    (Attendee.order == order["id"]) & Attendee.voided_at.is_null()
                )
                await state.issue_tickets_and_mail(order["id"], now)
                await state.log_change(order["id"], actor, "late_payment_confirmed", now, payment_intent=intent.id,
                                       previous=order["status"])
                await hooks.order_paid(order["id"], now)
                return "late_payment_confirmed", None
            await Event.update({Event.seats_taken: Event.seats_taken - 1}).where(Event.id == order["event"])
            return await again()
    if order["status"] in (rules.PAID, rules.REFUND_PENDING, rules.REFUNDED) and order["payment_intent_id"]:
        return "already_settled", None
    # Expired/failed without a seat, or cancelled: keep nothing we may not keep. Refund it.
    moved = await state.move(order["id"], rules.REFUND_PENDING, now, {TicketOrder.payment_intent_id: intent.id},
                             only_from=order["status"])
    if moved is None:
        return await again()
    refund_id = await state.add_refund(order, intent.id, intent.amount, "late_payment", now)
    await state.log_change(order["id"], actor, "late_payment_refunded", now, payment_intent=intent.id,
                           previous=order["status"])
    return "late_payment_refunded", refund_id


async def _order_for_intent(intent: Intent) -> dict[str, Any] | None:
    if intent.order_id is not None:
        row = await TicketOrder.select().where(TicketOrder.id == intent.order_id).first()
        if row is not None:
            return row
    return await TicketOrder.select().where(TicketOrder.payment_intent_id == intent.id).first()


async def settle_failure(order: Mapping[str, Any], intent: Intent, target: rules.OrderStatus, actor: Actor,
                         now: datetime) -> str:
    """A failed or cancelled payment of a held order: the hold ends (its seat freed by the move) when the intent
    is its own."""
    moved = await state.move(order["id"], target, now, only_from=rules.PENDING, payment_intent_id=intent.id)
    if moved is None:
        return "unchanged"
    await state.log_change(order["id"], actor, target, now, payment_intent=intent.id)
    return target


async def handle_stripe_event(event: Mapping[str, Any], now: datetime | None = None) -> str:
    """Apply one verified Stripe event, at most once (its id is stored in the same transaction)."""
    now = now or utcnow()
    event_id, event_type = str(event["id"]), str(event["type"])
    obj = event["data"]["object"]
    refund_ids: list[int] = []
    async with write_transaction():
        recorded = await StripeEvent.insert(StripeEvent(
            stripe_id=event_id, type=event_type, received_at=now, outcome="processing",
        )).on_conflict(target=StripeEvent.stripe_id, action="DO NOTHING").returning(StripeEvent.id)
        if not recorded:
            return "duplicate"
        outcome, order_id = await _apply_stripe_event(event_type, obj, now, refund_ids)
        await StripeEvent.update({StripeEvent.outcome: outcome[:40], StripeEvent.order_id: order_id}).where(
            StripeEvent.id == recorded[0]["id"]
        )
    for refund_id in refund_ids:
        await refunds.submit_refund(refund_id)
    if outcome in (rules.PAYMENT_FAILED, rules.CANCELLED) and order_id is not None:  # a hold ended: its seat
        order = await TicketOrder.select(TicketOrder.event).where(TicketOrder.id == order_id).first()
        if order is not None:
            await waitlist.seat_freed(order["event"])
    return outcome


async def _apply_stripe_event(event_type: str, obj: Mapping[str, Any], now: datetime,
                              refund_ids: list[int]) -> tuple[str, int | None]:
    if event_type.startswith("payment_intent."):
        intent = stripe_gateway.intent_from(obj)
        order = await _order_for_intent(intent)
        if order is None:
            return "unknown_order", None
        if event_type == "payment_intent.succeeded":
            outcome, refund_id = await settle_success(order, intent, STRIPE, now)
            if refund_id:
                refund_ids.append(refund_id)
            return outcome, order["id"]
        if event_type == "payment_intent.payment_failed":
            return await settle_failure(order, intent, rules.PAYMENT_FAILED, STRIPE, now), order["id"]
        if event_type == "payment_intent.canceled":
            return await settle_failure(order, intent, rules.CANCELLED, STRIPE, now), order["id"]
        return "ignored", order["id"]
    if event_type in ("charge.refunded", "refund.created", "refund.updated", "charge.refund.updated"):
        is_refund = obj.get("object") == "refund"
        intent_id = obj.get("payment_intent")
        if isinstance(intent_id, Mapping):
            intent_id = intent_id.get("id")
        if is_refund:
            status = obj.get("status") or ""
        else:
            status = "succeeded" if obj.get("refunded") else ""
        refund_stripe_id = obj.get("id") if is_refund else None
        return await refunds.settle_refund(intent_id, refund_stripe_id, status, now)
    return "ignored", None


async def reconcile_payments(now: datetime | None = None, *, min_age: timedelta = timedelta(minutes=2),
                             every: timedelta = RECONCILE_EVERY, limit: int = 100) -> dict[str, int]:
    """Ask Stripe about orders whose webhook may never have arrived, and settle them the same way."""
    now = now or utcnow()
    payments = stripe_gateway.current()
    window = ((TicketOrder.created_at >= now - RECONCILE_LOOKBACK) & (TicketOrder.created_at <= now - min_age)
              & (TicketOrder.reconciled_at.is_null() | (TicketOrder.reconciled_at <= now - every)))
    with_intent = await TicketOrder.select(TicketOrder.id).where(
        TicketOrder.payment_intent_id.is_not_null()
        & TicketOrder.status.is_in([rules.PENDING, *rules.REVIVABLE, rules.CANCELLED]) & window
    ).limit(limit)
    # A worker died between asking Stripe for the intent and storing its id: the claim is stale, no id known.
    # Only while the hold lasts: nobody ever received that intent's secret, so after expiry it cannot be paid.
    abandoned = await TicketOrder.select(TicketOrder.id).where(
        TicketOrder.payment_intent_id.is_null() & TicketOrder.payment_claimed_at.is_not_null()
        & (TicketOrder.payment_claimed_at < now - PAYMENT_CLAIM_TIMEOUT)
        & (TicketOrder.status == rules.PENDING) & window
    ).limit(limit)
    counts: dict[str, int] = {"checked": 0}
    for candidate in [*with_intent, *abandoned]:
        claimed = await TicketOrder.update({TicketOrder.reconciled_at: now}).where(
            (TicketOrder.id == candidate["id"])
            & (TicketOrder.reconciled_at.is_null() | (TicketOrder.reconciled_at <= now - every))
        ).returning(*TicketOrder.all_columns())
        if not claimed:
            continue
        order = claimed[0]
        counts["checked"] += 1
        try:
            if order["payment_intent_id"]:
                intent = await payments.retrieve_intent(order["payment_intent_id"])
            else:
                found = await payments.find_order_intent(
                    order["id"], as_utc(order["payment_claimed_at"]) - INTENT_LOOKUP_MARGIN)
                if found is None:
                    counts["no_intent"] = counts.get("no_intent", 0) + 1
                    continue
                intent = found
                adopted = await TicketOrder.update({TicketOrder.payment_intent_id: intent.id}).where(
                    (TicketOrder.id == order["id"]) & TicketOrder.payment_intent_id.is_null()
                ).returning(TicketOrder.id)
                if adopted:
                    await state.log_change(order["id"], SYSTEM, "payment_intent_recovered", now,
                                           payment_intent=intent.id)
                    counts["recovered"] = counts.get("recovered", 0) + 1
        except PaymentProviderError as exc:
            log.warning("Reconcile: cannot fetch the intent of order %s: %s", order["id"], exc)
            continue
        refund_id = None
        async with write_transaction():
            fresh = await TicketOrder.select().where(TicketOrder.id == order["id"]).first()
            assert fresh is not None
            if intent.status == "succeeded":
                outcome, refund_id = await settle_success(fresh, intent, SYSTEM, now)
            elif intent.status == "canceled":
                outcome = await settle_failure(fresh, intent, rules.CANCELLED, SYSTEM, now)
            else:
                outcome = "open"
        counts[outcome] = counts.get(outcome, 0) + 1
        if refund_id:
            await refunds.submit_refund(refund_id)
    counts["refunds"] = await refunds.process_refunds(now)
    return counts
