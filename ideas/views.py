"""Reading ideas as the wall and the API show them: each idea with its authors' names, whether it is on a ballot
paper, and whether the viewer is one of its authors."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from core.db import as_utc
from ideas import rules
from ideas.access import IdeaConfig
from ideas.schemas import IdeaOut, WindowOut
from ideas.tables import Idea, IdeaAuthor, IdeaVote


def window_out(config: IdeaConfig, now: datetime) -> WindowOut:
    return WindowOut(
        opens_at=config.window.opens_at,
        closes_at=config.window.closes_at,
        state=rules.window_state(now, config.window).value,
        opens_by_default=config.window_is_default[0],
        closes_by_default=config.window_is_default[1],
    )


def json_ids(text: str | None) -> list[int]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [int(v) for v in value] if isinstance(value, list) else []


async def ideas_in_votes(event_id: int) -> set[int]:
    """Ideas on the ballot paper of any vote of the event (open or closed)."""
    rows = await IdeaVote.select(IdeaVote.ideas).where(IdeaVote.event == event_id)
    return {idea for row in rows for idea in json_ids(row["ideas"])}


async def authors_of(idea_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """Idea id → its authors (place id and ticket name), in their order."""
    if not idea_ids:
        return {}
    rows = await IdeaAuthor.select(
        IdeaAuthor.idea, IdeaAuthor.attendee, IdeaAuthor.position, IdeaAuthor.attendee.name.as_alias("name"),
    ).where(IdeaAuthor.idea.is_in(list(idea_ids)))
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in idea_ids}
    for row in sorted(rows, key=lambda r: (r["idea"], r["position"], r["attendee"])):
        out[row["idea"]].append(row)
    return out


async def idea_rows(event_id: int, *, theme: str | None = None, ids: Iterable[int] | None = None
                    ) -> list[dict[str, Any]]:
    query = Idea.select().where(Idea.event == event_id)
    if theme is not None:
        query = query.where(Idea.theme_key == theme)
    if ids is not None:
        query = query.where(Idea.id.is_in(list(ids) or [0]))
    return await query.order_by(Idea.id)


async def ideas_out(rows: Sequence[Mapping[str, Any]], titles: Mapping[str, str], viewer_places: Iterable[int],
                    in_votes: set[int]) -> list[IdeaOut]:
    authors = await authors_of([r["id"] for r in rows])
    mine = set(viewer_places)
    out = []
    for row in rows:
        people = authors.get(row["id"], [])
        created_at, updated_at = as_utc(row["created_at"]), as_utc(row["updated_at"])
        assert created_at
        assert updated_at
        out.append(IdeaOut(
            id=row["id"], theme=row["theme_key"], theme_title=titles.get(row["theme_key"], row["theme_key"]),
            title=row["title"], pitch=row["pitch"], link=row["link"], authors=[p["name"] for p in people],
            version=row["version"], created_at=created_at, updated_at=updated_at, in_vote=row["id"] in in_votes,
            mine=any(p["attendee"] in mine for p in people),
        ))
    return out
