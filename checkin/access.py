"""Who may work the door of an event: the one check every check-in use case and the scanner page go through.

The event's organiser, its facilitators and its door role (`deur`) may check people in; a door role can do that
and nothing else (no attendee e-mail list, no money, no other events). A draft does not exist for anyone but its
organiser (the same 404 as everywhere); anyone else gets 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec

from core.db import as_utc
from core.errors import Forbidden, NotFound
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from events import rules as event_rules
from events.rules import EventRoleKind
from events.service import can_manage, can_view
from events.tables import Event
from events.team import event_roles_of


def may_check_in(actor: Principal | None, event: Mapping[str, Any], roles: frozenset[EventRoleKind]) -> bool:
    """The event's organiser, and whoever holds the event's facilitator or door role (events.rules.may_check_in)."""
    if actor is None:
        return False
    return event_rules.may_check_in(roles, can_manage(actor, dict(event)))


class DoorEvent(msgspec.Struct, frozen=True):
    """The event whose door someone works, as the door's use cases and pages read it."""

    id: int
    slug: str
    title: str
    timezone: str
    starts_at: datetime  # aware, UTC
    organiser_id: int


async def door_event(actor: Principal | None, slug: str) -> DoorEvent:
    """The event, for those who may work its door; else not found (a draft, an unknown slug) or forbidden."""
    row = await Event.select().where(Event.slug == slug).first()
    if row is None or not can_view(actor, row):
        raise NotFound(_l("Dit evenement bestaat niet."))
    roles = await event_roles_of(actor.id, row["id"]) if actor is not None else frozenset()
    if not may_check_in(actor, row, roles):
        raise Forbidden(_l("Alleen de deur, de facilitatoren en de organisator van dit evenement mogen inchecken."))
    return DoorEvent(id=row["id"], slug=row["slug"], title=row["title"], timezone=row["timezone"],
                     starts_at=as_utc(row["starts_at"]), organiser_id=row["organiser"])
