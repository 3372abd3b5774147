"""Who is here: the question other folders ask the door (pairing regroups breakouts for the people present; the
ideas' votes may count only them). Reads only."""

from __future__ import annotations

from checkin.tables import CheckIn
from ticketing.rules import PAID, TicketStatus


async def present_places(event_id: int) -> frozenset[int]:
    """The places (ticketing Attendee ids, pairing's ticket-holder ids) with an active check-in at the event's door
    whose ticket still admits: a check-in undone, or of a ticket voided since, does not count."""
    rows = await CheckIn.select(CheckIn.attendee).where(
        (CheckIn.event == event_id) & CheckIn.undone_at.is_null()
        & (CheckIn.ticket._.status == TicketStatus.VALID) & (CheckIn.ticket._.order._.status == PAID)
    )
    return frozenset(r["attendee"] for r in rows)
