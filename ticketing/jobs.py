"""Ticketing's background work, registered with core.jobs and run in every worker's lifespan: expiring holds,
erasing birth dates, reconciling payments (and submitting refunds).

Each claims its work atomically in the database (expire_holds below,
payments.reconcile_payments), so running them in N workers at once frees no seat twice and settles nothing twice;
erase_birth_dates is one idempotent UPDATE.
"""

from __future__ import annotations

from datetime import datetime

from piccolo.columns.combination import Combinable

from core import jobs
from core.db import utcnow, write_transaction
from events.tables import Event
from settings import Settings
from ticketing import payments, rules, state, waitlist
from ticketing.state import SYSTEM
from ticketing.tables import Attendee, TicketOrder


async def expire_holds(now: datetime | None = None, limit: int = 500) -> int:
    """Release holds past their time. Each is claimed by its conditional status update: freed once."""
    now = now or utcnow()
    due = await TicketOrder.select(TicketOrder.id).where(
        (TicketOrder.status == rules.PENDING) & (TicketOrder.expires_at <= now)
    ).limit(limit)
    released = 0
    freed_events: set[int] = set()
    for row in due:
        async with write_transaction():
            # The claim: only the transaction whose move matches frees the seat (state.move does).
            moved = await state.move(row["id"], rules.EXPIRED, now, only_from=rules.PENDING,
                                     when=TicketOrder.expires_at <= now)
            if moved is None:
                continue
            await state.log_change(row["id"], SYSTEM, "expired", now)
            released += 1
            freed_events.add(moved["event"])
    for event_id in sorted(freed_events):  # an expired hold or offer: its seat goes to the next duo in line
        await waitlist.seat_freed(event_id)
    return released


async def erase_birth_dates(now: datetime | None = None) -> int:
    """Retention: a place's birth date serves only the companion rule. It is erased once the place can no
    longer need it — when its event has ended, or at once when the place is no longer live (its order
    expired, failed, was cancelled or refunded, or the companion was replaced; a late payment that revives
    an order does not check the rule again). What stays is the outcome: eligible, basis, reasons, override.

    One conditional UPDATE per batch (`… WHERE birth_date IS NOT NULL`): atomic, and idempotent when every
    worker runs it at once. Returns how many places lost their birth date."""
    now = now or utcnow()
    holding = await Attendee.select(Attendee.event).where(Attendee.birth_date.is_not_null()).distinct()
    ended = [e["id"] for e in await Event.select(Event.id).where(
        Event.id.is_in([h["event"] for h in holding] or [-1]) & (Event.ends_at < now))]
    condition: Combinable = Attendee.live.eq(False)
    if ended:
        condition = condition | Attendee.event.is_in(ended)
    erased = await Attendee.update({Attendee.birth_date: None}).where(
        Attendee.birth_date.is_not_null() & condition
    ).returning(Attendee.id)
    return len(erased)


@jobs.register("ticketing.expire_holds")
async def expire_holds_job(settings: Settings) -> int:
    return await expire_holds()


@jobs.register("ticketing.waiting_lists")
async def waiting_lists_job(settings: Settings) -> dict[str, int]:
    return await waitlist.tend_waiting_lists()


@jobs.register("ticketing.erase_birth_dates")
async def erase_birth_dates_job(settings: Settings) -> int:
    return await erase_birth_dates()


@jobs.register("ticketing.reconcile_payments")
async def reconcile_payments_job(settings: Settings) -> dict[str, int]:
    return await payments.reconcile_payments()
