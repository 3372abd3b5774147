"""Generating the draft plan: from scratch with new settings, or again with the plan's own settings (keeping
pins, warm-started from the current draft), and storing what the engine returns.

The engine runs in a worker thread, so a big event never blocks the event loop. Group ids are the groups'
identities: a regenerate matches new groups to the current ones by member overlap per round and theme
(`match_groups`), so a re-publish changes the group (and the calendar SEQUENCE) only of people who really
moved.
"""

from __future__ import annotations

import functools
import json
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import anyio

from core.db import is_unique_violation, utcnow, write_transaction
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from pairing import grouping
from pairing.access import EventRef, planned_event
from pairing.board import plan_view
from pairing.context import grouping_input, load_context
from pairing.errors import InvalidBreakoutRequest, NoBreakoutRounds
from pairing.schemas import PlanOut
from pairing.states import PlanStatus
from pairing.store import existing_plan, find_plan, insert_rows, lock_plan, plan_pins, read_draft
from pairing.tables import BreakoutGroup, BreakoutPin, BreakoutPlacement, BreakoutPlan

MIN_GROUP_SIZE, MAX_GROUP_SIZE = 2, 12
MAX_ROUNDS = 12
# A generate never holds a worker thread longer than this; the engine then returns its best so far.
GENERATE_TIME_LIMIT = 25.0


@dataclass(frozen=True, slots=True)
class BreakoutSettings:
    rounds: int | None = None  # None: the number of breakout rounds in the agenda
    min_size: int = 4
    max_size: int = 6
    duo_policy: str = grouping.DuoPolicy.APART
    mode: str = grouping.PreferenceMode.ROTATE
    seed: int = 0


def _check_settings(settings: BreakoutSettings, agenda_rounds: int) -> dict[str, Any]:
    rounds = settings.rounds if settings.rounds is not None else agenda_rounds
    if rounds == 0:
        raise NoBreakoutRounds(_l("De agenda heeft geen breakoutrondes: geef het aantal rondes op."), field="rounds")
    if not 1 <= rounds <= MAX_ROUNDS:
        raise InvalidBreakoutRequest(_l("Kies 1 tot %(max_rounds)s rondes.", max_rounds=MAX_ROUNDS), field="rounds")
    if not MIN_GROUP_SIZE <= settings.min_size <= MAX_GROUP_SIZE:
        raise InvalidBreakoutRequest(_l("Een groep heeft minstens %(min_size)s en hoogstens %(max_size)s mensen.",
                                        min_size=MIN_GROUP_SIZE, max_size=MAX_GROUP_SIZE), field="min_size")
    if not settings.min_size <= settings.max_size <= MAX_GROUP_SIZE:
        raise InvalidBreakoutRequest(_l("De grootste groep ligt tussen %(min_size)s en %(max_size)s.",
                                        min_size=settings.min_size, max_size=MAX_GROUP_SIZE),
                                     field="max_size")
    if settings.duo_policy not in {p.value for p in grouping.DuoPolicy}:
        raise InvalidBreakoutRequest(_l("Kies apart, together of either."), field="duo_policy")
    if settings.mode not in {m.value for m in grouping.PreferenceMode}:
        raise InvalidBreakoutRequest(_l("Kies rotate of stay."), field="mode")
    if not 0 <= settings.seed < 2**31:
        raise InvalidBreakoutRequest(_l("Het indelingsnummer (seed) is een geheel getal van 0 tot 2³¹."), field="seed")
    return {"rounds": rounds, "min_size": settings.min_size, "max_size": settings.max_size,
            "duo_policy": settings.duo_policy, "preference_mode": settings.mode, "seed": settings.seed}


async def _run_engine(inp: grouping.GroupingInput, previous: grouping.Assignment | None) -> grouping.GroupingResult:
    deadline = time.monotonic() + GENERATE_TIME_LIMIT
    run = functools.partial(grouping.generate_breakouts, inp, previous, out_of_time=lambda: time.monotonic() > deadline)
    return await anyio.to_thread.run_sync(run)


async def generate_plan(actor: Principal, slug: str, settings: BreakoutSettings) -> PlanOut:
    """Generate the draft plan from scratch with these settings (pins already set are kept)."""
    event = await planned_event(actor, slug)
    ctx = await load_context(event)
    values = _check_settings(settings, len({r for (_, r) in ctx.sessions}))
    plan = await find_plan(event.id)
    pins = await plan_pins(plan["id"]) if plan else []
    inp = grouping_input(ctx, values, [p for p in pins if p["round_number"] <= values["rounds"]])
    result = await _run_engine(inp, None)
    await _save_generated(actor, event, values, result)
    return await plan_view(actor, slug)


async def regenerate_plan(actor: Principal, slug: str, seed: int | None = None) -> PlanOut:
    """Generate again with the plan's settings, keeping pins and warm-starting from the current draft."""
    event = await planned_event(actor, slug)
    plan = await existing_plan(event.id)
    ctx = await load_context(event)
    values = {k: plan[k] for k in ("rounds", "min_size", "max_size", "duo_policy", "preference_mode", "seed")}
    if seed is not None:
        values = _check_settings(BreakoutSettings(values["rounds"], values["min_size"], values["max_size"],
                                                  values["duo_policy"], values["preference_mode"], seed), 0)
    inp = grouping_input(ctx, values, await plan_pins(plan["id"]))
    result = await _run_engine(inp, (await read_draft(plan["id"])).assignment())
    await _save_generated(actor, event, values, result)
    return await plan_view(actor, slug)


