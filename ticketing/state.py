"""Order state changes, always inside the caller's transaction: the conditional status move, freeing a seat,
issuing tickets, queueing mails, adding a refund row and writing the order log.

A seat is freed only by the transaction that wins the conditional move (`UPDATE … WHERE status IN (sources)
RETURNING`), so it is freed exactly once however many workers race for it. Nothing here talks to Stripe:
refunds are rows, submitted after the commit (ticketing.refunds).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from piccolo.columns.combination import Combinable

from events.tables import Event
from notifications import outbox
from ticketing import rules
from ticketing.tables import Attendee, OrderLog, Refund, Ticket, TicketOrder


@dataclass(frozen=True, slots=True)
class Actor:
    """Who changed an order, for the log."""

    member_id: int | None
    label: str  # member | organiser | system | stripe


SYSTEM = Actor(None, "system")
STRIPE = Actor(None, "stripe")


async def log_change(order_id: int, actor: Actor, action: str, now: datetime, **detail: Any) -> None:
    await OrderLog.insert(OrderLog(order=order_id, actor=actor.member_id, actor_label=actor.label,
                                   action=action, detail=detail, created_at=now))


async def enqueue_mail(kind: str, order_id: int | None, attendee_id: int | None, to_email: str, dedupe_key: str,
                       now: datetime, *, waiting_entry_id: int | None = None) -> None:
    """Queue one mail of an order in the outbox (composed when it is sent, by ticketing.order_mails or the
    composer of the folder that queued it); the dedupe key makes queueing it twice a no-op."""
    await outbox.queue(kind, to_email, dedupe_key, now, order_id=order_id, attendee_id=attendee_id,
                       waiting_entry_id=waiting_entry_id)


# Which mail a cancellation sends, by its reason: one kind per situation (ticketing.notices).
CANCEL_MAIL = {"requested_by_customer": "cancelled_by_buyer", "organiser": "cancelled_by_organiser",
               "refunded_in_stripe": "cancelled_by_organiser", "event_cancelled": "cancelled_with_event"}


async def issue_tickets_and_mail(order_id: int, now: datetime, *, mail_to: Iterable[int] | None = None) -> list[str]:
    """Issue a ticket to every live place of the order that has none, and queue a confirmation to each (or to the
    places in `mail_to` only: after a companion change the buyer gets another mail, companion_changed)."""
    places = await Attendee.select().where((Attendee.order == order_id) & (Attendee.live.eq(True)))
    have = {t["attendee"] for t in await Ticket.select(Ticket.attendee).where(Ticket.order == order_id)}
    codes = []
    for place in places:
        if place["id"] in have:
            continue
        code = rules.new_ticket_code()
        await Ticket.insert(Ticket(order=order_id, attendee=place["id"], event=place["event"], code=code,
                                   status=rules.TicketStatus.VALID, issued_at=now))
        codes.append(code)
    companion = next((p for p in places if p["role"] == rules.PlaceRole.COMPANION), None)
    only = None if mail_to is None else set(mail_to)
    for place in places:
        if only is not None and place["id"] not in only:
            continue
        await enqueue_mail("ticket_confirmation", order_id, place["id"], place["email"],
                           f"confirm:{order_id}:{place['id']}:{companion['id'] if companion else 0}", now)
    return codes


async def _release(order: Mapping[str, Any], now: datetime) -> None:
    """Free the seat and the places of an order that just left a seat-holding status (called once, by `move`, in
    the transaction that won the conditional status update)."""
    await Event.update({Event.seats_taken: Event.seats_taken - 1}).where(
        (Event.id == order["event"]) & (Event.seats_taken > 0)
    )
    await Attendee.update({Attendee.live: False}).where(
        (Attendee.order == order["id"]) & (Attendee.live.eq(True))
    )
    await Ticket.update({Ticket.status: rules.TicketStatus.VOID, Ticket.voided_at: now}).where(
        (Ticket.order == order["id"]) & (Ticket.status == rules.TicketStatus.VALID)
    )


async def move(order_id: int, target: rules.OrderStatus, now: datetime, extra: dict[Any, Any] | None = None, *,
               only_from: str | Iterable[str] | None = None, when: Combinable | None = None,
               **conditions: Any) -> dict[str, Any] | None:
    """The one way an order changes status: the conditional UPDATE `… WHERE status IN (sources)`, whose sources
    are the transition table's (`rules.sources_for(target)`), narrowed to `only_from` — the status the caller
    read, so that an order that moved meanwhile is not moved on from a status the caller never saw. Returns the
    new row when this call won the move, else None (also when the table allows no such move). `when` and
    `conditions` (column=value) narrow the UPDATE further.

    A move out of a seat-holding status frees the seat, the places and their tickets here, once: only the
    transaction whose UPDATE matched does it (`rules.frees_seat`). A move into one (a late payment revived) takes
    its seat before, under the conditions only the caller knows (ticketing.payments.settle_success)."""
    allowed = {only_from} if isinstance(only_from, str) else None if only_from is None else set(only_from)
    sources = [s for s in rules.sources_for(target) if allowed is None or s in allowed]
    if not sources:
        return None
    frees = {rules.frees_seat(s, target) for s in sources}
    if len(frees) > 1:  # which source matched decides the seat: the caller must say which status it read
        raise ValueError(f"moving to {target} from {sources}: some free a seat, some do not; pass only_from")
    where = (TicketOrder.id == order_id) & TicketOrder.status.is_in(sources)
    for name, value in conditions.items():
        where = where & (getattr(TicketOrder, name) == value)
    if when is not None:
        where = where & when
    values: dict[Any, Any] = {TicketOrder.status: target, TicketOrder.updated_at: now}
    if extra:
        values.update(extra)
    rows = await TicketOrder.update(values).where(where).returning(*TicketOrder.all_columns())
    if not rows:
        return None
    if frees.pop():
        await _release(rows[0], now)
    return rows[0]


async def add_refund(order: Mapping[str, Any], intent_id: str, amount: int, reason: str,
                     now: datetime) -> int | None:
    """A pending refund row for this payment (once per PaymentIntent: None when it exists already)."""
    rows = await Refund.insert(Refund(
        order=order["id"], payment_intent_id=intent_id, amount_cents=amount, reason=reason,
        status=rules.RefundStatus.PENDING, created_at=now, updated_at=now,
    )).on_conflict(target=Refund.payment_intent_id, action="DO NOTHING").returning(Refund.id)
    return rows[0]["id"] if rows else None


async def cancel_in_transaction(order: Mapping[str, Any], actor: Actor, reason: str,
                                now: datetime) -> tuple[dict[str, Any] | None, int | None]:
    """Cancel a live order: a paid one goes to refund_pending with a refund row, a held one to cancelled.
    Returns (new row or None when nothing changed, refund id to submit)."""
    status = order["status"]
    refund_id = None
    paid_for = status == rules.PAID and order["amount_cents"] > 0 and bool(order["payment_intent_id"])
    if paid_for:
        target = rules.REFUND_PENDING
    elif status in rules.SEAT_HOLDING:
        target = rules.CANCELLED
    else:
        return None, None
    # Both moves leave a seat-holding status: `move` frees the seat and the places.
    moved = await move(order["id"], target, now, {TicketOrder.cancelled_at: now}, only_from=status)
    if moved is None:
        return None, None
    if paid_for:
        refund_id = await add_refund(moved, order["payment_intent_id"], order["amount_cents"], reason, now)
    await log_change(order["id"], actor, "cancelled", now, reason=reason, previous=status,
                     refund="pending" if refund_id else None)
    for place in await Attendee.select().where(Attendee.order == order["id"]):
        if place["voided_at"] is None:
            await enqueue_mail(CANCEL_MAIL.get(reason, "order_cancelled"), order["id"], place["id"], place["email"],
                               f"cancel:{order['id']}:{place['id']}", now)
    return moved, refund_id
