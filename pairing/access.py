"""The event as pairing reads it from events/: found by its slug, who may see it, who may plan its breakouts,
its themes and its breakout rounds.

`planned_event` is the one place that decides who plans breakouts (events.team.may_plan_breakouts: the event's
organiser and the facilitators of that event, nobody else): every use case that reads or changes a plan goes
through it, and the board page asks the same function.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from core.db import as_utc
from core.errors import Forbidden, NotFound
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from events.rules import EventStatus
from events.service import can_manage, can_view
from events.tables import AgendaSession, Event, Theme
from events.team import may_plan_breakouts


class EventRef(msgspec.Struct, frozen=True):
    """The event as pairing and ideas read it (and their pages show it): who may see it was decided when it was
    looked up. `viewer_manages`: whether the one who asked is its organiser (events.service.can_manage)."""

    id: int
    slug: str
    title: str
    status: EventStatus
    timezone: str
    starts_at: datetime  # aware, UTC
    ends_at: datetime  # aware, UTC
    organiser_id: int | None
    viewer_manages: bool = False


def event_ref(row: Mapping[str, Any], viewer: Principal | None = None) -> EventRef:
    """An event row as an `EventRef` (for `viewer`, who may see it)."""
    return EventRef(id=row["id"], slug=row["slug"], title=row["title"], status=EventStatus(row["status"]),
                    timezone=row["timezone"], starts_at=as_utc(row["starts_at"]), ends_at=as_utc(row["ends_at"]),
                    organiser_id=row["organiser"], viewer_manages=can_manage(viewer, dict(row)))


class ThemeRef(msgspec.Struct, frozen=True):
    """One of the event's themes: its key (what rankings and groups name) and title."""

    key: str
    title: str
    position: int


async def _event_row(slug: str) -> dict[str, Any]:
    row = await Event.select().where(Event.slug == slug).first()
    if row is None:
        raise NotFound(_l("Dit evenement bestaat niet."))
    return row


async def visible_event(slug: str, viewer: Principal | None) -> EventRef:
    """The event, when the viewer may see it (a draft only to its organiser); else not found."""
    row = await _event_row(slug)
    if not can_view(viewer, row):
        raise NotFound(_l("Dit evenement bestaat niet."))
    return event_ref(row, viewer)


async def planned_event(actor: Principal, slug: str) -> EventRef:
    """The event, when the actor may plan its breakouts (its organiser, its facilitators); else forbidden, or not
    found for a draft the actor may not see."""
    row = await _event_row(slug)
    if not await may_plan_breakouts(actor, row):
        if not can_view(actor, row):
            raise NotFound(_l("Dit evenement bestaat niet."))
        raise Forbidden(_l("Alleen de facilitatoren en de organisator van dit evenement mogen de breakouts plannen."))
    return event_ref(row, actor)


async def event_themes(event_id: int) -> list[ThemeRef]:
    """The event's themes (key, title, position) in the organiser's order."""
    rows = await Theme.select(Theme.key, Theme.title, Theme.position).where(Theme.event == event_id)
    return [ThemeRef(key=t["key"], title=t["title"], position=t["position"])
            for t in sorted(rows, key=lambda t: (t["position"], t["key"]))]


async def breakout_sessions(event_ids: Sequence[int]) -> dict[tuple[int, int], dict[str, Any]]:
    """(event id, round number) → the agenda's breakout-round session."""
    if not event_ids:
        return {}
    rows = await AgendaSession.select(
        AgendaSession.id, AgendaSession.event, AgendaSession.round_number, AgendaSession.starts_at,
        AgendaSession.ends_at, AgendaSession.sequence, AgendaSession.updated_at,
    ).where(AgendaSession.event.is_in(list(event_ids)) & (AgendaSession.is_breakout_round.eq(True)))
    return {(r["event"], r["round_number"]): r for r in rows if r["round_number"] is not None}
