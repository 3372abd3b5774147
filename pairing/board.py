"""The facilitator's board: the plan as they see it (every group with its people, the pins and the quality
report), and their edits of the draft — move, swap, pin, unpin, rooms. Every edit answers with the plan again.

Moves keep group ids (the groups' identities); a move that breaks a hard rule is carried out and flagged in the
report: the facilitator decides. Attendees see none of this until `pairing.publish.publish_plan`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import anyio

from core.db import as_utc, utcnow, write_transaction
from core.errors import InvalidInput
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from pairing import grouping
from pairing.access import EventRef, event_themes, planned_event
from pairing.context import EventContext, grouping_input, load_context
from pairing.errors import InvalidBreakoutRequest, PinNotFound
from pairing.holders import ticket_holders
from pairing.schemas import (
    GroupMemberOut,
    GroupOut,
    PersonRef,
    PinOut,
    PlanOut,
    PlanSettingsOut,
    ReportOut,
    RoundOut,
    RoundPreferencesOut,
    ViolationOut,
)
from pairing.store import Draft, existing_plan, json_list, lock_plan, mark_changed, plan_pins, read_draft
from pairing.tables import BreakoutGroup, BreakoutPin, BreakoutPlacement

MAX_GROUP_NUMBER = 999


# --------------------------------------------------------------------------- the plan as the facilitator sees it


def report_view(report: grouping.Report, names: Mapping[int, str]) -> ReportOut:
    # The engine's figures may be numpy numbers: the response holds plain ones.
    return ReportOut(
        hard_violations=int(report.hard_violations),
        violation_counts={str(rule): int(n) for rule, n in report.violation_counts},
        violations=[
            ViolationOut(
                rule=str(v.rule),
                explanation=v.explanation,
                round=v.round_index + 1 if v.round_index is not None else None,
                theme=v.theme,
                group=v.group_number,
                attendees=[PersonRef(id=a, name=names.get(a, "")) for a in v.attendee_ids],
            )
            for v in report.violations
        ],
        preferences=[
            RoundPreferencesOut(round=p.round_index + 1, first=int(p.first), second=int(p.second),
                                third=int(p.third), other=int(p.other), neutral=int(p.neutral),
                                as_planned=int(p.as_planned))
            for p in report.preferences
        ],
        diversity=float(round(report.diversity, 3)),
        diversity_bound=float(round(report.diversity_bound, 3)),
        gap_percent=float(round(report.gap_percent, 3)),
        bound_without_rules=float(round(report.bound_without_rules, 3)),
        bound_with_sizes=float(round(report.bound_with_sizes, 3)),
        bound_method=str(report.bound_method),
        optimal=bool(report.optimal),
        infeasibility=list(report.infeasibility),
    )


def _person(ctx: EventContext, attendee_id: int) -> GroupMemberOut:
    holder = ctx.holders.get(attendee_id)
    if holder is None:  # the place was voided or refunded after the plan was made
        return GroupMemberOut(id=attendee_id, name="", role="", experience_level=None, industry="",
                              organisation="", duo_partner=None, has_ticket=False)
    return GroupMemberOut(id=attendee_id, name=holder.name, role=holder.role,
                          experience_level=ctx.experience[attendee_id], industry=ctx.industry[attendee_id],
                          organisation=ctx.organisation[attendee_id], duo_partner=ctx.partner.get(attendee_id),
                          has_ticket=True)


def _round(ctx: EventContext, round_number: int, groups: list[GroupOut]) -> RoundOut:
    session = ctx.sessions.get((ctx.event.id, round_number))
    if session is None:
        return RoundOut(round=round_number, starts_at=None, ends_at=None, session_id=None, groups=groups)
    return RoundOut(round=round_number, starts_at=as_utc(session["starts_at"]), ends_at=as_utc(session["ends_at"]),
                    session_id=session["id"], groups=groups)


async def _evaluate(ctx: EventContext, plan: Mapping[str, Any], pins: Sequence[Mapping[str, Any]],
                    draft: Draft) -> grouping.Report:
    inp = grouping_input(ctx, plan, pins)
    stored = tuple(json_list(plan["infeasibility"]))

    def run() -> grouping.Report:
        fresh = grouping.check_feasibility(inp)
        return grouping.evaluate(inp, draft.assignment(), fresh + tuple(s for s in stored if s not in fresh))

    return await anyio.to_thread.run_sync(run)


async def plan_view(actor: Principal, slug: str) -> PlanOut:
    """The current draft with every group, its members (no e-mail, no birth date), pins and the report."""
    event = await planned_event(actor, slug)
    plan = await existing_plan(event.id)
    ctx = await load_context(event)
    pins = await plan_pins(plan["id"])
    draft = await read_draft(plan["id"])
    report = await _evaluate(ctx, plan, pins, draft)
    titles = ctx.theme_titles
    people = {a: _person(ctx, a) for members in draft.members.values() for a in members}
    by_round: dict[int, list[GroupOut]] = defaultdict(list)
    for gid, g in sorted(draft.groups.items(), key=lambda kv: (kv[1]["theme_key"], kv[1]["number"], kv[0])):
        members = sorted(draft.members.get(gid, ()))
        by_round[g["round_number"]].append(GroupOut(
            id=gid, theme=g["theme_key"], theme_title=titles.get(g["theme_key"], g["theme_key"]),
            number=g["number"], room=g["room"], size=len(members), members=[people[a] for a in members],
        ))
    order = {key: i for i, key in enumerate(ctx.theme_keys)}
    placed = {a for a, _ in draft.placement}
    names = {a: p.name for a, p in people.items()}
    names.update({h.id: h.name for h in ctx.holders.values()})
    return PlanOut(
        event=event.slug,
        status=plan["status"],
        changed_since_publish=bool(plan["changed_since_publish"]),
        generated_at=as_utc(plan["generated_at"]),
        updated_at=as_utc(plan["updated_at"]),
        published_at=as_utc(plan["published_at"]),
        settings=PlanSettingsOut(rounds=plan["rounds"], min_size=plan["min_size"], max_size=plan["max_size"],
                                 duo_policy=plan["duo_policy"], mode=plan["preference_mode"], seed=plan["seed"]),
        ticket_holders=len(ctx.holders),
        unplaced=[_person(ctx, h) for h in sorted(set(ctx.holders) - placed)],
        rounds=[
            _round(ctx, r, sorted(by_round.get(r, []), key=lambda g: (order.get(g.theme, len(order)), g.number)))
            for r in range(1, plan["rounds"] + 1)
        ],
        pins=[PinOut(attendee=p["attendee"], round=p["round_number"], theme=p["theme_key"], group=p["group_number"])
              for p in pins],
        report=report_view(report, names),
    )


# --------------------------------------------------------------------------- edits by the facilitator


def _check_slot(plan: Mapping[str, Any], theme_keys: Sequence[str], round_number: int, theme: str | None,
                group: int | None) -> None:
    if not 1 <= round_number <= plan["rounds"]:
        raise InvalidBreakoutRequest(_l("Dit plan heeft ronde 1 tot %(rounds)s.", rounds=plan["rounds"]), field="round")
    if theme is not None and theme not in theme_keys:
        raise InvalidBreakoutRequest(_l("Onbekend thema '%(theme)s'.", theme=theme), field="theme")
    if group is not None and not 1 <= group <= MAX_GROUP_NUMBER:
        raise InvalidBreakoutRequest(_l("Groepsnummers lopen van 1 tot %(max_group)s.", max_group=MAX_GROUP_NUMBER),
                                     field="group")


async def edit_context(actor: Principal, slug: str) -> tuple[EventRef, dict[str, Any], list[str]]:
    """What every change of a plan starts from: the event (once `planned_event` let the actor in), its existing
    plan and its theme keys."""
    event = await planned_event(actor, slug)
    plan = await existing_plan(event.id)
    return event, plan, [t.key for t in await event_themes(event.id)]


async def _group_at(plan_id: int, round_number: int, theme: str, number: int, now: datetime, *,
                    create: bool) -> int | None:
    row = await BreakoutGroup.select(BreakoutGroup.id).where(
        (BreakoutGroup.plan == plan_id) & (BreakoutGroup.round_number == round_number)
        & (BreakoutGroup.theme_key == theme) & (BreakoutGroup.number == number)
        & (BreakoutGroup.active.eq(True))
    ).first()
    if row is not None:
        return int(row["id"])
    if not create:
        return None
    inserted = await BreakoutGroup.insert(BreakoutGroup(
        plan=plan_id, round_number=round_number, theme_key=theme, number=number, room="", active=True,
        created_at=now, updated_at=now,
    )).returning(BreakoutGroup.id)
    return int(inserted[0]["id"])


async def _retire_if_empty(group_ids: Iterable[int], now: datetime) -> None:
    for gid in set(group_ids):
        if not await BreakoutPlacement.exists().where(BreakoutPlacement.breakout_group == gid):
            await BreakoutGroup.update({BreakoutGroup.active: False, BreakoutGroup.updated_at: now}).where(
                BreakoutGroup.id == gid
            )


async def move_attendee(actor: Principal, slug: str, attendee_id: int, round_number: int, theme: str,
                        group_number: int) -> PlanOut:
    """Put one person in (theme, group) for a round — a new group number opens a new group. A move that breaks
    a hard rule is allowed: the report flags it and the facilitator decides."""
    event, plan, theme_keys = await edit_context(actor, slug)
    _check_slot(plan, theme_keys, round_number, theme, group_number)
    now = utcnow()
    async with write_transaction():
        await lock_plan(plan["id"])
        current = await BreakoutPlacement.select(BreakoutPlacement.id, BreakoutPlacement.breakout_group).where(
            (BreakoutPlacement.plan == plan["id"]) & (BreakoutPlacement.attendee == attendee_id)
            & (BreakoutPlacement.round_number == round_number)
        ).first()
        if current is None and attendee_id not in {h.id for h in await ticket_holders(event_id=event.id)}:
            raise InvalidBreakoutRequest(_l("Deze persoon heeft geen ticket voor dit evenement."), field="attendee")
        target = await _group_at(plan["id"], round_number, theme, group_number, now, create=True)
        if current is None:
            await BreakoutPlacement.insert(BreakoutPlacement(plan=plan["id"], attendee=attendee_id,
                                                             round_number=round_number, breakout_group=target))
        elif current["breakout_group"] != target:
            await BreakoutPlacement.update({BreakoutPlacement.breakout_group: target}).where(
                BreakoutPlacement.id == current["id"]
            )
            await _retire_if_empty([current["breakout_group"]], now)
        await mark_changed(plan, now)
    return await plan_view(actor, slug)


async def swap_attendees(actor: Principal, slug: str, first: int, second: int, round_number: int) -> PlanOut:
    """Exchange the groups of two people in one round (group sizes stay the same)."""
    _, plan, theme_keys = await edit_context(actor, slug)
    _check_slot(plan, theme_keys, round_number, None, None)
    if first == second:
        raise InvalidBreakoutRequest(_l("Kies twee verschillende mensen."), field="other")
    now = utcnow()
    async with write_transaction():
        await lock_plan(plan["id"])
        rows = {r["attendee"]: r for r in await BreakoutPlacement.select().where(
            (BreakoutPlacement.plan == plan["id"]) & (BreakoutPlacement.round_number == round_number)
            & BreakoutPlacement.attendee.is_in([first, second])
        )}
        for field, who in (("attendee", first), ("other", second)):
            if who not in rows:
                raise InvalidBreakoutRequest(_l("Deelnemer %(attendee)s heeft geen groep in ronde %(round)s.",
                                                attendee=who, round=round_number),
                                             field=field)
        a, b = rows[first], rows[second]
        if a["breakout_group"] != b["breakout_group"]:
            await BreakoutPlacement.update({BreakoutPlacement.breakout_group: b["breakout_group"]}).where(
                BreakoutPlacement.id == a["id"])
            await BreakoutPlacement.update({BreakoutPlacement.breakout_group: a["breakout_group"]}).where(
                BreakoutPlacement.id == b["id"])
            await mark_changed(plan, now)
    return await plan_view(actor, slug)


async def pin_attendee(actor: Principal, slug: str, attendee_id: int, round_number: int, theme: str,
                       group_number: int | None) -> PlanOut:
    """Fix a person to a theme (and group) in a round. Generate and regenerate always honour pins; until then
    the report flags a pin the draft does not meet."""
    event, plan, theme_keys = await edit_context(actor, slug)
    _check_slot(plan, theme_keys, round_number, theme, group_number)
    if attendee_id not in {h.id for h in await ticket_holders(event_id=event.id)}:
        raise InvalidBreakoutRequest(_l("Deze persoon heeft geen ticket voor dit evenement."), field="attendee")
    now = utcnow()
    async with write_transaction():
        await lock_plan(plan["id"])
        await BreakoutPin.delete().where((BreakoutPin.plan == plan["id"]) & (BreakoutPin.attendee == attendee_id)
                                         & (BreakoutPin.round_number == round_number))
        await BreakoutPin.insert(BreakoutPin(plan=plan["id"], attendee=attendee_id, round_number=round_number,
                                             theme_key=theme, group_number=group_number, created_by=actor.id,
                                             created_at=now))
    return await plan_view(actor, slug)


async def unpin_attendee(actor: Principal, slug: str, attendee_id: int, round_number: int) -> PlanOut:
    _, plan, _ = await edit_context(actor, slug)
    gone = await BreakoutPin.delete().where(
        (BreakoutPin.plan == plan["id"]) & (BreakoutPin.attendee == attendee_id)
        & (BreakoutPin.round_number == round_number)
    ).returning(BreakoutPin.id)
    if not gone:
        raise PinNotFound(_l("Deelnemer %(attendee)s is in ronde %(round)s niet vastgezet.", attendee=attendee_id,
                             round=round_number))
    return await plan_view(actor, slug)


@dataclass(frozen=True, slots=True)
class RoomAssignment:
    theme: str
    group: int
    room: str
    round: int | None = None  # None: this theme and group number in every round


async def assign_rooms(actor: Principal, slug: str, rooms: Sequence[RoomAssignment]) -> PlanOut:
    _, plan, theme_keys = await edit_context(actor, slug)
    now = utcnow()
    async with write_transaction():
        await lock_plan(plan["id"])
        changed = False
        for i, item in enumerate(rooms):
            try:
                _check_slot(plan, theme_keys, item.round or 1, item.theme, item.group)
            except InvalidInput as exc:
                raise InvalidBreakoutRequest(exc.message, field=f"rooms[{i}].{exc.field}") from exc
            room = " ".join(item.room.split())
            if len(room) > 120:
                raise InvalidBreakoutRequest(_l("Hoogstens 120 tekens."), field=f"rooms[{i}].room")
            where = ((BreakoutGroup.plan == plan["id"]) & (BreakoutGroup.theme_key == item.theme)
                     & (BreakoutGroup.number == item.group) & (BreakoutGroup.active.eq(True)))
            if item.round is not None:
                where &= BreakoutGroup.round_number == item.round
            hit = await BreakoutGroup.select(BreakoutGroup.id, BreakoutGroup.room).where(where)
            if not hit:
                where = _l("ronde %(round)s", round=item.round) if item.round else _l("geen enkele ronde")
                raise InvalidBreakoutRequest(_l("Groep %(theme)s #%(group)s bestaat niet in %(where)s.",
                                                theme=item.theme, group=item.group, where=where),
                                             field=f"rooms[{i}]")
            ids = [r["id"] for r in hit if r["room"] != room]
            if ids:
                changed = True
                await BreakoutGroup.update({BreakoutGroup.room: room, BreakoutGroup.updated_at: now}).where(
                    BreakoutGroup.id.is_in(ids))
        if changed:
            await mark_changed(plan, now)
    return await plan_view(actor, slug)
