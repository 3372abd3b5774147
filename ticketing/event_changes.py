"""What ticketing does when an event moves (issue 15): every ticket holder gets a mail with the new time and
place and a calendar REQUEST with the event's higher SEQUENCE, so the copy they imported moves too.

Registered with `events.service.on_event_moved` when this module is imported (ticketing.api imports it at
start-up): events may not import ticketing. The mail is queued once per person and SEQUENCE (the dedupe key), so
two workers, or a retried request, never mail anyone twice for the same move.
"""

from __future__ import annotations

from core.db import utcnow, write_transaction
from events import service as events_service
from ticketing import rules, state
from ticketing.tables import Ticket


async def mail_ticket_holders_event_moved(event_id: int, sequence: int) -> int:
    """Queue an `event_moved` mail to every live place of a paid duo with a valid ticket. Returns how many."""
    now = utcnow()
    rows = await Ticket.select(Ticket.order, Ticket.attendee, Ticket.attendee.email.as_alias("email")).where(
        (Ticket.event == event_id) & (Ticket.status == rules.TicketStatus.VALID) & (Ticket.order.status == rules.PAID)
        & Ticket.attendee._.live.eq(True))
    async with write_transaction():
        for row in rows:
            await state.enqueue_mail("event_moved", row["order"], row["attendee"], row["email"],
                                     f"moved:{event_id}:{sequence}:{row['attendee']}", now)
    return len(rows)


events_service.on_event_moved(mail_ticket_holders_event_moved)
__all__ = ["mail_ticket_holders_event_moved"]
