"""HTTP API for theme rankings and breakout groups: thin controllers over pairing's use cases."""

from __future__ import annotations

from litestar import Controller, delete, get, post, put
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from core.auth import requires_facilitator, requires_member
from core.params import DbId
from core.principal import Principal
from core.ratelimit import Limit, rate_limit_guard
from pairing import board, plans, publish, rankings, regroup
from pairing.schemas import (
    GenerateIn,
    MoveIn,
    MyBreakoutsOut,
    PinIn,
    PlanOut,
    RankingFiguresOut,
    RankingIn,
    RankingOut,
    RegenerateIn,
    RegroupIn,
    RegroupOut,
    RegroupPublishIn,
    RoomsIn,
    SwapIn,
)

# Names, organisations and group choices are personal data: never in a shared cache.
NO_STORE = CacheControlHeader(no_store=True)
# Ticket codes carry 80 random bits, so guessing is hopeless anyway; the limit keeps anyone from trying.
TICKET_CODE_PER_CLIENT = Limit("ticket_code_ranking", 60, 10 * 60)


class EventRankingController(Controller):
    path = "/api/v1/events/{slug:str}"
    tags = ["breakouts"]

    @put("/ranking", summary="Rank the event's themes (you as ticket holder)", operation_id="rank_themes",
         guards=[requires_member], cache_control=NO_STORE)
    async def rank(self, member: NamedDependency[Principal], slug: FromPath[str],
                   data: JSONBody[RankingIn]) -> RankingOut:
        """As the ticket holder whose e-mail is your account's (buyer or companion). A permutation or prefix of
        the theme keys; `[]` means no preference. Problems: `invalid_ranking` (422, names the field),
        `no_ticket` (403)."""
        return await rankings.rank_themes_as_member(member, slug, data.themes)

    @get("/ranking", summary="Your ranking of the event's themes", operation_id="get_my_ranking",
         guards=[requires_member], cache_control=NO_STORE)
    async def my_ranking(self, member: NamedDependency[Principal], slug: FromPath[str]) -> RankingOut:
        return await rankings.ranking_of_member(member, slug)

    @get("/themes/ranking", summary="The community's theme priorities (public, no personal data)",
         operation_id="theme_ranking_figures")
    async def figures(self, viewer: NamedDependency[Principal | None], slug: FromPath[str]) -> RankingFiguresOut:
        """Per theme: how many ranked it 1st, 2nd and 3rd, and its Borda score; plus how many ticket holders
        never ranked (they get a neutral default in grouping)."""
        return await rankings.ranking_figures(slug, viewer)

    @get("/my-breakout", summary="Your published breakout group per round", operation_id="get_my_breakout",
         guards=[requires_member], cache_control=NO_STORE)
    async def my_breakout(self, member: NamedDependency[Principal], slug: FromPath[str]) -> MyBreakoutsOut:
        """Problems: `no_ticket` (403), `plan_not_published` (404) until the facilitator publishes."""
        return await publish.my_breakouts(member, slug)


class TicketRankingController(Controller):
    """For companions without an account: the code printed on their ticket is the key (a bearer secret)."""

    path = "/api/v1/tickets/{code:str}/ranking"
    tags = ["breakouts"]
    guards = [rate_limit_guard(TICKET_CODE_PER_CLIENT)]

    @put("/", summary="Rank the themes with your ticket code", operation_id="rank_themes_with_ticket",
         cache_control=NO_STORE)
    async def rank(self, code: FromPath[str], data: JSONBody[RankingIn]) -> RankingOut:
        """Problems: `ticket_not_found` (404), `invalid_ranking` (422)."""
        return await rankings.rank_themes_with_ticket(code, data.themes)

    @get("/", summary="The ranking stored for this ticket", operation_id="get_ticket_ranking", cache_control=NO_STORE)
    async def show(self, code: FromPath[str]) -> RankingOut:
        return await rankings.ranking_of_ticket(code)


class MyBreakoutsController(Controller):
    path = "/api/v1/me/breakouts"
    tags = ["breakouts"]
    guards = [requires_member]

    @get("/", summary="Your published breakout group per round of an event", operation_id="list_my_breakouts",
         cache_control=NO_STORE)
    async def mine(self, member: NamedDependency[Principal], event: FromQuery[str]) -> MyBreakoutsOut:
        return await publish.my_breakouts(member, event)


