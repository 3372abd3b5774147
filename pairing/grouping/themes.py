"""Stage 1: the theme plan (objective 1, preferences), and the up-front feasibility check.

Everyone gets the theme the preference mode aims at (themes have no capacity: group counts follow
demand); then only what makes a theme impossible to split is repaired (too few people, an organisation
with more people than groups, duo partners in a one-group theme), moving the people whose preference
suffers least.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np

from .evaluate import duo_pairs
from .model import Assignment, DuoPolicy, GroupingInput, PreferenceMode
from .tuning import OTHER_THEME_COST, REVISIT_COST, UNRANKED_LATE_COST

__all__ = ["ThemePlan", "check_feasibility", "group_count"]


def group_count(people: int, min_size: int, max_size: int, at_least: int = 1) -> int | None:
    """Fewest groups (≥ ``at_least``) that split ``people`` into sizes within bounds; None if none."""
    if people == 0:
        return 0
    k = max(at_least, -(-people // max_size))
    return k if k * min_size <= people else None


def check_feasibility(inp: GroupingInput) -> tuple[str, ...]:
    """Obvious reasons why some hard rule cannot hold at all, in words a facilitator understands."""
    problems: list[str] = []
    n = len(inp.attendees)
    if len({a.id for a in inp.attendees}) != n:
        problems.append("some attendee ids occur twice")
    if inp.min_size > inp.max_size:
        problems.append(f"minimum group size {inp.min_size} exceeds the maximum {inp.max_size}")
        return tuple(problems)
    if 0 < n < inp.min_size:
        problems.append(f"only {n} attendees: not enough for one group of {inp.min_size}")
    elif n and group_count(n, inp.min_size, inp.max_size) is None:
        problems.append(f"{n} attendees cannot be split into groups of {inp.min_size} to {inp.max_size}")
    problems += _colleague_problems(inp)
    pin_problems, seen_pins = _pin_problems(inp)
    problems += pin_problems
    problems += _pinned_group_problems(inp, seen_pins)
    if not inp.themes:
        problems.append("the event has no themes")
    return tuple(problems)


def _colleague_problems(inp: GroupingInput) -> list[str]:
    """An organisation larger than the number of groups in a round; someone with too few non-colleagues to
    meet new people every round (the first such person only)."""
    problems: list[str] = []
    n = len(inp.attendees)
    most_groups = n // inp.min_size if inp.min_size else n
    orgs = Counter(a.organisation for a in inp.attendees if a.organisation)
    for org, size in orgs.most_common():
        if size > most_groups:
            problems.append(
                f"organisation {org} has {size} people but at most {most_groups} groups fit in a "
                f"round, so colleagues must share a group"
            )
    need = inp.rounds * (inp.min_size - 1)
    for a in inp.attendees:
        others = n - 1 - (orgs[a.organisation] - 1 if a.organisation else 0)
        if need > others:
            problems.append(
                f"attendee {a.id} must meet {need} new people over {inp.rounds} rounds but only "
                f"{others} non-colleagues attend"
            )
            break
    return problems


def _pin_problems(inp: GroupingInput) -> tuple[list[str], dict[tuple[int, int], tuple[str, int | None]]]:
    """Pins to unknown people, themes or rounds, or conflicting with each other; and (attendee, round) ->
    (theme, group number) of the pins (the last one where they conflict)."""
    problems: list[str] = []
    ids = {a.id for a in inp.attendees}
    themes = set(inp.themes)
    seen_pins: dict[tuple[int, int], tuple[str, int | None]] = {}
    for pin in inp.pins:
        if pin.attendee_id not in ids:
            problems.append(f"pin for unknown attendee {pin.attendee_id}")
        if pin.theme not in themes:
            problems.append(f"attendee {pin.attendee_id} is pinned to unknown theme {pin.theme!r}")
        if not 0 <= pin.round_index < inp.rounds:
            problems.append(
                f"attendee {pin.attendee_id} is pinned in round {pin.round_index + 1}, which does not exist"
            )
        key = (pin.attendee_id, pin.round_index)
        if key in seen_pins and seen_pins[key] != (pin.theme, pin.group_number):
            problems.append(f"attendee {pin.attendee_id} has conflicting pins in round {pin.round_index + 1}")
        seen_pins[key] = (pin.theme, pin.group_number)
    return problems, seen_pins


def _pinned_group_problems(
    inp: GroupingInput, seen_pins: dict[tuple[int, int], tuple[str, int | None]]
) -> list[str]:
    """Groups with more people pinned to them than fit, or with two colleagues pinned to them."""
    problems: list[str] = []
    by_group: dict[tuple[int, str, int], list[int]] = defaultdict(list)
    for (who, r), (t, g) in seen_pins.items():
        if g is not None:
            by_group[(r, t, g)].append(who)
    people = {a.id: a for a in inp.attendees}
    for (r, t, g), members in sorted(by_group.items()):
        if len(members) > inp.max_size:
            problems.append(
                f"{len(members)} people are pinned to {t} #{g} in round {r + 1}; at most {inp.max_size} fit"
            )
        org_pins = Counter(people[a].organisation for a in members if a in people and people[a].organisation)
        for org, c in org_pins.items():
            if c > 1:
                problems.append(f"{c} colleagues of {org} are pinned to {t} #{g} in round {r + 1}")
    return problems


class ThemePlan:
    """Stage 1 state: the theme index of every person in every round, plus the preference costs."""

    def __init__(self, inp: GroupingInput, previous: Assignment | None) -> None:
        self.inp = inp
        self.people = list(inp.attendees)
        self.index = {a.id: i for i, a in enumerate(self.people)}
        self.theme_index = {t: k for k, t in enumerate(inp.themes)}
        n, rounds, n_themes = len(self.people), inp.rounds, len(inp.themes)
        self.rank = np.full((n, n_themes), -1, dtype=np.int64)
        for i, person in enumerate(self.people):
            for pos, t in enumerate(person.ranking):
                if t in self.theme_index and self.rank[i, self.theme_index[t]] < 0:
                    self.rank[i, self.theme_index[t]] = pos
        self.neutral = np.array([not (self.rank[i] >= 0).any() for i in range(n)], dtype=bool)
        self.pinned = np.full((n, rounds), -1, dtype=np.int64)
        self.pinned_group: dict[tuple[int, int], int] = {}
        for pin in inp.pins:
            person_i = self.index.get(pin.attendee_id)
            theme_k = self.theme_index.get(pin.theme)
            if person_i is None or theme_k is None or not 0 <= pin.round_index < rounds:
                continue
            self.pinned[person_i, pin.round_index] = theme_k
            if pin.group_number is not None:
                self.pinned_group[(person_i, pin.round_index)] = pin.group_number
        self.partner = np.full(n, -1, dtype=np.int64)
        for a, b in duo_pairs(inp.attendees):
            self.partner[self.index[a]] = self.index[b]
            self.partner[self.index[b]] = self.index[a]
        self.together = inp.duo_policy is DuoPolicy.TOGETHER
        self.theme = np.full((n, rounds), -1, dtype=np.int64)
        self.notes: list[str] = []
        prev = previous.placement() if previous is not None else {}
        for r in range(rounds):
            self._assign_round(r, prev)
            self._repair_round(r)

    def cost(self, i: int, r: int, t: int) -> float:
        """Preference cost of theme t for person i in round r (0 = what the mode aims at)."""
        if self.neutral[i]:
            base = 0.0
        else:
            pos = int(self.rank[i, t])
            if self.inp.preference_mode is PreferenceMode.STAY:
                base = float(pos) if pos >= 0 else OTHER_THEME_COST
            elif pos == r:
                base = 0.0
            elif pos >= 0:
                base = 1.0 + abs(pos - r)
            else:
                ranked = int((self.rank[i] >= 0).sum())
                base = UNRANKED_LATE_COST if r >= ranked else OTHER_THEME_COST
        if self.inp.preference_mode is PreferenceMode.ROTATE and r > 0 and t in self.theme[i, :r]:
            base += REVISIT_COST
        return base

    def _unit(self, i: int) -> list[int]:
        j = int(self.partner[i])
        return [i, j] if self.together and j >= 0 else [i]

    def _assign_round(self, r: int, prev: dict[tuple[int, int], tuple[str, int]]) -> None:
        n_themes = len(self.inp.themes)
        load = np.zeros(n_themes, dtype=np.int64)
        rng = np.random.default_rng([self.inp.seed, r, 17])
        # Ranked people first so neutral people can even out the theme sizes afterwards.
        order = sorted(rng.permutation(len(self.people)), key=lambda i: bool(self.neutral[i]))
        for i in order:
            if self.theme[i, r] >= 0:
                continue
            unit = self._unit(i)
            pinned = [int(self.pinned[u, r]) for u in unit if self.pinned[u, r] >= 0]
            kept = prev.get((self.people[i].id, r))
            costs = [sum(self.cost(u, r, t) for u in unit) for t in range(n_themes)]
            if pinned:
                t = pinned[0]
            elif kept is not None and kept[0] in self.theme_index and (
                costs[self.theme_index[kept[0]]] <= min(costs) + 1e-9
            ):
                # The earlier theme stays while it is still as good a choice for this person: a ranking
                # changed since then wins over stability.
                t = self.theme_index[kept[0]]
            else:
                t = int(np.argmin([c + 1e-6 * load[t] for t, c in enumerate(costs)]))
            for u in unit:
                self.theme[u, r] = t
                load[t] += 1

    def _troubles(self, r: int) -> tuple[int, list[str]]:
        """How far round r is from splittable themes (0 = fine), with explanations."""
        inp = self.inp
        score = 0
        why: list[str] = []
        for t, name in enumerate(inp.themes):
            members = np.flatnonzero(self.theme[:, r] == t)
            n_t = len(members)
            if n_t == 0:
                continue
            most = n_t // inp.min_size
            if group_count(n_t, inp.min_size, inp.max_size) is None:
                feasible = [k * inp.min_size for k in range(1, most + 2)] + [
                    k * inp.max_size for k in range(most + 1)
                ]
                score += min(
                    abs(n_t - f)
                    for f in [0, *feasible]
                    if group_count(f, inp.min_size, inp.max_size) is not None
                )
                why.append(
                    f"theme {name} has {n_t} people in round {r + 1}, which cannot be split into groups of "
                    f"{inp.min_size} to {inp.max_size}"
                )
                continue
            orgs = Counter(self.people[i].organisation for i in members if self.people[i].organisation)
            for org, c in orgs.items():
                if c > most:
                    score += c - most
                    why.append(
                        f"organisation {org} has {c} people in theme {name} in round {r + 1} and only "
                        f"{most} groups fit there"
                    )
            if inp.duo_policy is DuoPolicy.APART and most < 2:
                inside = set(members.tolist())
                for i in members:
                    if self.partner[i] > i and int(self.partner[i]) in inside:
                        score += 1
                        why.append(
                            f"duo partners {self.people[i].id} and {self.people[self.partner[i]].id} are "
                            f"both in theme {name} in round {r + 1}, which has room for one group only"
                        )
        return score, why

    def _repair_round(self, r: int) -> None:
        score, why = self._troubles(r)
        n_themes = len(self.inp.themes)
        guard = 4 * len(self.people) + 10
        while score > 0 and guard > 0:
            guard -= 1
            best: tuple[int, float, int, int] | None = None
            for i in range(len(self.people)):
                unit = self._unit(i)
                if i != unit[0] or any(self.pinned[u, r] >= 0 for u in unit):
                    continue
                here = int(self.theme[i, r])
                stay_cost = sum(self.cost(u, r, here) for u in unit)
                for t in range(n_themes):
                    if t == here:
                        continue
                    for u in unit:
                        self.theme[u, r] = t
                    new_score, _ = self._troubles(r)
                    for u in unit:
                        self.theme[u, r] = here
                    if new_score >= score:
                        continue
                    delta = sum(self.cost(u, r, t) for u in unit) - stay_cost
                    key = (new_score, delta, i, t)
                    if best is None or key < best:
                        best = key
            if best is None:
                break
            score, _, i, t = best
            for u in self._unit(i):
                self.theme[u, r] = t
            score, why = self._troubles(r)
        self.notes.extend(why)
