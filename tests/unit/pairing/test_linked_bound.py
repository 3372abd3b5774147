"""The bound that links the rounds (linked.py) against brute force: it must be at least the diversity of
every plan that keeps the rules, on small events where every plan can be listed."""

from __future__ import annotations

from collections import Counter
from itertools import combinations, product

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pairing.grouping import (
    Assignment,
    Attendee,
    BoundMethod,
    DiversityWeights,
    DuoPolicy,
    Group,
    GroupingInput,
    evaluate,
    generate_breakouts,
)
from pairing.grouping.groups import Attributes
from pairing.grouping.layout import rule_keeping_layout
from pairing.grouping.rounds import build_rounds
from pairing.grouping.synthetic import DUO_EVENT_SIZES, duo_event
from pairing.grouping.themes import ThemePlan
from pairing.grouping.tuning import RULE_PENALTY_FACTOR, TABU

THEMES = ("a", "b")


def partitions(items: tuple[int, ...], lo: int, hi: int) -> list[tuple[tuple[int, ...], ...]]:
    """Every split of ``items`` into groups of lo..hi people (test oracle)."""
    if not items:
        return [()]
    first, rest = items[0], items[1:]
    out = []
    for size in range(lo, hi + 1):
        for others in combinations(rest, size - 1):
            left = tuple(x for x in rest if x not in others)
            for tail in partitions(left, lo, hi):
                out.append(((first, *others), *tail))
    return out


def best_plan(inp: GroupingInput, themes_of: dict[tuple[int, int], str]) -> tuple[float, Assignment] | None:
    """The highest diversity of any plan with this theme plan that keeps the rules the bound assumes
    (sizes, colleagues, the duo policy, nobody twice together except partners kept together), and that
    plan; None when no plan keeps them (test oracle: lists every plan)."""
    people = {a.id: a for a in inp.attendees}
    together = inp.duo_policy is DuoPolicy.TOGETHER

    def partner_pair(a: int, b: int) -> bool:
        return people[a].duo_partner == b or people[b].duo_partner == a

    def allowed(a: int, b: int) -> bool:
        if partner_pair(a, b) and inp.duo_policy is not DuoPolicy.EITHER:
            return together  # kept together: they may share even as colleagues; kept apart: never
        pa, pb = people[a], people[b]
        return not (pa.organisation and pa.organisation == pb.organisation)

    def score(group: tuple[int, ...]) -> float:
        w = inp.weights
        return sum(w.experience * abs(people[a].experience - people[b].experience)
                   + w.industry * (people[a].industry != people[b].industry) for a, b in combinations(group, 2))

    options = []
    for r in range(inp.rounds):
        cells = []
        for t in inp.themes:
            members = tuple(sorted(a for a in people if themes_of[(a, r)] == t))
            if members:
                cells.append([[Group(r, t, k + 1, g) for k, g in enumerate(p)]
                              for p in partitions(members, inp.min_size, inp.max_size)
                              if all(allowed(a, b) for g in p for a, b in combinations(g, 2))])
        options.append([[g for cell in choice for g in cell] for choice in product(*cells)])
    best: tuple[float, Assignment] | None = None

    def walk(r: int, met: frozenset[tuple[int, int]], value: float, chosen: tuple[Group, ...]) -> None:
        nonlocal best
        if r == inp.rounds:
            if best is None or value > best[0]:
                best = (value, Assignment(chosen))
            return
        for groups in options[r]:
            pairs = {(a, b) for g in groups for a, b in combinations(g.members, 2)
                     if not (together and partner_pair(a, b))}
            if not pairs & met:
                walk(r + 1, met | pairs, value + sum(score(g.members) for g in groups), (*chosen, *groups))

    walk(0, frozenset(), 0.0, ())
    return best