class BreakoutController(Controller):
    """The facilitator's board: facilitators (any event) and the event's own organiser."""

    path = "/api/v1/events/{slug:str}/breakouts"
    tags = ["breakouts"]
    guards = [requires_facilitator]
    cache_control = NO_STORE

    @get("/", summary="The current plan: groups, pins and the quality report", operation_id="get_breakout_plan")
    async def show(self, member: NamedDependency[Principal], slug: FromPath[str]) -> PlanOut:
        """Problems: `plan_not_found` (404) before the first generate."""
        return await board.plan_view(member, slug)

    @post("/generate", summary="Generate the plan (a draft) from scratch", operation_id="generate_breakouts",
          status_code=200)
    async def generate(self, member: NamedDependency[Principal], slug: FromPath[str],
                       data: JSONBody[GenerateIn]) -> PlanOut:
        """Rounds default to the agenda's breakout rounds; pins already set are honoured. The report lists
        preferences per round, diversity against its proven bound, every hard-rule violation with its
        explanation, and why a rule cannot hold at all (infeasibility). Problems: `no_breakout_rounds` (422)."""
        settings = plans.BreakoutSettings(rounds=data.rounds, min_size=data.min_size, max_size=data.max_size,
                                          duo_policy=data.duo_policy, mode=data.mode, seed=data.seed)
        return await plans.generate_plan(member, slug, settings)

    @post("/regenerate", summary="Generate again, keeping pins and starting from the current plan",
          operation_id="regenerate_breakouts", status_code=200)
    async def regenerate(self, member: NamedDependency[Principal], slug: FromPath[str],
                         data: JSONBody[RegenerateIn | None] = None) -> PlanOut:
        seed = data.seed if data is not None else None
        return await plans.regenerate_plan(member, slug, seed)

    @post("/move", summary="Move one person to a theme and group for a round", operation_id="move_attendee",
          status_code=200)
    async def move(self, member: NamedDependency[Principal], slug: FromPath[str], data: JSONBody[MoveIn]) -> PlanOut:
        """A new group number opens a new group. A move that breaks a hard rule is carried out and flagged
        in the recomputed report: the facilitator decides."""
        return await board.move_attendee(member, slug, data.attendee, data.round, data.theme, data.group)

    @post("/swap", summary="Swap the groups of two people in a round", operation_id="swap_attendees",
          status_code=200)
    async def swap(self, member: NamedDependency[Principal], slug: FromPath[str], data: JSONBody[SwapIn]) -> PlanOut:
        return await board.swap_attendees(member, slug, data.attendee, data.other, data.round)

    @post("/pins", summary="Pin a person to a theme (and group) in a round", operation_id="pin_attendee",
          status_code=200)
    async def pin(self, member: NamedDependency[Principal], slug: FromPath[str], data: JSONBody[PinIn]) -> PlanOut:
        return await board.pin_attendee(member, slug, data.attendee, data.round, data.theme, data.group)

    @delete("/pins/{attendee:int}/{round_number:int}", summary="Remove a pin", operation_id="unpin_attendee",
            status_code=200)
    async def unpin(self, member: NamedDependency[Principal], slug: FromPath[str], attendee: DbId,
                    round_number: FromPath[int]) -> PlanOut:
        """Problems: `pin_not_found` (404)."""
        return await board.unpin_attendee(member, slug, attendee, round_number)

    @put("/rooms", summary="Assign rooms to groups", operation_id="assign_breakout_rooms")
    async def rooms(self, member: NamedDependency[Principal], slug: FromPath[str], data: JSONBody[RoomsIn]) -> PlanOut:
        """Each item names a theme and group number, and a round (or none: that group number in every round)."""
        items = [board.RoomAssignment(theme=r.theme, group=r.group, room=r.room, round=r.round) for r in data.rooms]
        return await board.assign_rooms(member, slug, items)

    @post("/regroup/preview", summary="Who would move if the groups followed who came (nothing is stored)",
          operation_id="preview_regroup", status_code=200)
    async def regroup_preview(self, member: NamedDependency[Principal], slug: FromPath[str],
                              data: JSONBody[RegroupIn | None] = None) -> RegroupOut:
        """From `from_round` on (default: the first breakout round that has not started), the published groups for
        the people checked in at the door: everyone present keeps their group unless a rule or a no-show forces a
        move; no-shows leave; late arrivals join a group with room without moving anyone. Every move with its
        reason, and the report for the people present. Problems: `plan_not_published` (404),
        `nobody_checked_in` (409)."""
        return await regroup.preview_regroup(member, slug, data.from_round if data else None)

    @post("/regroup/publish", summary="Publish the update exactly as previewed (and mail whoever moved)",
          operation_id="publish_regroup", status_code=200)
    async def regroup_publish(self, member: NamedDependency[Principal], slug: FromPath[str],
                              data: JSONBody[RegroupPublishIn]) -> PlanOut:
        """With the preview's `fingerprint`: `regroup_changed` (409) when someone came in or was undone since, so
        nothing is published that the facilitator did not see. Calendar items change only for people whose group
        changed (SEQUENCE bumped); each person present who moved is mailed their groups."""
        return await regroup.publish_regroup(member, slug, data.fingerprint, data.from_round)

    @post("/publish", summary="Publish the plan to the attendees (and their calendar feeds), and mail them",
          operation_id="publish_breakouts", status_code=200)
    async def publish(self, member: NamedDependency[Principal], slug: FromPath[str]) -> PlanOut:
        """Re-publishing keeps group ids, and changes a person's calendar item only when their group or room
        changed. Each person whose groups are new or changed (everyone, the first time) gets one short mail with
        their groups, rooms and times."""
        return await publish.publish_plan(member, slug)


ROUTERS = [EventRankingController, TicketRankingController, MyBreakoutsController, BreakoutController]
