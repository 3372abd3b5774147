"""Ordering a duo, and reading orders: `reserve_duo` holds one seat for a buyer and a companion (`pending_payment`
until paid, or `paid` at once for a free event); `get_order` and `list_my_orders` show them.

Capacity lives in the database: a seat is taken by ONE conditional UPDATE of `Event.seats_taken`
(`… WHERE seats_taken < capacity_duos`) in the transaction that inserts the order, and freed only by a
conditional status transition of the order (ticketing.state). A person's single live place per event is a
partial unique index.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from core import ratelimit
from core.db import as_utc, unique_violation_raises, utcnow, write_transaction
from core.errors import NotFound
from events import rules as event_rules
from events.tables import Event
from members.service import Principal
from members.tables import Member
from pairing.rules import normalise_email
from ticketing import access, rules, state
from ticketing.companions import CompanionIn, Judgement, attendee_row, check_no_live_place, judge_companion
from ticketing.errors import DuplicateAttendee, EventCancelled, SalesClosed, SalesNotStarted, SoldOut
from ticketing.state import SYSTEM, Actor
from ticketing.tables import Attendee, TicketOrder, WaitingEntry
from ticketing.views import order_view, order_views


def check_sales_open(event: Mapping[str, Any], now: datetime) -> None:
    starts_at = as_utc(event["starts_at"])
    assert starts_at is not None
    sales = event_rules.sales_state(status=event["status"], now=now, starts_at=starts_at,
                                    sales_start=as_utc(event["sales_start"]), sales_end=as_utc(event["sales_end"]))
    if sales == "open":
        return
    if sales == "cancelled":
        raise EventCancelled("Dit evenement is geannuleerd.")
    if sales == "not_started":
        raise SalesNotStarted("De kaartverkoop is nog niet begonnen.")
    if sales == "not_published":
        raise NotFound("Dit evenement bestaat niet.")
    raise SalesClosed("De kaartverkoop voor dit evenement is gesloten.")


async def reserve_duo(actor: Principal, slug: str, companion: CompanionIn, *, hold_minutes: float,
                      now: datetime | None = None) -> dict[str, Any]:
    """Take one seat for the buyer and the companion: `pending_payment` until paid, or `paid` when free."""
    now = now or utcnow()
    event = await access.event_by_slug(slug, actor)
    check_sales_open(event, now)
    if event["seats_taken"] >= event["capacity_duos"]:
        # Full when read: answering now equals having arrived a moment earlier, and spares a rush of
        # late buyers the write transaction. A free seat is still only ever taken by the UPDATE below.
        raise SoldOut("Uitverkocht: er zijn geen duoplekken meer.")
    # Counted only for attempts that can take a seat: a sold-out answer is a cheap read, while the
    # counter is a committed write that would otherwise double the cost of every request in a rush.
    await ratelimit.enforce(ratelimit.ORDER_PER_CLIENT, f"member:{actor.id}")
    buyer = await Member.select().where(Member.id == actor.id).first()
    if buyer is None:
        raise NotFound("Dit account bestaat niet (meer).")
    judged = await judge_companion(event, buyer["email"], companion)
    buyer_email, companion_email = normalise_email(buyer["email"]), normalise_email(companion.email)
    # A friendly early answer; the partial unique index is what really decides.
    await check_no_live_place(event["id"], [buyer_email, companion_email])
    with unique_violation_raises(DuplicateAttendee("Een van jullie heeft al een plek voor dit evenement.",
                                                   field="companion.email")):
        async with write_transaction():
            order_id = await insert_duo(event, buyer, companion, judged, now, Actor(actor.id, "member"),
                                        expires_at=rules.hold_expires_at(now, hold_minutes))
            # The seat is taken last: on PostgreSQL the UPDATE locks the event row until COMMIT, so
            # taking it after the inserts keeps every other buyer's wait as short as possible.
            # Without a seat the whole transaction (order, places, log) rolls back.
            taken = await Event.update({Event.seats_taken: Event.seats_taken + 1}).where(
                (Event.id == event["id"]) & (Event.seats_taken < Event.capacity_duos)
                & (Event.status == "published")
            ).returning(Event.id)
            if not taken:
                raise SoldOut("Uitverkocht: er zijn geen duoplekken meer.")
            # A freed seat belongs to the duos on the waiting list (ticketing.waitlist offers it to the first),
            # never to whoever orders in the moment between. Read under the event's row lock (taken just above),
            # so it cannot miss a duo that joined: joining takes the same lock.
            if await someone_waiting(event["id"]):
                raise SoldOut("Uitverkocht: de vrijgekomen plekken gaan naar de wachtlijst.")
    return await order_view(order_id)


async def insert_duo(event: Mapping[str, Any], buyer: Mapping[str, Any], companion: CompanionIn,
                     judged: Judgement, now: datetime, actor: Actor, *, expires_at: datetime | None,
                     **log: Any) -> int:
    """The order and its two live places, inside the caller's transaction (which takes the seat): held until
    `expires_at`, or paid at once with tickets for a free event. `buyer` is the member's row. Ordering
    (reserve_duo) and an offer from the waiting list (ticketing.waitlist) make a duo the same way."""
    free = event["price_cents"] == 0
    buyer_email, companion_email = normalise_email(buyer["email"]), normalise_email(companion.email)
    order_id: int = (await TicketOrder.insert(TicketOrder(
        event=event["id"], buyer=buyer["id"], status=rules.PAID if free else rules.PENDING,
        amount_cents=event["price_cents"], currency="eur", expires_at=None if free else expires_at,
        paid_at=now if free else None, created_at=now, updated_at=now,
    )).returning(TicketOrder.id))[0]["id"]
    await Attendee.insert(
        attendee_row(order_id, event["id"], "buyer", buyer["name"], buyer_email, now,
                     birth_date=buyer["birth_date"], industry=buyer["industry"],
                     organisation=buyer["organisation"]),
        attendee_row(order_id, event["id"], "companion", companion.name, companion_email, now,
                     birth_date=companion.birth_date, industry=companion.industry,
                     organisation=companion.organisation,
                     experience_level=companion.experience_level, judged=judged),
    )
    await state.log_change(order_id, actor, "reserved", now, seat="held" if not free else "paid",
                           companion=companion_email, eligibility=judged.basis, **log)
    if free:
        await state.issue_tickets_and_mail(order_id, now)
        await state.log_change(order_id, SYSTEM, "paid", now, amount_cents=0, reason="free event")
    return order_id


async def someone_waiting(event_id: int) -> bool:
    """Whether a duo waits on the event's waiting list (for the seat-taking transactions)."""
    return await WaitingEntry.exists().where(
        (WaitingEntry.event == event_id) & (WaitingEntry.status == rules.WaitingStatus.WAITING))


async def get_order(actor: Principal, order_id: int) -> dict[str, Any]:
    """One order, for its buyer and the event's organiser."""
    row, is_buyer = await access.visible_order(actor, order_id)
    return (await order_views([row], organiser=not is_buyer))[0]


async def list_my_orders(actor: Principal) -> list[dict[str, Any]]:
    """The member's own orders as buyer, newest first."""
    rows = await TicketOrder.select().where(TicketOrder.buyer == actor.id).order_by(TicketOrder.id,
                                                                                     ascending=False)
    return await order_views(rows)