async def _save_generated(actor: Principal, event: EventRef, values: dict[str, Any],
                          result: grouping.GroupingResult) -> None:
    now = utcnow()
    columns = {getattr(BreakoutPlan, k): v for k, v in values.items()}
    columns.update({
        BreakoutPlan.infeasibility: json.dumps(list(result.report.infeasibility)),
        BreakoutPlan.generated_by: actor.id,
        BreakoutPlan.generated_at: now,
        BreakoutPlan.updated_at: now,
    })
    for attempt in range(2):
        try:
            async with write_transaction():
                plan = await find_plan(event.id)
                if plan is None:
                    plan_id = (await BreakoutPlan.insert(BreakoutPlan(
                        event=event.id, status=PlanStatus.DRAFT, **values, generated_at=now, updated_at=now,
                    )).returning(BreakoutPlan.id))[0]["id"]
                else:
                    plan_id = plan["id"]
                    await lock_plan(plan_id)
                    columns[BreakoutPlan.changed_since_publish] = plan["status"] == PlanStatus.PUBLISHED
                await BreakoutPlan.update(columns).where(BreakoutPlan.id == plan_id)
                # Pins of rounds the new settings no longer have would only ever be flagged: drop them.
                await BreakoutPin.delete().where((BreakoutPin.plan == plan_id)
                                                 & (BreakoutPin.round_number > values["rounds"]))
                await store_assignment(plan_id, result.assignment, now)
            return
        except Exception as exc:
            if attempt or not is_unique_violation(exc):
                raise
            # Another facilitator created the plan at the same moment: store ours over it.


# --------------------------------------------------------------------------- storing a generated draft


def match_groups(old: Mapping[int, frozenset[int]], new: Sequence[frozenset[int]]) -> dict[int, int]:
    """New group index → old group id, pairing the largest member overlaps first (greedy maximum overlap).

    Call it per (round, theme). Groups without any overlap stay unmatched: they are new groups.
    """
    pairs = sorted(
        ((len(members & new[i]), gid, i) for gid, members in old.items() for i in range(len(new))
         if members & new[i]),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    taken_old: set[int] = set()
    out: dict[int, int] = {}
    for _, gid, i in pairs:
        if gid in taken_old or i in out:
            continue
        taken_old.add(gid)
        out[i] = gid
    return out


async def store_assignment(plan_id: int, assignment: grouping.Assignment, now: datetime) -> None:
    """Replace the draft by `assignment`, keeping the id (and room) of every group that lives on."""
    current = await read_draft(plan_id)
    old_by_slot: dict[tuple[int, str], dict[int, frozenset[int]]] = defaultdict(dict)
    for gid, g in current.groups.items():
        old_by_slot[(g["round_number"], g["theme_key"])][gid] = frozenset(current.members.get(gid, ()))
    new_by_slot: dict[tuple[int, str], list[grouping.Group]] = defaultdict(list)
    for group in assignment.groups:
        if group.members:
            new_by_slot[(group.round_index + 1, group.theme)].append(group)
    kept: dict[tuple[int, str, int], int] = {}  # (round, theme, number) → surviving group id
    renumber: list[tuple[int, int]] = []
    for slot, groups in new_by_slot.items():
        matched = match_groups(old_by_slot.get(slot, {}), [frozenset(g.members) for g in groups])
        for i, gid in matched.items():
            kept[(slot[0], slot[1], groups[i].number)] = gid
            if current.groups[gid]["number"] != groups[i].number:
                renumber.append((gid, groups[i].number))
    retired = sorted(set(current.groups) - set(kept.values()))
    fresh = [(plan_id, g.round_index + 1, g.theme, g.number, "", True, now, now)
             for g in assignment.groups
             if g.members and (g.round_index + 1, g.theme, g.number) not in kept]
    await BreakoutPlacement.delete().where(BreakoutPlacement.plan == plan_id)
    if retired:
        await BreakoutGroup.update({BreakoutGroup.active: False, BreakoutGroup.updated_at: now}).where(
            BreakoutGroup.id.is_in(retired)
        )
    for gid, number in renumber:
        await BreakoutGroup.update({BreakoutGroup.number: number, BreakoutGroup.updated_at: now}).where(
            BreakoutGroup.id == gid
        )
    ids = dict(kept)
    inserted = await insert_rows(
        BreakoutGroup, ("plan", "round_number", "theme_key", "number", "room", "active", "created_at", "updated_at"),
        fresh, returning=("id", "round_number", "theme_key", "number"),
    )
    ids.update({(row["round_number"], row["theme_key"], row["number"]): row["id"] for row in inserted})
    placements = [
        (plan_id, a, g.round_index + 1, ids[(g.round_index + 1, g.theme, g.number)])
        for g in assignment.groups if g.members for a in g.members
    ]
    await insert_rows(BreakoutPlacement, ("plan", "attendee", "round_number", "breakout_group"), placements)