people_strategy = st.lists(
    st.tuples(st.integers(0, 3), st.sampled_from("xyz"), st.sampled_from(["", "", "o1", "o2"])),
    min_size=4, max_size=7,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=people_strategy,
    rounds=st.integers(2, 3),
    two_themes=st.booleans(),
    sizes=st.sampled_from([(2, 3), (2, 2), (3, 3), (2, 4)]),
    policy=st.sampled_from(list(DuoPolicy)),
    duos=st.integers(0, 2),
    plan_seed=st.integers(0, 10_000),
)
def test_linked_bound_is_at_least_every_rule_keeping_plan(
    data: list[tuple[int, str, str]], rounds: int, two_themes: bool, sizes: tuple[int, int], policy: DuoPolicy,
    duos: int, plan_seed: int,
) -> None:
    n = len(data)
    partner = {}
    for d in range(min(duos, n // 2)):
        partner[2 * d + 1], partner[2 * d + 2] = 2 * d + 2, 2 * d + 1
    attendees = tuple(Attendee(k + 1, (), e, i, o, partner.get(k + 1)) for k, (e, i, o) in enumerate(data))
    themes = THEMES if two_themes else THEMES[:1]
    inp = GroupingInput(attendees, themes, rounds=rounds, min_size=sizes[0], max_size=sizes[1],
                        duo_policy=policy, weights=DiversityWeights(1.0, 2.0))
    # A theme plan: mostly everyone in the same theme, so that people share cells round after round.
    themes_of = {(a.id, r): themes[(a.id * 7 + plan_seed * (r + 1)) % 5 % len(themes)] for a in attendees
                 for r in range(rounds)}
    found = best_plan(inp, themes_of)
    if found is None:
        return  # no plan keeps the rules with this theme plan: nothing to bound
    best, plan = found
    report = evaluate(inp, plan)
    assert report.diversity == pytest.approx(best)
    assert report.bound_method is not BoundMethod.PER_ROUND
    assert report.diversity_bound >= best - 1e-6
    assert report.diversity_bound <= report.bound_with_sizes + 1e-6 <= report.bound_without_rules + 2e-6


def test_the_rounds_link_where_the_same_people_stay_together() -> None:
    """Six people in one theme for two rounds, groups of two or three, two of them colleagues. One round
    alone can score 40 in two groups of three; but two splits of six people into triples always share a pair
    (each new triple takes two people from one old triple), so one round must use three pairs: the linked
    bound drops to 32, and the best plan scores 30."""
    data = [(3, "x", ""), (1, "x", ""), (0, "z", "o1"), (3, "x", "o1"), (1, "z", ""), (2, "y", "")]
    attendees = tuple(Attendee(k + 1, ("a",), e, i, o) for k, (e, i, o) in enumerate(data))
    inp = GroupingInput(attendees, ("a",), rounds=2, min_size=2, max_size=3)
    found = best_plan(inp, {(a.id, r): "a" for a in attendees for r in range(2)})
    assert found is not None
    assert found[0] == 30
    report = evaluate(inp, found[1])
    assert (report.bound_without_rules, report.bound_with_sizes) == (40, 40)
    assert report.bound_method is BoundMethod.LINKED
    assert report.diversity_bound == pytest.approx(32, rel=1e-5)
    assert report.gap_percent == pytest.approx(100 * 2 / 32, rel=1e-4)
    # The engine finds that best plan, and the report does not call it optimal (the bound is 32).
    result = generate_breakouts(inp)
    assert result.report.hard_violations == 0
    assert result.report.diversity == 30
    assert not result.report.optimal


@pytest.mark.parametrize("size", DUO_EVENT_SIZES)
def test_real_shaped_events_keep_the_rules_and_stay_below_the_bound(size: int) -> None:
    inp = duo_event(size, 1)
    report = generate_breakouts(inp).report
    assert report.hard_violations == 0
    assert report.bound_method in (BoundMethod.SIZES, BoundMethod.LINKED)
    assert report.diversity <= report.diversity_bound + 1e-9
    assert report.diversity_bound <= report.bound_with_sizes <= report.bound_without_rules
    assert report.optimal == (report.gap_percent < 1e-9)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_layout_with_given_group_counts_keeps_every_rule(seed: int) -> None:
    """HiGHS lays a plan out with given group counts per (round, theme) (the engine asks for the linked
    bound's): asked for the counts the search itself reached (so a layout exists), it finds one, and that
    one keeps every rule and has exactly those counts."""
    inp = duo_event(40, seed)
    plan = ThemePlan(inp, None)
    attrs = Attributes.of(plan, TABU, RULE_PENALTY_FACTOR, None)
    searched = build_rounds(attrs, None, np.random.default_rng(seed), [])
    counts = dict(Counter((r, t) for r, round_groups in enumerate(searched) for t, _ in round_groups))
    layout = rule_keeping_layout(plan, attrs.org, counts)
    assert layout is not None
    groups = []
    for r, round_groups in enumerate(layout):
        numbers: Counter[int] = Counter()
        for t, members in round_groups:
            numbers[t] += 1
            groups.append(Group(r, inp.themes[t], numbers[t], tuple(plan.people[i].id for i in members)))
        assert dict(numbers) == {t: k for (q, t), k in counts.items() if q == r}
    report = evaluate(inp, Assignment(tuple(groups)))
    assert report.hard_violations == 0, report.violations[:3]


@pytest.mark.parametrize("size", [40, 80])
def test_real_shaped_events_are_deterministic_per_seed(size: int) -> None:
    inp = duo_event(size, 2)
    assert generate_breakouts(inp).assignment == generate_breakouts(inp).assignment


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_small_real_shaped_events_end_within_four_percent_of_the_bound(seed: int) -> None:
    """Issue 19's aim on its hardest events (40 people): the annealing over every round at once brings the gap
    to the proven bound under 4 % (it was 6.1 % on seeds 2 and 3 with the rounds searched one at a time)."""
    report = generate_breakouts(duo_event(40, seed)).report
    assert report.hard_violations == 0
    assert report.bound_method in (BoundMethod.SIZES, BoundMethod.LINKED)
    assert report.gap_percent <= 4.0
