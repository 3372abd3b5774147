"""Re-score any assignment (generated or edited by hand) and flag every hard-rule violation."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations

from .bound import diversity_upper_bound, group_diversity, sizes_upper_bound
from .linked import Person, linked_upper_bound
from .model import (
    Assignment,
    Attendee,
    BoundMethod,
    DuoPolicy,
    GroupingInput,
    PreferenceMode,
    Report,
    RoundPreferences,
    Rule,
    Violation,
)

__all__ = ["duo_pairs", "evaluate", "planned_theme"]

# Rules the linked bound takes as kept; while the plan breaks one of them, its diversity is compared with
# the bound that ignores the rules (a plan that breaks them may score above the linked bound).
_LINKED_ASSUMES = frozenset(
    {Rule.GROUP_SIZE, Rule.COLLEAGUES, Rule.DUO_APART, Rule.MET_BEFORE, Rule.ONE_GROUP_PER_ROUND, Rule.UNKNOWN_THEME}
)
_EPS = 1e-9


def duo_pairs(attendees: tuple[Attendee, ...]) -> set[tuple[int, int]]:
    """Partner pairs (low id, high id); one-sided references count too, unknown partners do not."""
    known = {a.id for a in attendees}
    return {
        (min(a.id, a.duo_partner), max(a.id, a.duo_partner))
        for a in attendees
        if a.duo_partner is not None and a.duo_partner in known and a.duo_partner != a.id
    }


def planned_theme(person: Attendee, round_index: int, mode: PreferenceMode) -> str | None:
    """The theme the preference mode aims at for this person and round (None: any theme will do)."""
    if not person.ranking:
        return None
    if mode is PreferenceMode.STAY:
        return person.ranking[0]
    return person.ranking[round_index] if round_index < len(person.ranking) else None


def _preferences(inp: GroupingInput, assignment: Assignment) -> tuple[RoundPreferences, ...]:
    placement = assignment.placement()
    out = []
    for r in range(inp.rounds):
        tally = Counter[str]()
        planned = 0
        for person in inp.attendees:
            theme = placement.get((person.id, r), (None, 0))[0]
            if not person.ranking:
                tally["neutral"] += 1
                continue
            rank = person.ranking.index(theme) if theme in person.ranking else 3
            tally[("first", "second", "third", "other")[min(rank, 3)]] += 1
            target = planned_theme(person, r, inp.preference_mode)
            if target is None:
                earlier = {placement.get((person.id, q), (None, 0))[0] for q in range(r)}
                planned += theme is not None and theme not in earlier
            else:
                planned += theme == target
        out.append(
            RoundPreferences(
                r, tally["first"], tally["second"], tally["third"], tally["other"], tally["neutral"], planned
            )
        )
    return tuple(out)


def evaluate(
    inp: GroupingInput, assignment: Assignment, infeasibility: tuple[str, ...] = (), *, history_rounds: int = 0
) -> Report:
    """Full report for ``assignment``: preferences, each violation (who, where, which rule), diversity.

    Rounds before ``history_rounds`` are past (regrouping for who came): someone may have arrived after
    them or left, so nobody is flagged for missing a group there; their meetings still count.

    O(Σ group size²): a few milliseconds for 3,000 people × 3 rounds, so the app can call it after
    every manual move or swap.
    """
    people = {a.id: a for a in inp.attendees}
    placement = assignment.placement()
    partners = duo_pairs(inp.attendees)
    group_violations, seen = _group_violations(inp, assignment, history_rounds)
    pair_violations, meetings, diversity, populations, sizes = _pair_scan(inp, people, assignment, partners)
    violations = [
        *group_violations,
        *_attendance_violations(inp, people, seen, history_rounds),
        *_pin_violations(inp, placement),
        *pair_violations,
        *_met_before_violations(meetings),
        *_split_duo_violations(inp, partners, placement),
    ]

    counts = Counter(v.rule for v in violations)
    keeps_rules = not any(counts[rule] for rule in _LINKED_ASSUMES)
    free, with_sizes, bound, method = _bounds(inp, people, populations, sizes, keeps_rules)
    gap = 100.0 * (bound - diversity) / bound if bound > 0 else 0.0
    return Report(
        preferences=_preferences(inp, assignment),
        violations=tuple(violations),
        violation_counts=tuple(sorted(counts.items())),
        diversity=diversity,
        diversity_bound=bound,
        gap_percent=max(0.0, gap),
        infeasibility=infeasibility,
        bound_without_rules=free,
        bound_with_sizes=with_sizes,
        bound_method=method,
        optimal=keeps_rules and diversity >= bound - _EPS * max(1.0, bound),
    )


def _group_violations(
    inp: GroupingInput, assignment: Assignment, history_rounds: int
) -> tuple[list[Violation], dict[int, Counter[int]]]:
    """Groups on an unknown theme or of a wrong size (past rounds excepted), and how often each person
    is placed per round."""
    themes = set(inp.themes)
    violations: list[Violation] = []
    seen: dict[int, Counter[int]] = defaultdict(Counter)
    for group in assignment.groups:
        for a in group.members:
            seen[group.round_index][a] += 1
        if group.theme not in themes:
            violations.append(
                Violation(
                    Rule.UNKNOWN_THEME,
                    f"theme {group.theme!r} is not one of the event's themes",
                    group.round_index,
                    group.theme,
                    group.number,
                    group.members,
                )
            )
        if not inp.min_size <= len(group.members) <= inp.max_size and group.round_index >= history_rounds:
            violations.append(
                Violation(
                    Rule.GROUP_SIZE,
                    f"group {group.theme} #{group.number} in round {group.round_index + 1} has "
                    f"{len(group.members)} people; groups must have {inp.min_size} to {inp.max_size}",
                    group.round_index,
                    group.theme,
                    group.number,
                    group.members,
                )
            )
    return violations, seen


def _attendance_violations(
    inp: GroupingInput, people: dict[int, Attendee], seen: dict[int, Counter[int]], history_rounds: int
) -> list[Violation]:
    """Per round: each registered person in exactly one group (past rounds: at most one), nobody else."""
    violations: list[Violation] = []
    for r in range(inp.rounds):
        for a in people:
            times = seen[r][a]
            if r < history_rounds and times == 0:
                continue
            if times != 1:
                what = "is in no group" if times == 0 else f"is in {times} groups"
                violations.append(
                    Violation(
                        Rule.ONE_GROUP_PER_ROUND,
                        f"attendee {a} {what} in round {r + 1}",
                        r,
                        attendee_ids=(a,),
                    )
                )
        violations.extend(
            Violation(
                Rule.ONE_GROUP_PER_ROUND,
                f"attendee {a} in round {r + 1} is not registered",
                r,
                attendee_ids=(a,),
            )
            for a in seen[r]
            if a not in people
        )
    return violations


def _pin_violations(inp: GroupingInput, placement: dict[tuple[int, int], tuple[str, int]]) -> list[Violation]:
    violations: list[Violation] = []
    for pin in inp.pins:
        placed = placement.get((pin.attendee_id, pin.round_index))
        ok = placed is not None and placed[0] == pin.theme and pin.group_number in (None, placed[1])
        if not ok:
            target = pin.theme + (f" #{pin.group_number}" if pin.group_number is not None else "")
            violations.append(
                Violation(
                    Rule.PIN,
                    f"attendee {pin.attendee_id} is pinned to {target} in round "
                    f"{pin.round_index + 1} but is elsewhere",
                    pin.round_index,
                    pin.theme,
                    pin.group_number,
                    (pin.attendee_id,),
                )
            )
    return violations


def _pair_scan(
    inp: GroupingInput, people: dict[int, Attendee], assignment: Assignment, partners: set[tuple[int, int]]
) -> tuple[
    list[Violation], Counter[tuple[int, int]], float, dict[tuple[int, str], list[int]], dict[tuple[int, str], list[int]]
]:
    """One pass over every group's pairs: colleague and duo-apart violations, who meets whom, the diversity,
    and each (round, theme)'s registered people and group sizes (for the bounds)."""
    together = inp.duo_policy is DuoPolicy.TOGETHER
    violations: list[Violation] = []
    meetings: Counter[tuple[int, int]] = Counter()
    diversity = 0.0
    populations: dict[tuple[int, str], list[int]] = defaultdict(list)
    sizes: dict[tuple[int, str], list[int]] = defaultdict(list)
    for group in assignment.groups:
        members = [a for a in group.members if a in people]
        populations[(group.round_index, group.theme)].extend(members)
        sizes[(group.round_index, group.theme)].append(len(members))
        diversity += group_diversity(
            [people[a].scored_experience for a in members], [people[a].industry for a in members], inp.weights
        )
        where = f"{group.theme} #{group.number} in round {group.round_index + 1}"
        for a, b in combinations(sorted(members), 2):
            pa, pb = people[a], people[b]
            # Partners asked to stay together outrank the colleague rule (they chose each other).
            if (
                pa.organisation
                and pa.organisation == pb.organisation
                and not (together and (a, b) in partners)
            ):
                violations.append(
                    Violation(
                        Rule.COLLEAGUES,
                        f"colleagues {a} and {b} ({pa.organisation}) share {where}",
                        group.round_index,
                        group.theme,
                        group.number,
                        (a, b),
                    )
                )
            if (a, b) in partners and inp.duo_policy is DuoPolicy.APART:
                violations.append(
                    Violation(
                        Rule.DUO_APART,
                        f"duo partners {a} and {b} share {where}",
                        group.round_index,
                        group.theme,
                        group.number,
                        (a, b),
                    )
                )
            if not (together and (a, b) in partners):
                meetings[(a, b)] += 1
    return violations, meetings, diversity, populations, sizes


