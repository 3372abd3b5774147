"""Breakout groups that follow who came (attendance.py): minimal changes, pins, hard rules, every move explained."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pairing.grouping import (
    Assignment,
    Attendee,
    DuoPolicy,
    Group,
    GroupingInput,
    MoveReason,
    Pin,
    Rule,
    SearchBudget,
    generate_breakouts,
    regroup_for_attendance,
)
from pairing.grouping.synthetic import duo_event, synthetic_event

LIGHT = SearchBudget(effort=0.5)
SLOW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _published(size: int, seed: int, duo: bool, policy: DuoPolicy) -> tuple[GroupingInput, Assignment]:
    make = duo_event if duo else synthetic_event
    inp = make(size, seed, duo_policy=policy, budget=LIGHT)
    return inp, generate_breakouts(inp).assignment


def _present_counts(assignment: Assignment, present: set[int], r: int) -> dict[tuple[str, int], int]:
    return {(g.theme, g.number): sum(a in present for a in g.members) for g in assignment.in_round(r)}


@SLOW
@given(size=st.integers(40, 120), seed=st.integers(0, 1000), duo=st.booleans(),
       policy=st.sampled_from(list(DuoPolicy)), absent=st.floats(0.0, 0.35), late=st.integers(0, 6),
       from_round=st.integers(0, 2), pick=st.integers(0, 10_000))
def test_nobody_present_moves_unless_a_no_show_forces_it(
    size: int, seed: int, duo: bool, policy: DuoPolicy, absent: float, late: int, from_round: int, pick: int
) -> None:
    inp, published = _published(size, seed, duo, policy)
    rng = np.random.default_rng(pick)
    ids = [a.id for a in inp.attendees]
    present = set(rng.choice(ids, size=len(ids) - int(absent * len(ids)), replace=False).tolist())
    arrivals = tuple(Attendee(10_000 + k, (inp.themes[k % len(inp.themes)],), k % 5, f"late{k % 3}")
                     for k in range(late))
    inp = replace(inp, attendees=inp.attendees + arrivals)
    present |= {a.id for a in arrivals}
    out = regroup_for_attendance(inp, published, present, from_round)
    # History stays; in the remaining rounds everyone present is in exactly one group, no-show in none.
    assert [g for g in out.assignment.groups if g.round_index < from_round] == \
        [g for g in published.groups if g.round_index < from_round]
    for r in range(from_round, inp.rounds):
        placed = Counter(a for g in out.assignment.in_round(r) for a in g.members)
        assert placed == Counter(present)
    assert set(out.no_shows) == {a for g in published.groups if g.round_index >= from_round
                                 for a in g.members} - present
    before = published.placement()
    after = out.assignment.placement()
    moves = {(m.attendee_id, m.round_index): m for m in out.moves}
    for r in range(from_round, inp.rounds):
        short = {key for key, n in _present_counts(published, present, r).items() if 0 < n < inp.min_size}
        for person in present:
            was, now = before.get((person, r)), after[(person, r)]
            if was is None:
                assert moves[(person, r)].reason is MoveReason.LATE_ARRIVAL
                continue
            if was == now:
                assert (person, r) not in moves
                continue
            # A move of someone who had a group: only into a group no-shows left short, or out of one.
            move = moves[(person, r)]
            assert (move.before, move.after) == (was, now)
            if move.reason is MoveReason.FILLS_GROUP:
                assert now in short
            else:
                assert move.reason is MoveReason.GROUP_DISSOLVED
                assert was in short
        if not short:  # no hole: late arrivals join groups with room and nobody else moves
            assert all(m.before is None for m in out.moves if m.round_index == r)
    # The published plan kept the rules; so does the regrouped one, but for sizes that cannot be mended and for a
    # late arrival who meets someone a second time. Nobody present may move to make room, and the plan mixes each
    # round well, so in a small event every group of a later round can hold someone the arrival already met
    # (found under CI=true, where hypothesis derandomizes: size 40, two late arrivals, nobody absent). Two people of
    # the published plan never meet twice.
    assert set(dict(out.report.violation_counts)) <= {Rule.GROUP_SIZE, Rule.MET_BEFORE}
    late_ids = {a.id for a in arrivals}
    for violation in out.report.violations:
        if violation.rule is Rule.MET_BEFORE:
            assert late_ids & set(violation.attendee_ids), violation.explanation
    assert regroup_for_attendance(inp, published, present, from_round) == out  # deterministic


def test_a_hole_is_filled_or_dissolved_whichever_moves_fewer_people() -> None:
    """Three groups of five, groups of 4 to 6. Two of the third group stay home: one person from a group of
    five fills the hole (one move; dissolving would move three). Four stay home: the one left joins another
    group (one move; filling would need three people the other groups cannot spare)."""
    people = tuple(Attendee(k + 1, ("t",), k % 5, f"i{k % 4}") for k in range(15))
    inp = GroupingInput(people, ("t",), rounds=1, min_size=4, max_size=6)
    published = Assignment(tuple(Group(0, "t", n + 1, tuple(range(5 * n + 1, 5 * n + 6))) for n in range(3)))
    out = regroup_for_attendance(inp, published, set(range(1, 14)))
    assert out.moved_people == 1
    assert [m.reason for m in out.moves] == [MoveReason.FILLS_GROUP]
    assert sorted(len(g.members) for g in out.assignment.groups) == [4, 4, 5]
    assert out.report.hard_violations == 0
    out = regroup_for_attendance(inp, published, set(range(1, 12)))
    assert out.moved_people == 1
    assert [m.reason for m in out.moves] == [MoveReason.GROUP_DISSOLVED]
    assert sorted(len(g.members) for g in out.assignment.groups) == [5, 6]
    assert out.report.hard_violations == 0


def test_pinned_people_stay_and_a_group_holding_one_is_filled_not_dissolved() -> None:
    inp, published = _published(60, 3, False, DuoPolicy.APART)
    group = next(g for g in published.in_round(1) if len(g.members) >= 4)
    keep = group.members[0]
    pinned = replace(inp, pins=(Pin(keep, 1, group.theme, group.number),))
    present = {a.id for a in inp.attendees} - set(group.members[1:])
    out = regroup_for_attendance(pinned, published, present, 1)
    assert out.assignment.placement()[(keep, 1)] == (group.theme, group.number)
    assert all(m.attendee_id != keep for m in out.moves)
    assert Rule.PIN not in dict(out.report.violation_counts)


def test_late_arrivals_join_groups_with_room_in_their_theme_without_moving_anyone() -> None:
    inp, published = _published(90, 4, True, DuoPolicy.APART)
    # Six people stay home (so that groups have room), three arrive who were never in the plan.
    home = {a.id for a in inp.attendees[:6]}
    late = tuple(Attendee(900 + k, (inp.themes[1], inp.themes[0], inp.themes[2]), k, "other") for k in range(3))
    present = {a.id for a in inp.attendees} - home | {a.id for a in late}
    out = regroup_for_attendance(replace(inp, attendees=inp.attendees + late), published, present)
    holes = sum(1 for r in range(inp.rounds) for n in _present_counts(published, present, r).values()
                if 0 < n < inp.min_size)
    if not holes:  # nobody who had a group moves; only the late arrivals are placed
        assert all(m.before is None for m in out.moves)
    assert {m.attendee_id for m in out.moves if m.before is None} == {a.id for a in late}
    assert out.report.hard_violations == 0
    placement = out.assignment.placement()
    people = {a.id: a for a in inp.attendees + late}
    for person in late:  # rotate: round r's planned theme is the r-th choice, unless none of its groups could
        for r in range(3):
            planned = person.ranking[r]
            if placement[(person.id, r)][0] == planned:
                continue
            for group in out.assignment.in_round(r):
                if group.theme != planned:
                    continue
                met = {o for q in range(3) if q != r for g in out.assignment.in_round(q) if person.id in g.members
                       for o in g.members}
                clash = any(people[o].organisation == person.organisation or o in met for o in group.members)
                assert len(group.members) >= inp.max_size or clash


@pytest.mark.parametrize("n", [0, 5])
def test_nobody_present_or_nobody_planned_does_not_crash(n: int) -> None:
    inp = GroupingInput(tuple(Attendee(k + 1, ("t",)) for k in range(n)), ("t",), rounds=1)
    out = regroup_for_attendance(inp, Assignment(()), set(range(1, n + 1)))
    assert sorted(a for g in out.assignment.groups for a in g.members) == list(range(1, n + 1))
    assert all(m.reason is MoveReason.LATE_ARRIVAL for m in out.moves)
