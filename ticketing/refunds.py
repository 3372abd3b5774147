"""Refunds: submitting a refund row to Stripe, and applying what Stripe says about refunds.

A refund is a row first (ticketing.state.add_refund, once per PaymentIntent, in the transaction that cancels
the order), submitted after the commit and retried by a job: a Stripe call never happens inside a
transaction, and no payment is refunded twice (the row is claimed; a retry first looks for the refund an
earlier, timed-out attempt may have made).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from core.db import utcnow, write_transaction
from ticketing import hooks, rules, state, stripe_gateway
from ticketing.rules import RefundStatus
from ticketing.state import STRIPE, SYSTEM
from ticketing.stripe_gateway import PaymentProviderError, StripeGateway
from ticketing.tables import Attendee, Refund, TicketOrder

log = logging.getLogger("nieuw_geluid.ticketing")

REFUND_CLAIM_TIMEOUT = timedelta(minutes=2)


def gateway_or_none() -> StripeGateway | None:
    """The installed Stripe gateway, or None outside the app's lifespan (a refund row then waits for the job)."""
    try:
        return stripe_gateway.current()
    except RuntimeError:
        return None


async def settle_refund(intent_id: str | None, refund_stripe_id: str | None, status: str,
                        now: datetime) -> tuple[str, int | None]:
    """What a Stripe refund event says (in the webhook's transaction): (outcome, order id)."""
    refund = None
    if refund_stripe_id:
        refund = await Refund.select().where(Refund.stripe_refund_id == refund_stripe_id).first()
    if refund is None and intent_id:
        refund = await Refund.select().where(Refund.payment_intent_id == intent_id).first()
    if refund is None:
        order = await TicketOrder.select().where(TicketOrder.payment_intent_id == intent_id).first() \
            if intent_id else None
        if order is None or status != "succeeded":
            return "unknown_refund", order["id"] if order else None
        # Refunded outside the app (Stripe dashboard): the duo is cancelled, its seat freed once.
        _, _ = await state.cancel_in_transaction(order, STRIPE, "refunded_in_stripe", now)
        fresh = await TicketOrder.select().where(TicketOrder.id == order["id"]).first()
        assert fresh is not None
        refund_id = await state.add_refund(fresh, intent_id or "", fresh["amount_cents"], "refunded_in_stripe", now)
        if refund_id:
            await Refund.update({Refund.stripe_refund_id: refund_stripe_id}).where(Refund.id == refund_id)
        refund = await Refund.select().where(Refund.payment_intent_id == intent_id).first()
        assert refund is not None
    if status == "succeeded":
        return await refund_succeeded(refund, refund_stripe_id, now), refund["order"]
    if status in ("failed", "canceled"):
        await Refund.update({Refund.status: RefundStatus.FAILED, Refund.updated_at: now}).where(
            (Refund.id == refund["id"]) & (Refund.status != RefundStatus.SUCCEEDED)
        )
        await state.log_change(refund["order"], STRIPE, "refund_failed", now, refund=refund_stripe_id)
        return "refund_failed", refund["order"]
    return "refund_pending", refund["order"]


async def refund_succeeded(refund: Mapping[str, Any], refund_stripe_id: str | None, now: datetime) -> str:
    values: dict[Any, Any] = {Refund.status: RefundStatus.SUCCEEDED, Refund.updated_at: now}
    if refund_stripe_id and not refund["stripe_refund_id"]:
        values[Refund.stripe_refund_id] = refund_stripe_id
    changed = await Refund.update(values).where(
        (Refund.id == refund["id"]) & (Refund.status != RefundStatus.SUCCEEDED)
    ).returning(Refund.id)
    moved = await state.move(refund["order"], rules.REFUNDED, now, {TicketOrder.refunded_at: now})
    if moved:
        await state.log_change(refund["order"], STRIPE, "refunded", now, amount_cents=refund["amount_cents"],
                               refund=refund_stripe_id or refund["stripe_refund_id"])
        await hooks.order_refunded(refund["order"], now)  # the credit note, in this transaction
    if changed:  # the buyer hears that the money is on its way back, with the amount (once per refund)
        buyer = await Attendee.select(Attendee.id, Attendee.email).where(
            (Attendee.order == refund["order"]) & (Attendee.role == rules.PlaceRole.BUYER)).first()
        if buyer is not None:
            await state.enqueue_mail("refund_completed", refund["order"], buyer["id"], buyer["email"],
                                     f"refunded:{refund['id']}", now)
    return "refunded" if changed or moved else "unchanged"


async def submit_refund(refund_id: int, now: datetime | None = None) -> str:
    """Send a pending refund to Stripe (claimed, so two workers never submit the same one at once)."""
    now = now or utcnow()
    claimed = await Refund.update({
        Refund.claimed_until: now + REFUND_CLAIM_TIMEOUT, Refund.attempts: Refund.attempts + 1,
        Refund.updated_at: now,
    }).where(
        (Refund.id == refund_id) & (Refund.status == RefundStatus.PENDING)
        & (Refund.claimed_until.is_null() | (Refund.claimed_until < now))
    ).returning(*Refund.all_columns())
    if not claimed:
        return "not_claimed"
    refund = claimed[0]
    payments = gateway_or_none()
    if payments is None:
        return "no_payments"
    try:
        result = None
        if refund["attempts"] > 1:
            # An earlier attempt may have reached Stripe before it timed out: never refund twice.
            result = await payments.find_refund(refund["payment_intent_id"], refund_id)
        if result is None:
            result = await payments.refund(refund["payment_intent_id"], refund["amount_cents"],
                                           f"ng-refund-{refund_id}",
                                           {"order_id": str(refund["order"]), "refund_id": str(refund_id)})
    except PaymentProviderError as exc:
        backoff = timedelta(seconds=min(3600, 30 * 2 ** min(refund["attempts"], 7)))
        await Refund.update({Refund.last_error: str(exc)[:2000], Refund.claimed_until: now + backoff}).where(
            Refund.id == refund_id
        )
        log.warning("Refund %s failed (will retry): %s", refund_id, exc)
        return "retry"
    async with write_transaction():
        await Refund.update({Refund.stripe_refund_id: result.id, Refund.status: RefundStatus.SUBMITTED,
                             Refund.updated_at: utcnow()}).where(
            (Refund.id == refund_id) & (Refund.status == RefundStatus.PENDING)
        )
        await state.log_change(refund["order"], SYSTEM, "refund_submitted", utcnow(), refund=result.id,
                               amount_cents=refund["amount_cents"])
        if result.status == "succeeded":
            fresh = await Refund.select().where(Refund.id == refund_id).first()
            assert fresh is not None
            await refund_succeeded(fresh, result.id, utcnow())
    return result.status


async def process_refunds(now: datetime | None = None, limit: int = 50) -> int:
    """Submit the pending refunds whose claim is free (the reconcile job runs this): how many went out."""
    now = now or utcnow()
    due = await Refund.select(Refund.id).where(
        (Refund.status == RefundStatus.PENDING) & (Refund.claimed_until.is_null() | (Refund.claimed_until < now))
    ).limit(limit)
    done = 0
    for row in due:
        if await submit_refund(row["id"], now) not in ("not_claimed", "retry", "no_payments"):
            done += 1
    return done
