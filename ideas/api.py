"""HTTP API for ideas, votes and the jury: thin controllers over ideas' use cases."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post, put
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath, JSONBody, QueryParameter

from core.auth import current, requires_member, signed_in
from core.params import DbId
from core.ratelimit import Limit, rate_limit_guard
from ideas import rules, settings, submissions, wall
from ideas.schemas import (
    IdeaHistoryOut,
    IdeaIn,
    IdeaOut,
    IdeaPatch,
    IdeaSettingsIn,
    IdeaSettingsOut,
    WallOut,
)

# The wall may be for attendees only, and shows "mine": never in a shared cache.
NO_STORE = CacheControlHeader(no_store=True)
# Enough for a busy group at a hackathon; keeps a script from filling the wall.
IDEA_WRITES_PER_CLIENT = Limit("idea_write", 60, 10 * 60)

ThemeQuery = Annotated[str | None, QueryParameter(name="theme", min_length=1, max_length=40, required=False,
                                                  description="Only the ideas of this theme (its key)")]


class IdeaController(Controller):
    path = "/api/v1/events/{slug:str}/ideas"
    tags = ["ideas"]
    cache_control = NO_STORE

    @get("/", summary="The idea wall: every idea per theme", operation_id="list_ideas")
    async def wall(self, request: Request[Any, Any, Any], slug: FromPath[str], theme: ThemeQuery = None) -> WallOut:
        """Public, or for the event's ticket holders, jurors and organiser only (the organiser's choice). Problems:
        `wall_for_attendees` (403), `unknown_theme` (422)."""
        return await wall.idea_wall(current(request), slug, theme)

    @post("/", summary="Submit an idea (you as ticket holder, with co-authors)", operation_id="submit_idea",
          guards=[requires_member, rate_limit_guard(IDEA_WRITES_PER_CLIENT)])
    async def submit(self, request: Request[Any, Any, Any], slug: FromPath[str], data: JSONBody[IdeaIn]) -> IdeaOut:
        """While the submission window is open. Co-authors are named by the e-mail address of their ticket.
        Problems: `no_ticket` (403), `idea_window_closed` (409), `unknown_theme`, `invalid_idea`,
        `co_author_not_a_ticket_holder` (422, each naming the field)."""
        draft = submissions.IdeaDraft(theme=data.theme, title=data.title, pitch=data.pitch, link=data.link,
                                      co_authors=data.co_authors)
        return await submissions.submit_idea(signed_in(request), slug, draft)

    @get("/{idea:int}", summary="One idea", operation_id="get_idea")
    async def show(self, request: Request[Any, Any, Any], slug: FromPath[str], idea: DbId) -> IdeaOut:
        return await submissions.get_idea(current(request), slug, idea)

    @patch("/{idea:int}", summary="Change your idea (its authors, until the window closes)", operation_id="edit_idea",
           guards=[requires_member, rate_limit_guard(IDEA_WRITES_PER_CLIENT)])
    async def edit(self, request: Request[Any, Any, Any], slug: FromPath[str], idea: DbId,
                   data: JSONBody[IdeaPatch]) -> IdeaOut:
        """Every save that changes something is a new version. Problems: `not_an_author` (403),
        `idea_window_closed`, `idea_in_vote` (409)."""
        draft = submissions.IdeaDraft(theme=data.theme, title=data.title, pitch=data.pitch, link=data.link,
                                      co_authors=data.co_authors)
        return await submissions.edit_idea(signed_in(request), slug, idea, draft)

    @get("/{idea:int}/versions", summary="Every version of an idea, with who saved it and when",
         operation_id="list_idea_versions")
    async def versions(self, request: Request[Any, Any, Any], slug: FromPath[str], idea: DbId) -> IdeaHistoryOut:
        return await submissions.idea_history(current(request), slug, idea)


class IdeaSettingsController(Controller):
    """The organiser's choices (the event's organiser only)."""

    path = "/api/v1/events/{slug:str}/ideas/settings"
    tags = ["ideas"]
    guards = [requires_member]
    cache_control = NO_STORE

    @get("/", summary="The idea settings of the event", operation_id="get_idea_settings")
    async def show(self, request: Request[Any, Any, Any], slug: FromPath[str]) -> IdeaSettingsOut:
        return await settings.idea_settings(signed_in(request), slug)

    @put("/", summary="Set the window, the wall's audience, the own-idea rule and the jury's criteria",
         operation_id="update_idea_settings")
    async def update(self, request: Request[Any, Any, Any], slug: FromPath[str],
                     data: JSONBody[IdeaSettingsIn]) -> IdeaSettingsOut:
        """Criteria and weights are published in advance: after a vote opened or a juror scored they no longer
        change. Problems: `jury_locked` (409), `invalid_idea_settings` (422)."""
        change = settings.SettingsChange(
            opens_at=data.opens_at, closes_at=data.closes_at, wall=data.wall,
            authors_may_vote_own=data.authors_may_vote_own,
            criteria=[rules.Criterion(key=c.key, title=c.title, weight=c.weight, description=c.description)
                      for c in data.criteria],
            jury_weight=data.jury_weight)
        return await settings.update_idea_settings(signed_in(request), slug, change)


ROUTERS = [IdeaController, IdeaSettingsController]
