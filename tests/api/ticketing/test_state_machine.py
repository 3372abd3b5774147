"""The order state machine that runs is the one in the rules: `ticketing.state.move`, the only code that changes
an order's status, moves an order exactly where `rules.TRANSITIONS` allows, and frees a seat exactly when
`rules.frees_seat` says (tests/unit/ticketing/test_rules.py checks the table itself, and
tests/unit/ticketing/test_one_state_machine.py that no other module writes the status)."""

from __future__ import annotations

import httpx
import pytest

from tests.support.breakouts import seed_duos
from tests.support.shop import Shop

pytestmark = pytest.mark.anyio


async def test_an_order_moves_exactly_where_the_transition_table_allows(client: httpx.AsyncClient,
                                                                          shop: Shop) -> None:
    from core.db import utcnow, write_transaction
    from events.tables import Event
    from ticketing import rules, state
    from ticketing.tables import Attendee, Ticket, TicketOrder

    pairs = [(source, target) for source in rules.ORDER_STATUSES for target in rules.ORDER_STATUSES]
    event = await shop.event(price_cents=0, capacity_duos=len(pairs))
    places = await seed_duos(event["id"], len(pairs), prefix="move")
    order_ids = sorted({p["order"] for p in places})
    await Event.update({Event.seats_taken: len(pairs)}).where(Event.id == event["id"])
    seats = len(pairs)
    for (source, target), order_id in zip(pairs, order_ids, strict=True):
        await TicketOrder.update({TicketOrder.status: source}).where(TicketOrder.id == order_id)
        async with write_transaction():
            moved = await state.move(order_id, target, utcnow(), only_from=source)
        allowed = rules.can_transition(source, target)
        assert (moved is not None) == allowed, (source, target)
        row = await TicketOrder.select(TicketOrder.status).where(TicketOrder.id == order_id).first()
        assert row is not None, (source, target)
        assert row["status"] == (target if allowed else source), (source, target)
        freed = allowed and rules.frees_seat(source, target)
        seats -= freed
        taken = await Event.select(Event.seats_taken).where(Event.id == event["id"]).first()
        assert taken is not None, (source, target)
        assert taken["seats_taken"] == seats, (source, target)
        live = await Attendee.count().where((Attendee.order == order_id) & Attendee.live.eq(True))
        valid = await Ticket.count().where((Ticket.order == order_id) & (Ticket.status == rules.TicketStatus.VALID))
        assert (live, valid) == ((0, 0) if freed else (2, 2)), (source, target)


async def test_a_move_the_table_does_not_know_changes_nothing_and_an_unclear_seat_is_refused(
    client: httpx.AsyncClient, shop: Shop,
) -> None:
    from core.db import utcnow, write_transaction
    from ticketing import rules, state
    from ticketing.tables import TicketOrder

    event = await shop.event(price_cents=0, capacity_duos=5)
    places = await seed_duos(event["id"], 2, prefix="unclear")
    refunded, paid = sorted({p["order"] for p in places})
    await TicketOrder.update({TicketOrder.status: rules.REFUNDED}).where(TicketOrder.id == refunded)
    async with write_transaction():
        # Without only_from the sources are the table's: refunded follows refund_pending alone, so a refunded
        # order does not move.
        assert await state.move(refunded, rules.REFUNDED, utcnow()) is None
        # Refund pending is reached from paid (a seat freed) and from statuses without a seat: the caller must
        # say which status it read, or the seat could be freed twice or never.
        with pytest.raises(ValueError, match="only_from"):
            await state.move(paid, rules.REFUND_PENDING, utcnow())
    row = await TicketOrder.select(TicketOrder.status).where(TicketOrder.id == paid).first()
    assert row is not None
    assert row["status"] == rules.PAID
