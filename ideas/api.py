"""HTTP API for ideas, votes and the jury: thin controllers over ideas' use cases."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post, put
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from core.auth import requires_member
from core.params import DbId
from core.principal import Principal
from core.ratelimit import Limit, rate_limit_guard
from ideas import ballots, jury, results, rules, settings, submissions, votes, wall
from ideas.schemas import (
    BallotChangeIn,
    BallotIn,
    BallotOut,
    CastOut,
    IdeaHistoryOut,
    IdeaIn,
    IdeaOut,
    IdeaPatch,
    IdeaSettingsIn,
    IdeaSettingsOut,
    JurorIn,
    JuryOut,
    MyScoresOut,
    ReceiptIn,
    ResultsOut,
    ScoresIn,
    VoteIn,
    VoteOut,
    VotesOut,
    WallOut,
)

# The wall may be for attendees only, and shows "mine": never in a shared cache.
NO_STORE = CacheControlHeader(no_store=True)
# Enough for a busy group at a hackathon; keeps a script from filling the wall.
IDEA_WRITES_PER_CLIENT = Limit("idea_write", 60, 10 * 60)
# Casting, changing and looking up ballots: a person needs a handful; receipts carry 80 secret bits anyway.
BALLOTS_PER_CLIENT = Limit("ballot", 120, 10 * 60)

ThemeQuery = Annotated[str | None, QueryParameter(name="theme", min_length=1, max_length=40, required=False,
                                                  description="Only the ideas of this theme (its key)")]


class IdeaController(Controller):
    path = "/api/v1/events/{slug:str}/ideas"
    tags = ["ideas"]
    cache_control = NO_STORE

    @get("/", summary="The idea wall: every idea per theme", operation_id="list_ideas")
    async def wall(self, viewer: NamedDependency[Principal | None], slug: FromPath[str],
                   theme: ThemeQuery = None) -> WallOut:
        """Public, or for the event's ticket holders, jurors and organiser only (the organiser's choice). Problems:
        `wall_for_attendees` (403), `unknown_theme` (422)."""
        return await wall.idea_wall(viewer, slug, theme)

    @post("/", summary="Submit an idea (you as ticket holder, with co-authors)", operation_id="submit_idea",
          guards=[requires_member, rate_limit_guard(IDEA_WRITES_PER_CLIENT)])
    async def submit(self, member: NamedDependency[Principal], slug: FromPath[str], data: JSONBody[IdeaIn]) -> IdeaOut:
        """While the submission window is open. Co-authors are named by the e-mail address of their ticket.
        Problems: `no_ticket` (403), `idea_window_closed` (409), `unknown_theme`, `invalid_idea`,
        `co_author_not_a_ticket_holder` (422, each naming the field)."""
        draft = submissions.IdeaDraft(theme=data.theme, title=data.title, pitch=data.pitch, link=data.link,
                                      co_authors=data.co_authors)
        return await submissions.submit_idea(member, slug, draft)

    @get("/{idea:int}", summary="One idea", operation_id="get_idea")
    async def show(self, viewer: NamedDependency[Principal | None], slug: FromPath[str], idea: DbId) -> IdeaOut:
        return await submissions.get_idea(viewer, slug, idea)

    @patch("/{idea:int}", summary="Change your idea (its authors, until the window closes)", operation_id="edit_idea",
           guards=[requires_member, rate_limit_guard(IDEA_WRITES_PER_CLIENT)])
    async def edit(self, member: NamedDependency[Principal], slug: FromPath[str], idea: DbId,
                   data: JSONBody[IdeaPatch]) -> IdeaOut:
        """Every save that changes something is a new version. Problems: `not_an_author` (403),
        `idea_window_closed`, `idea_in_vote` (409)."""
        draft = submissions.IdeaDraft(theme=data.theme, title=data.title, pitch=data.pitch, link=data.link,
                                      co_authors=data.co_authors)
        return await submissions.edit_idea(member, slug, idea, draft)

    @get("/{idea:int}/versions", summary="Every version of an idea, with who saved it and when",
         operation_id="list_idea_versions")
    async def versions(self, viewer: NamedDependency[Principal | None], slug: FromPath[str],
                       idea: DbId) -> IdeaHistoryOut:
        return await submissions.idea_history(viewer, slug, idea)


class IdeaSettingsController(Controller):
    """The organiser's choices (the event's organiser only)."""

    path = "/api/v1/events/{slug:str}/ideas/settings"
    tags = ["ideas"]
    guards = [requires_member]
    cache_control = NO_STORE

    @get("/", summary="The idea settings of the event", operation_id="get_idea_settings")
    async def show(self, member: NamedDependency[Principal], slug: FromPath[str]) -> IdeaSettingsOut:
        return await settings.idea_settings(member, slug)

    @put("/", summary="Set the window, the wall's audience, the own-idea rule and the jury's criteria",
         operation_id="update_idea_settings")
    async def update(self, member: NamedDependency[Principal], slug: FromPath[str],
                     data: JSONBody[IdeaSettingsIn]) -> IdeaSettingsOut:
        """Criteria and weights are published in advance: after a vote opened or a juror scored they no longer
        change. Problems: `jury_locked` (409), `invalid_idea_settings` (422)."""
        change = settings.SettingsChange(
            opens_at=data.opens_at, closes_at=data.closes_at, wall=data.wall,
            authors_may_vote_own=data.authors_may_vote_own,
            criteria=[rules.Criterion(key=c.key, title=c.title, weight=c.weight, description=c.description)
                      for c in data.criteria],
            jury_weight=data.jury_weight)
        return await settings.update_idea_settings(member, slug, change)


class VoteController(Controller):
    """Votes on the ideas: the organiser opens and closes them; every ticket holder (checked in, when check-in is
    used) casts one secret ballot per vote and gets a receipt; after closing everyone sees every ballot."""

    path = "/api/v1/events/{slug:str}/ideas/votes"
    tags = ["ideas"]
    cache_control = NO_STORE

    @get("/", summary="The event's votes (ballots cast so far; never by whom)", operation_id="list_votes")
    async def index(self, viewer: NamedDependency[Principal | None], slug: FromPath[str]) -> VotesOut:
        return await votes.list_votes(viewer, slug)

    @post("/", summary="Open a vote on the submitted ideas (the event's organiser)", operation_id="open_vote",
          guards=[requires_member])
    async def open(self, member: NamedDependency[Principal], slug: FromPath[str], data: JSONBody[VoteIn]) -> VoteOut:
        """On one theme's ideas or on all (`theme` left out), with `approval` (each ballot names up to N ideas, one
        point each) or `borda` (each ballot ranks up to N ideas: N points for the first, N − 1 for the second, …).
        Problems: `no_ideas_to_vote_on` (409), `unknown_theme` (422)."""
        return await votes.open_vote(member, slug, data.method, data.theme, data.choices)

    @get("/{vote:int}", summary="One vote", operation_id="get_vote")
    async def show(self, viewer: NamedDependency[Principal | None], slug: FromPath[str], vote: DbId) -> VoteOut:
        return await votes.get_vote(viewer, slug, vote)

    @post("/{vote:int}/close", summary="Close the vote and publish the results (the event's organiser)",
          operation_id="close_vote", guards=[requires_member], status_code=200)
    async def close(self, member: NamedDependency[Principal], slug: FromPath[str], vote: DbId) -> VoteOut:
        """Waits for ballots being cast at this moment; none is accepted afterwards. Problems: `vote_closed` (409)."""
        return await votes.close_vote(member, slug, vote)

    @post("/{vote:int}/ballot", summary="Cast your ballot (once; you get a receipt, shown only now)",
          operation_id="cast_ballot", guards=[requires_member, rate_limit_guard(BALLOTS_PER_CLIENT)])
    async def cast(self, member: NamedDependency[Principal], slug: FromPath[str], vote: DbId,
                   data: JSONBody[BallotIn]) -> CastOut:
        """`choices`: idea ids of the vote (for Borda in your order; `[]` is a blank ballot). Keep the receipt: you
        need it to change your ballot, and its first part is your ballot's id in the published results. Problems:
        `no_ticket`, `not_eligible_to_vote` (403), `already_voted`, `vote_closed` (409), `invalid_ballot` (422)."""
        return await ballots.cast_ballot(member, slug, vote, data.choices)

    @put("/{vote:int}/ballot", summary="Change your ballot with its receipt (until the vote closes)",
         operation_id="change_ballot", guards=[requires_member, rate_limit_guard(BALLOTS_PER_CLIENT)])
    async def change(self, member: NamedDependency[Principal], slug: FromPath[str], vote: DbId,
                     data: JSONBody[BallotChangeIn]) -> BallotOut:
        """The same ballot id, new choices. Problems: `receipt_not_found` (404), `vote_closed` (409),
        `invalid_ballot` (422)."""
        return await ballots.change_ballot(member, slug, vote, data.receipt, data.choices)

    @post("/{vote:int}/receipt", summary="Look up the ballot a receipt belongs to", operation_id="find_ballot",
          guards=[rate_limit_guard(BALLOTS_PER_CLIENT)], status_code=200)
    async def receipt(self, viewer: NamedDependency[Principal | None], slug: FromPath[str], vote: DbId,
                      data: JSONBody[ReceiptIn]) -> BallotOut:
        """The receipt is the key (no sign-in needed). Problems: `receipt_not_found` (404)."""
        return await ballots.ballot_by_receipt(viewer, slug, vote, data.receipt)

    @get("/{vote:int}/results", summary="The results: every ballot, the totals, turnout, the jury",
         operation_id="get_vote_results")
    async def results(self, viewer: NamedDependency[Principal | None], slug: FromPath[str], vote: DbId) -> ResultsOut:
        """After closing, for whoever may see the wall. Problems: `vote_not_closed` (409)."""
        return await results.vote_results(viewer, slug, vote)


class JuryController(Controller):
    """The optional jury: criteria and weights published in advance, jurors appointed by the organiser, their scores
    shown by name with the results."""

    path = "/api/v1/events/{slug:str}/ideas/jury"
    tags = ["ideas"]
    cache_control = NO_STORE

    @get("/", summary="The jury: criteria, weights, the jury's share of the final score, the jurors",
         operation_id="get_jury")
    async def show(self, viewer: NamedDependency[Principal | None], slug: FromPath[str]) -> JuryOut:
        return await jury.jury(viewer, slug)

    @post("/jurors", summary="Appoint a juror by their confirmed e-mail address (the event's organiser)",
          operation_id="appoint_juror", guards=[requires_member])
    async def appoint(self, member: NamedDependency[Principal], slug: FromPath[str],
                      data: JSONBody[JurorIn]) -> JuryOut:
        """Problems: `juror_not_a_member` (422)."""
        return await jury.appoint_juror(member, slug, data.email)

    @delete("/jurors/{juror:int}", summary="Remove a juror who has not scored (the event's organiser)",
            operation_id="remove_juror", guards=[requires_member], status_code=200)
    async def remove(self, member: NamedDependency[Principal], slug: FromPath[str], juror: DbId) -> JuryOut:
        """Problems: `juror_not_found` (404), `juror_has_scored` (409)."""
        return await jury.remove_juror(member, slug, juror)

    @get("/scores", summary="Your scores as a juror", operation_id="get_my_jury_scores", guards=[requires_member])
    async def my_scores(self, member: NamedDependency[Principal], slug: FromPath[str]) -> MyScoresOut:
        """Problems: `not_a_juror` (403)."""
        return await jury.my_scores(member, slug)

    @put("/scores", summary="Give or change scores (0–10 per criterion and idea)", operation_id="score_ideas",
         guards=[requires_member, rate_limit_guard(IDEA_WRITES_PER_CLIENT)])
    async def score(self, member: NamedDependency[Principal], slug: FromPath[str], data: JSONBody[ScoresIn]
                    ) -> MyScoresOut:
        """Until a vote holding the idea closes. Problems: `not_a_juror` (403), `idea_result_published` (409),
        `invalid_jury_score` (422)."""
        items = [jury.Score(idea=s.idea, criterion=s.criterion, score=s.score) for s in data.scores]
        return await jury.score_ideas(member, slug, items)


ROUTERS = [IdeaController, IdeaSettingsController, VoteController, JuryController]
