"""What ticketing keeps about a member, as members.personal_data asks for it: their orders and waiting-list places
in the personal data export, the live ticket that keeps an account from being deleted, and the waiting-list places
that go with the account. `install()`, called by create_app, registers these with members (which imports no
folder above it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from core.principal import Principal
from events import service as events_service
from events.rules import EventStatus
from members import personal_data
from ticketing import orders, tickets, waitlist
from ticketing.tables import TicketOrder

# The order document of the export, as it has always been: the API's order (ticketing.results.OrderOut) with the
# buyer's id and the payment's id after `created_at`, and places without the attendee list's `override`.
_ORDER_HEAD = ("id", "status", "amount_cents", "currency", "expires_at", "paid_at", "cancelled_at", "refunded_at",
               "created_at")
_PLACE_KEYS = ("id", "role", "name", "email", "industry", "organisation", "experience_level", "eligibility_basis",
               "eligibility_reason_nl", "eligibility_reason_en", "override_id", "live", "voided_at", "ticket_code",
               "ticket_status")


async def orders_for_export(actor: Principal) -> list[dict[str, Any]]:
    """The member's orders as buyer (orders.list_my_orders), as plain documents for members' export."""
    mine = await orders.list_my_orders(actor)
    intents = {r["id"]: r["payment_intent_id"] for r in await TicketOrder.select(
        TicketOrder.id, TicketOrder.payment_intent_id).where(TicketOrder.buyer == actor.id)}
    out = []
    for order in mine:
        doc = msgspec.to_builtins(order)
        out.append({**{k: doc[k] for k in _ORDER_HEAD}, "buyer_id": actor.id,
                    "payment_intent_id": intents.get(order.id),
                    "event": doc["event"], "buyer": _place(doc["buyer"]), "companion": _place(doc["companion"]),
                    "former_companions": [_place(p) for p in doc["former_companions"]],
                    **{k: doc[k] for k in ("change_deadline", "refund_deadline", "can_change_companion",
                                           "can_cancel")}})
    return out


def _place(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: doc[k] for k in _PLACE_KEYS}


async def waiting_for_export(actor: Principal) -> list[dict[str, Any]]:
    """The member's places on waiting lists (waitlist.my_entries), as plain documents for members' export."""
    return [msgspec.to_builtins(entry) for entry in await waitlist.my_entries(actor)]


async def holds_ticket_for_coming_event(member_id: int, now: datetime) -> bool:
    """True while the member holds a live ticket (as buyer, or as companion by their verified address) for a
    published event that has not ended: the seat, the companion and the payment depend on the account."""
    event_ids = set(await tickets.live_ticket_event_ids(member_id))
    if not event_ids:
        return False
    coming = await events_service.list_published(now=now)  # events that have not ended yet
    return any(e.id in event_ids and e.status == EventStatus.PUBLISHED for e in coming)


def install() -> None:
    personal_data.provide_export_section("orders", orders_for_export)
    personal_data.provide_export_section("waiting_lists", waiting_for_export)
    personal_data.refuse_deletion_when(holds_ticket_for_coming_event)
    personal_data.on_account_deletion(waitlist.forget_waiting_entries)
