"""The event as pairing reads it from events/: found by its slug, who may see it, who may plan its breakouts,
its themes and its breakout rounds.

`may_plan_breakouts` is the one place that decides who plans breakouts: every use case that reads or changes
a plan goes through `planned_event`, and the board page asks the same function.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from core.errors import Forbidden, NotFound
from events.service import can_manage, can_view
from events.tables import AgendaSession, Event, Theme
from members.service import Principal


async def _event_row(slug: str) -> dict[str, Any]:
    row = await Event.select().where(Event.slug == slug).first()
    if row is None:
        raise NotFound("Dit evenement bestaat niet.")
    return row


async def visible_event(slug: str, viewer: Principal | None) -> dict[str, Any]:
    """The event's row, when the viewer may see it (a draft only to its organiser); else not found."""
    row = await _event_row(slug)
    if not can_view(viewer, row):
        raise NotFound("Dit evenement bestaat niet.")
    return row


def may_plan_breakouts(actor: Principal | None, event: Mapping[str, Any]) -> bool:
    """Facilitators (for any event) and the event's own organiser."""
    return actor is not None and (actor.is_facilitator or can_manage(actor, dict(event)))


async def planned_event(actor: Principal, slug: str) -> dict[str, Any]:
    """The event's row, when the actor may plan its breakouts; else forbidden."""
    row = await _event_row(slug)
    if not may_plan_breakouts(actor, row):
        raise Forbidden("Alleen facilitatoren en de organisator van dit evenement mogen de breakouts plannen.")
    return row


async def event_themes(event_id: int) -> list[dict[str, Any]]:
    """The event's themes (key, title, position) in the organiser's order."""
    rows = await Theme.select(Theme.key, Theme.title, Theme.position).where(Theme.event == event_id)
    return sorted(rows, key=lambda t: (t["position"], t["key"]))


async def breakout_sessions(event_ids: Sequence[int]) -> dict[tuple[int, int], dict[str, Any]]:
    """(event id, round number) → the agenda's breakout-round session."""
    if not event_ids:
        return {}
    rows = await AgendaSession.select(
        AgendaSession.id, AgendaSession.event, AgendaSession.round_number, AgendaSession.starts_at,
        AgendaSession.ends_at, AgendaSession.sequence, AgendaSession.updated_at,
    ).where(AgendaSession.event.is_in(list(event_ids)) & (AgendaSession.is_breakout_round.eq(True)))
    return {(r["event"], r["round_number"]): r for r in rows if r["round_number"] is not None}
