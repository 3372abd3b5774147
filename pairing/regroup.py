"""Breakout groups that follow who came: "Groepen bijwerken voor wie er is" on the facilitator's board.

Before a round starts, the facilitator asks what would change for the people present (checked in at the door, or
marked present by hand there): `preview_regroup` runs the pure engine (`pairing.grouping.regroup_for_attendance`)
on the *published* groups — what people were told — and lists every move with its reason, the no-shows and the
late arrivals, with the quality report for the people present. Nothing is stored. `publish_regroup` computes it
again and publishes it only when it is still exactly what was previewed (the preview's fingerprint; someone who
came in meanwhile changes it, and the facilitator looks again): the draft becomes the update (group ids and rooms
kept), it is published (Mijn agenda and the calendar feeds, SEQUENCE bumped only for people whose group changed),
and each person present who moved gets a short mail with their groups now.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import anyio

from checkin.presence import present_places
from core.db import as_utc, utcnow, write_transaction
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from pairing import grouping
from pairing.access import EventRef
from pairing.board import edit_context, report_view
from pairing.context import EventContext, grouping_input, load_context
from pairing.errors import InvalidBreakoutRequest, NobodyCheckedIn, PlanNotPublished, RegroupChanged
from pairing.plans import store_assignment
from pairing.publish import publish_plan
from pairing.schemas import GroupRef, PersonRef, PlanOut, RegroupMoveOut, RegroupOut
from pairing.store import lock_plan, mark_changed, plan_pins
from pairing.tables import BreakoutPlan, PublishedBreakout
from ticketing import state

MOVED_MAIL = "breakout_moved"  # composed by pairing.mail when it is sent


@dataclass(frozen=True, slots=True)
class _Update:
    event: EventRef
    plan: dict[str, Any]
    ctx: EventContext
    from_round: int
    present: frozenset[int]
    published: grouping.Assignment
    rooms: dict[tuple[int, str, int], str]  # (round, theme, number) → room, as published
    result: grouping.Regrouping


def first_round_to_update(starts: Mapping[int, datetime | None], rounds: int, now: datetime) -> int:
    """The first breakout round (1-based) that has not started: a round under way keeps its groups. A round without
    a time in the agenda counts as not started; when every round has started, the last one."""
    for number in range(1, rounds + 1):
        start = starts.get(number)
        if start is None or start > now:
            return number
    return rounds


def _published_assignment(rows: list[dict[str, Any]]) -> tuple[grouping.Assignment, dict[tuple[int, str, int], str]]:
    members: dict[tuple[int, str, int], list[int]] = {}
    rooms: dict[tuple[int, str, int], str] = {}
    for row in rows:
        key = (row["round_number"], row["theme_key"], row["group_number"])
        members.setdefault(key, []).append(row["attendee"])
        rooms[key] = row["room"]
    groups = tuple(grouping.Group(r - 1, theme, number, tuple(sorted(people)))
                   for (r, theme, number), people in sorted(members.items()))
    return grouping.Assignment(groups), rooms


async def _compute(actor: Principal, slug: str, from_round: int | None, now: datetime) -> _Update:
    event, plan, _ = await edit_context(actor, slug)
    if plan["published_at"] is None:
        raise PlanNotPublished(_l("Publiceer de groepen eerst: bijwerken gaat uit van wat de deelnemers kregen."))
    rows = await PublishedBreakout.select().where(PublishedBreakout.plan == plan["id"])
    published, rooms = _published_assignment(rows)
    present = await present_places(event.id)
    if not present:
        raise NobodyCheckedIn(_l("Er is nog niemand ingecheckt: bijwerken zou iedereen uit de groepen halen."))
    ctx = await load_context(event)
    starts = {number: as_utc(s["starts_at"]) for (event_id, number), s in ctx.sessions.items()
              if event_id == event.id}
    first = from_round if from_round is not None else first_round_to_update(starts, plan["rounds"], now)
    if not 1 <= first <= plan["rounds"]:
        rounds = plan["rounds"]
        raise InvalidBreakoutRequest(_l("Kies een ronde van 1 tot %(rounds)s.", rounds=rounds), field="from_round")
    inp = grouping_input(ctx, plan, await plan_pins(plan["id"]))
    result = await anyio.to_thread.run_sync(grouping.regroup_for_attendance, inp, published, present, first - 1)
    return _Update(event, plan, ctx, first, present, published, rooms, result)


def _fingerprint(update: _Update) -> str:
    """The update as the facilitator saw it: the round it starts from and every group of the rounds it changes."""
    groups = sorted((g.round_index, g.theme, g.number, g.members) for g in update.result.assignment.groups
                    if g.round_index >= update.from_round - 1)
    text = json.dumps([update.from_round, groups], separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _view(update: _Update) -> RegroupOut:
    ctx = update.ctx
    titles = ctx.theme_titles

    def name(a: int) -> str:
        holder = ctx.holders.get(a)
        return holder.name if holder else ""

    def ref(round_number: int, slot: tuple[str, int]) -> GroupRef:
        theme, number = slot
        return GroupRef(theme=theme, theme_title=titles.get(theme, theme), number=number,
                        room=update.rooms.get((round_number, theme, number), ""))

    result = update.result
    planned = {a for g in update.published.groups if g.round_index >= update.from_round - 1 for a in g.members}
    moves = [RegroupMoveOut(attendee=m.attendee_id, name=name(m.attendee_id), round=m.round_index + 1,
                            before=ref(m.round_index + 1, m.before) if m.before else None,
                            after=ref(m.round_index + 1, m.after), reason=str(m.reason))
             for m in sorted(result.moves, key=lambda m: (m.round_index, name(m.attendee_id), m.attendee_id))]
    late = sorted({m.attendee_id for m in result.moves if m.before is None}, key=lambda a: (name(a), a))
    names = {a: name(a) for a in ctx.holders}
    return RegroupOut(
        event=update.event.slug, from_round=update.from_round, rounds=update.plan["rounds"],
        present=len(update.present & set(ctx.holders)), planned=len(planned),
        no_shows=[PersonRef(id=a, name=name(a)) for a in sorted(result.no_shows, key=lambda a: (name(a), a))],
        late_arrivals=[PersonRef(id=a, name=name(a)) for a in late], moved_people=result.moved_people,
        moves=moves, report=report_view(result.report, names),
        edits_since_publish=bool(update.plan["changed_since_publish"]), fingerprint=_fingerprint(update),
        min_size=update.plan["min_size"], max_size=update.plan["max_size"],
    )


async def preview_regroup(actor: Principal, slug: str, from_round: int | None = None,
                          now: datetime | None = None) -> RegroupOut:
    """Who would move, and why, if the groups from `from_round` on followed the people checked in. Stores nothing."""
    return _view(await _compute(actor, slug, from_round, now or utcnow()))


async def publish_regroup(actor: Principal, slug: str, fingerprint: str, from_round: int | None = None,
                          now: datetime | None = None) -> PlanOut:
    """Publish the update exactly as previewed (else `regroup_changed`): the draft becomes the update, attendees and
    their calendar feeds see it, and everyone present who moved is mailed their groups."""
    now = now or utcnow()
    update = await _compute(actor, slug, from_round, now)
    if _fingerprint(update) != fingerprint:
        raise RegroupChanged(_l("Er is intussen iemand binnengekomen of uitgecheckt: bekijk de wijzigingen opnieuw."))
    plan_id = update.plan["id"]
    async with write_transaction():
        await lock_plan(plan_id)
        await store_assignment(plan_id, update.result.assignment, now)
        await mark_changed(update.plan, now)
    published = await publish_plan(actor, slug, mail=False)  # the people it moved get their own mail below
    moved = sorted({m.attendee_id for m in update.result.moves if m.before is not None})
    count = await BreakoutPlan.select(BreakoutPlan.publish_count).where(BreakoutPlan.id == plan_id).first()
    edition = count["publish_count"] if count else 0
    async with write_transaction():
        for attendee in moved:
            holder = update.ctx.holders.get(attendee)
            if holder is not None:
                await state.enqueue_mail(MOVED_MAIL, holder.order_id, attendee, holder.email,
                                         f"moved:{plan_id}:{attendee}:{edition}", now)
    return published
