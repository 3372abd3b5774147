"""The organiser's choices for an event's ideas: the submission window, who sees the wall, whether authors may vote
for their own idea, and the jury's criteria with their weights and the jury's share of the final score.

Criteria and weights are published in advance (issue 17): once a vote has opened or a juror has scored, they no
longer change (`jury_locked`); the window, the wall and the own-idea rule may still change (a vote keeps the own-idea
rule it opened with).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.db import utcnow, write_transaction
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from events import rules as event_rules
from ideas import rules
from ideas.access import EventRef, IdeaConfig, agenda_window, criteria_to_json, idea_config, managed_event
from ideas.errors import InvalidSettings, JuryLocked
from ideas.schemas import CriterionOut, IdeaSettingsOut
from ideas.tables import IdeaSettings, IdeaVote, Juror, JuryScore
from ideas.views import window_out


@dataclass(frozen=True, slots=True)
class SettingsChange:
    opens_at: datetime | None
    closes_at: datetime | None
    wall: str
    authors_may_vote_own: bool
    criteria: Sequence[rules.Criterion]
    jury_weight: int


async def jury_locked(event_id: int) -> bool:
    if await IdeaVote.exists().where(IdeaVote.event == event_id):
        return True
    return await JuryScore.exists().where(JuryScore.juror.event == event_id)


def _settings_out(event: EventRef, config: IdeaConfig, locked: bool) -> IdeaSettingsOut:
    return IdeaSettingsOut(
        event=event.slug, window=window_out(config, utcnow()), wall=config.wall.value,
        authors_may_vote_own=config.authors_may_vote_own,
        criteria=[CriterionOut(key=c.key, title=c.title, weight=c.weight, description=c.description)
                  for c in config.criteria],
        jury_weight=config.jury_weight, jury_locked=locked, updated_at=config.updated_at,
    )


async def idea_settings(actor: Principal, slug: str) -> IdeaSettingsOut:
    event = await managed_event(actor, slug)
    return _settings_out(event, await idea_config(event), await jury_locked(event.id))


def _utc(value: datetime | None, tz: str, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        return event_rules.to_utc(value, tz, field)
    except event_rules.EventRuleError as exc:
        raise InvalidSettings(exc.message, field=exc.field) from exc


async def update_idea_settings(actor: Principal, slug: str, change: SettingsChange) -> IdeaSettingsOut:
    """Replace the organiser's choices (times without a zone are the event's local time; None follows the
    agenda)."""
    event = await managed_event(actor, slug)
    opens_at = _utc(change.opens_at, event.timezone, "opens_at")
    closes_at = _utc(change.closes_at, event.timezone, "closes_at")
    config = await idea_config(event)
    default = await agenda_window(event)
    if (closes_at or default.closes_at) <= (opens_at or default.opens_at):
        raise InvalidSettings(_l("Het venster sluit na het openen."), field="closes_at")
    try:
        criteria = rules.check_criteria(tuple(change.criteria), change.jury_weight)
    except rules.CriteriaRejected as exc:
        field = f"criteria[{exc.index}]" if exc.index is not None else "criteria"
        if exc.problem is rules.CriteriaProblem.DUPLICATE_KEY:
            raise InvalidSettings(_l("Elk criterium heeft een eigen sleutel."), field=field) from exc
        raise InvalidSettings(_l("Dit criterium of gewicht kan niet."), field=field) from exc
    locked = await jury_locked(event.id)
    if locked and (criteria != config.criteria or change.jury_weight != config.jury_weight):
        raise JuryLocked(_l("De criteria en gewichten zijn vooraf gepubliceerd en veranderen niet meer: er is al "
                            "gestemd of gescoord."), field="criteria")
    now = utcnow()
    values: dict[Any, Any] = {
        IdeaSettings.opens_at: opens_at, IdeaSettings.closes_at: closes_at, IdeaSettings.wall: change.wall,
        IdeaSettings.authors_may_vote_own: change.authors_may_vote_own,
        IdeaSettings.criteria: criteria_to_json(criteria), IdeaSettings.jury_weight: change.jury_weight,
        IdeaSettings.updated_by: actor.id, IdeaSettings.updated_at: now,
    }
    async with write_transaction():
        updated = await IdeaSettings.update(values).where(
            IdeaSettings.event == event.id).returning(IdeaSettings.id)
        if not updated:
            await IdeaSettings.insert(IdeaSettings(event=event.id,
                                                   **{col._meta.name: v for col, v in values.items()}))
    return _settings_out(event, await idea_config(event), locked)


__all__ = ["Juror", "SettingsChange", "idea_settings", "jury_locked", "update_idea_settings"]
