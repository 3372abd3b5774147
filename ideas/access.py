"""The event as ideas reads it: found by its slug, who organises it, the organiser's idea settings (with their
defaults), the submission window, and who may see the wall.

`manages_ideas` is the one place that decides who organises the ideas and votes of an event: the event's organiser
(`events.service.can_manage`, asked by pairing.access when it looked the event up for them). Every use case that
changes settings, opens or closes a vote goes through `managed_event`; the pages ask the same function.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from core.db import as_utc
from core.errors import Forbidden
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from events.tables import AgendaSession
from ideas import rules
from ideas.errors import WallForAttendees
from ideas.tables import IdeaSettings, Juror
from pairing.access import EventRef, ThemeRef, event_themes, visible_event
from pairing.holders import ticket_holders

__all__ = [
    "EventRef",
    "IdeaConfig",
    "ThemeRef",
    "agenda_window",
    "event_themes",
    "idea_config",
    "is_juror",
    "managed_event",
    "manages_ideas",
    "member_places",
    "visible_event",
    "wall_event",
]


def manages_ideas(event: EventRef) -> bool:
    """Whether whoever looked the event up is its organiser (an event without one belongs to every organiser)."""
    return event.viewer_manages


async def managed_event(actor: Principal, slug: str) -> EventRef:
    """The event, for its organiser; a draft is not found for anyone else, a published event forbidden."""
    event = await visible_event(slug, actor)
    if not manages_ideas(event):
        raise Forbidden(_l("Alleen de organisator van dit evenement kan de ideeën en stemmingen beheren."))
    return event


@dataclass(frozen=True, slots=True)
class IdeaConfig:
    """The organiser's choices for an event's ideas, defaults filled in, with the window they give."""

    window: rules.Window
    window_is_default: tuple[bool, bool]  # (opens, closes) follow the agenda
    wall: rules.WallVisibility
    authors_may_vote_own: bool
    criteria: tuple[rules.Criterion, ...]
    jury_weight: int
    updated_at: datetime | None


def criteria_from_json(text: str) -> tuple[rules.Criterion, ...]:
    try:
        items = json.loads(text or "[]")
    except ValueError:
        return ()
    return tuple(rules.Criterion(key=str(c["key"]), title=str(c["title"]), weight=int(c["weight"]),
                                 description=str(c.get("description", ""))) for c in items)


def criteria_to_json(criteria: tuple[rules.Criterion, ...]) -> str:
    return json.dumps([{"key": c.key, "title": c.title, "weight": c.weight, "description": c.description}
                       for c in criteria])


async def agenda_window(event: EventRef) -> rules.Window:
    """The default window from the event's agenda: the first breakout round until the pitches."""
    sessions = await AgendaSession.select(
        AgendaSession.starts_at, AgendaSession.ends_at, AgendaSession.is_breakout_round,
    ).where(AgendaSession.event == event.id)
    return rules.default_window(event.starts_at, event.ends_at, [
        rules.Session(as_utc(s["starts_at"]), as_utc(s["ends_at"]), bool(s["is_breakout_round"]))
        for s in sessions
    ])


async def idea_config(event: EventRef) -> IdeaConfig:
    row = await IdeaSettings.select().where(IdeaSettings.event == event.id).first()
    default = await agenda_window(event)
    opens = as_utc(row["opens_at"]) if row else None
    closes = as_utc(row["closes_at"]) if row else None
    window = rules.Window(opens or default.opens_at, closes or default.closes_at)
    return IdeaConfig(
        window=window,
        window_is_default=(opens is None, closes is None),
        wall=rules.WallVisibility(row["wall"]) if row else rules.WallVisibility.PUBLIC,
        authors_may_vote_own=bool(row["authors_may_vote_own"]) if row else False,
        criteria=criteria_from_json(row["criteria"]) if row else (),
        jury_weight=int(row["jury_weight"]) if row else 0,
        updated_at=as_utc(row["updated_at"]) if row else None,
    )


async def member_places(actor: Principal | None, event_id: int) -> list[int]:
    """The signed-in member's own places at the event (as buyer, or as companion with their verified address)."""
    if actor is None:
        return []
    return [h.id for h in await ticket_holders(event_id=event_id, member_id=actor.id)]


async def is_juror(actor: Principal | None, event_id: int) -> bool:
    if actor is None:
        return False
    return await Juror.exists().where((Juror.event == event_id) & (Juror.member == actor.id))


async def wall_event(slug: str, viewer: Principal | None) -> tuple[EventRef, IdeaConfig]:
    """The event and its idea settings, when the viewer may see its ideas: everyone, or — when the organiser keeps
    the wall to attendees — its ticket holders, jurors and organiser."""
    event = await visible_event(slug, viewer)
    config = await idea_config(event)
    if config.wall is rules.WallVisibility.ATTENDEES and not manages_ideas(event):
        if viewer is None or not (await member_places(viewer, event.id) or await is_juror(viewer, event.id)):
            raise WallForAttendees(_l("De organisator toont de ideeën alleen aan deelnemers van dit evenement."))
    return event, config
