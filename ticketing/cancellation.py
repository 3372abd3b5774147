"""Cancelling: the buyer cancels a duo, the organiser cancels one duo, or the whole event is cancelled.

A held duo is cancelled (its seat freed, its intent cancelled so it can no longer be paid); a paid duo goes to
`refund_pending` with a refund row, submitted to Stripe after the commit. Cancelling again changes nothing
and refunds nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from core.db import utcnow, write_transaction
from core.errors import Forbidden
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from ticketing import access, refunds, rules, state, waitlist
from ticketing.errors import OrderNotFound, RefundDeadlinePassed
from ticketing.results import OrderOut
from ticketing.state import SYSTEM, Actor
from ticketing.tables import TicketOrder
from ticketing.views import order_view

log = logging.getLogger("nieuw_geluid.ticketing")


async def _after_cancel(order: Mapping[str, Any], refund_id: int | None) -> None:
    if refund_id:
        await refunds.submit_refund(refund_id)
    elif order["status"] == rules.PENDING and order["payment_intent_id"]:
        payments = refunds.gateway_or_none()
        if payments is not None:
            # So the buyer cannot pay any more; a payment that still slips through is refunded.
            await payments.cancel_intent(order["payment_intent_id"])


async def _cancel_latest(order_id: int, actor: Actor, reason: str, now: datetime,
                         refund_by: datetime | None = None) -> tuple[dict[str, Any] | None, int | None]:
    """Cancel the order in the status it has now. A move lost to a concurrent one (the webhook marking a hold
    paid, the expiry job) is tried again against the fresh row, so a cancellation is never silently dropped
    (the load test caught a buyer cancelling a hold as its payment came in: 200, still paid).
    Returns (the row as it was before, refund id to submit); (None, None) when it held no seat (any more)."""
    for _ in range(3):
        row = await TicketOrder.select().where(TicketOrder.id == order_id).first()
        if row is None or row["status"] not in rules.SEAT_HOLDING:
            return None, None  # already cancelled, expired or refunded: cancelling again changes nothing
        if refund_by is not None and row["status"] == rules.PAID and not rules.can_refund(now, refund_by):
            raise RefundDeadlinePassed(_l("Annuleren met terugbetaling kan niet meer: de termijn is voorbij."))
        async with write_transaction():
            moved, refund_id = await state.cancel_in_transaction(row, actor, reason, now)
        if moved is not None:
            return row, refund_id
    log.error("Order %s kept changing while being cancelled", order_id)
    return None, None


async def cancel_order(actor: Principal, order_id: int, now: datetime | None = None) -> OrderOut:
    """The buyer cancels: a hold any time, a paid duo before the refund deadline (refunded via Stripe)."""
    now = now or utcnow()
    row, is_buyer = await access.visible_order(actor, order_id)
    if not is_buyer:
        raise Forbidden(_l("Alleen de koper kan via deze weg annuleren."))
    if row["status"] not in rules.SEAT_HOLDING:
        return await order_view(order_id)  # already cancelled: cancelling again changes nothing
    _, refund_by = access.deadlines(await access.event_by_id(row["event"]))
    before, refund_id = await _cancel_latest(order_id, Actor(actor.id, "member"), "requested_by_customer", now,
                                             refund_by)
    if before is not None:
        await _after_cancel(before, refund_id)
        await waitlist.seat_freed(before["event"])
    return await order_view(order_id)


async def organiser_cancel_order(actor: Principal, slug: str, order_id: int, reason: str = "",
                                 now: datetime | None = None) -> OrderOut:
    """The organiser cancels one duo of their event, at any time: refunded in full when paid."""
    now = now or utcnow()
    event = await access.event_by_slug(slug, actor)
    if not access.manages(actor, event):
        raise Forbidden(_l("Alleen de organisator van dit evenement kan bestellingen annuleren."))
    row = await TicketOrder.select().where((TicketOrder.id == order_id) & (TicketOrder.event == event["id"])).first()
    if row is None:
        raise OrderNotFound(_l("Deze bestelling bestaat niet."))
    before, refund_id = await _cancel_latest(order_id, Actor(actor.id, "organiser"), "organiser", now)
    if reason:
        await state.log_change(order_id, Actor(actor.id, "organiser"), "note", now, reason=reason)
    if before is not None:
        await _after_cancel(before, refund_id)
        await waitlist.seat_freed(before["event"])
    return await order_view(order_id, organiser=True)


async def cancel_event_orders(actor: Principal | None, event_id: int, now: datetime | None = None) -> int:
    """The event is cancelled: cancel every live duo and refund the paid ones. Idempotent."""
    now = now or utcnow()
    who = Actor(actor.id, "organiser") if actor else SYSTEM
    rows = await TicketOrder.select().where(
        (TicketOrder.event == event_id) & TicketOrder.status.is_in(list(rules.SEAT_HOLDING))
    )
    count = 0
    for row in rows:
        async with write_transaction():
            moved, refund_id = await state.cancel_in_transaction(row, who, "event_cancelled", now)
        if moved:
            count += 1
            await _after_cancel(row, refund_id)
    return count


async def event_cancelled(actor: Principal, event_id: int) -> None:
    """The event was cancelled (events.service.cancel_event, which create_app tells to call this): cancel every duo
    of it, refunding the paid ones, and close its waiting list. Idempotent: nothing is refunded twice."""
    await cancel_event_orders(actor, event_id)
    await waitlist.close_list(event_id)  # everyone waiting is told
