"""The event and the order as ticketing reads them, and who may see or manage them.

Each question has one answer here, so a change to who may do what lands in one place: `manages` (the event's
organiser), `managed_event` (the event, for those who manage it), `visible_order` (an order, for its buyer and
those who manage its event). Everyone else gets "not found" or "forbidden" from these functions alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from core.db import as_utc
from core.errors import Forbidden, NotFound
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from events import rules as event_rules
from events.rules import EventStatus
from events.tables import Event
from ticketing.errors import OrderNotFound
from ticketing.tables import TicketOrder

# Read on every order (a sold-out answer is the token and this): written out, the same row as
# `Event.select().where(…).first()` on both engines at a quarter of the CPU (Piccolo builds its query each time).
_EVENT_BY = {"slug": "SELECT * FROM event WHERE slug = {} LIMIT 1", "id": "SELECT * FROM event WHERE id = {} LIMIT 1"}


async def event_by_slug(slug: str, viewer: Principal | None = None) -> dict[str, Any]:
    """The event; a draft only for those who manage it (anyone else: not found)."""
    rows = await Event.raw(_EVENT_BY["slug"], slug)
    return visible_event(rows[0] if rows else None, viewer)


def visible_event(row: dict[str, Any] | None, viewer: Principal | None) -> dict[str, Any]:
    """`event_by_slug`'s answer for an event row read some other way (None: no such event)."""
    if row is None or (row["status"] == EventStatus.DRAFT and not manages(viewer, row)):
        raise NotFound(_l("Dit evenement bestaat niet."))
    return row


async def event_by_id(event_id: int) -> dict[str, Any]:
    rows = await Event.raw(_EVENT_BY["id"], event_id)
    if not rows:
        raise NotFound(_l("Dit evenement bestaat niet."))
    return rows[0]


def manages(actor: Principal | None, event: Mapping[str, Any]) -> bool:
    """The event's organiser (an event without one belongs to every organiser)."""
    return actor is not None and actor.is_organiser and event["organiser"] in (actor.id, None)


async def managed_event(actor: Principal, slug: str) -> dict[str, Any]:
    """The event for those who manage it (anyone else: forbidden, or not found for a draft)."""
    event = await event_by_slug(slug, actor)
    if not manages(actor, event):
        raise Forbidden(_l("Alleen de organisator van dit evenement kan dit zien."))
    return event


async def visible_order(actor: Principal, order_id: int) -> tuple[dict[str, Any], bool]:
    """The order row for its buyer or the event's organiser (anyone else: not found). (row, is_buyer)"""
    row = await TicketOrder.select().where(TicketOrder.id == order_id).first()
    if row is None:
        raise OrderNotFound(_l("Deze bestelling bestaat niet."))
    if row["buyer"] == actor.id:
        return row, True
    if actor.is_organiser and manages(actor, await event_by_id(row["event"])):
        return row, False
    raise OrderNotFound(_l("Deze bestelling bestaat niet."))


def deadlines(event: Mapping[str, Any]) -> tuple[datetime, datetime]:
    """(change deadline, refund deadline) of the event: its own, or the defaults before its start."""
    starts_at = as_utc(event["starts_at"])
    assert starts_at is not None
    return (event_rules.change_deadline(starts_at, as_utc(event["change_deadline"])),
            event_rules.refund_deadline(starts_at, as_utc(event["refund_deadline"])))