def _met_before_violations(meetings: Counter[tuple[int, int]]) -> list[Violation]:
    """One violation per meeting after a pair's first."""
    return [
        Violation(Rule.MET_BEFORE, f"{a} and {b} meet in {times} rounds", attendee_ids=(a, b))
        for (a, b), times in sorted(meetings.items())
        for _ in range(times - 1)
    ]


def _split_duo_violations(
    inp: GroupingInput, partners: set[tuple[int, int]], placement: dict[tuple[int, int], tuple[str, int]]
) -> list[Violation]:
    """Under DuoPolicy.TOGETHER: each round in which a duo's partners are not in the same group."""
    if inp.duo_policy is not DuoPolicy.TOGETHER:
        return []
    return [
        Violation(Rule.DUO_TOGETHER, f"duo partners {a} and {b} are split in round {r + 1}", r, attendee_ids=(a, b))
        for a, b in sorted(partners)
        for r in range(inp.rounds)
        if placement.get((a, r)) != placement.get((b, r))
    ]


def _cell_bounds(
    inp: GroupingInput,
    people: dict[int, Attendee],
    populations: dict[tuple[int, str], list[int]],
    sizes: dict[tuple[int, str], list[int]],
) -> dict[tuple[int, str], float]:
    """Per (round, theme): the best split of its people within the size bounds, whatever the number and
    sizes of its groups (Theorem 2 in bound.py); the sizes actually used also count, for when no split fits."""
    out = {}
    for key, members in populations.items():
        experience = [people[a].scored_experience for a in members]
        industries = [people[a].industry for a in members]
        over_sizes = sizes_upper_bound(experience, industries, inp.min_size, inp.max_size, inp.weights)
        here = diversity_upper_bound(experience, industries, sizes[key], inp.weights)
        out[key] = max(here, over_sizes.value) if over_sizes is not None else here
    return out


def _bounds(
    inp: GroupingInput,
    people: dict[int, Attendee],
    populations: dict[tuple[int, str], list[int]],
    sizes: dict[tuple[int, str], list[int]],
    keeps_rules: bool,
) -> tuple[float, float, float, BoundMethod]:
    """The bound without rules, with the group counts colleagues force, the one the gap is measured
    against, and how that one was proven."""
    cells = _cell_bounds(inp, people, populations, sizes)
    free = float(sum(cells.values()))
    if not keeps_rules or not cells:
        return free, free, free, BoundMethod.PER_ROUND
    keys = sorted(cells)
    linked = linked_upper_bound(
        [populations[k] for k in keys],
        [k[0] for k in keys],
        [cells[k] for k in keys],
        [Person(a.id, a.scored_experience, a.industry, a.organisation, a.duo_partner) for a in people.values()],
        inp.min_size,
        inp.max_size,
        inp.weights,
        inp.duo_policy,
    )
    if linked is None:
        return free, free, free, BoundMethod.PER_ROUND
    method = BoundMethod.LINKED if linked.linked else BoundMethod.SIZES
    return free, linked.sizes_value, linked.value, method
