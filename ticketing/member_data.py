"""What ticketing keeps about a member, as members.personal_data asks for it: their orders and waiting-list places
in the personal data export, the live ticket that keeps an account from being deleted, and the waiting-list places
that go with the account. `install()`, called by create_app, registers these with members (which imports no
folder above it).
"""

from __future__ import annotations

from datetime import datetime

from events import service as events_service
from members import personal_data
from ticketing import orders, tickets, waitlist


async def holds_ticket_for_coming_event(member_id: int, now: datetime) -> bool:
    """True while the member holds a live ticket (as buyer, or as companion by their verified address) for a
    published event that has not ended: the seat, the companion and the payment depend on the account."""
    event_ids = set(await tickets.live_ticket_event_ids(member_id))
    if not event_ids:
        return False
    coming = await events_service.list_published(now=now)  # events that have not ended yet
    return any(e["id"] in event_ids and e["status"] == "published" for e in coming)


def install() -> None:
    personal_data.provide_export_section("orders", orders.list_my_orders)
    personal_data.provide_export_section("waiting_lists", waitlist.my_entries)
    personal_data.refuse_deletion_when(holds_ticket_for_coming_event)
    personal_data.on_account_deletion(waitlist.forget_waiting_entries)
