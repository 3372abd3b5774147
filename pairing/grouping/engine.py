"""Breakout generation: theme plan (objective 1), then diverse groups per round and theme (objective 2).

Stage 1 gives everyone the theme the preference mode aims at (themes have no capacity: group counts
follow demand), then repairs only what makes a theme impossible to split (too few people, an
organisation with more people than groups, duo partners in a one-group theme), moving the people
whose preference suffers least. Stage 2 splits each (round, theme) into balanced groups and runs
the tabu MDGP search on pair scores where a forbidden pair (colleagues, duo kept apart, met in an
earlier round) costs far more than any diversity, so hard rules win whenever they can hold.
Rounds are solved in order so each round knows who already met.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

import numpy as np

from .bound import diversity_upper_bound, pair_scores, sizes_upper_bound
from .evaluate import duo_pairs, evaluate
from .mdgp import TabuSettings, group_value, improve_groups
from .model import (
    Assignment,
    Attendee,
    DuoPolicy,
    Group,
    GroupingInput,
    GroupingResult,
    PreferenceMode,
)

__all__ = ["check_feasibility", "generate_breakouts", "group_count"]

_OTHER = 4.0  # cost of a theme the person did not rank: worse than any reordering of ranked ones
_REVISIT = 1.0  # rotate mode: a theme already visited in an earlier round


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
    ids = {a.id for a in inp.attendees}
    if len(ids) != n:
        problems.append("some attendee ids occur twice")
    if inp.min_size > inp.max_size:
        problems.append(f"minimum group size {inp.min_size} exceeds the maximum {inp.max_size}")
        return tuple(problems)
    if 0 < n < inp.min_size:
        problems.append(f"only {n} attendees: not enough for one group of {inp.min_size}")
    elif n and group_count(n, inp.min_size, inp.max_size) is None:
        problems.append(f"{n} attendees cannot be split into groups of {inp.min_size} to {inp.max_size}")
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
    by_group: dict[tuple[int, str, int], list[int]] = defaultdict(list)
    for (a, r), (t, g) in seen_pins.items():
        if g is not None:
            by_group[(r, t, g)].append(a)
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
    if not inp.themes:
        problems.append("the event has no themes")
    return tuple(problems)


class _Plan:
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
            i = self.index.get(pin.attendee_id)
            t = self.theme_index.get(pin.theme)
            if i is None or t is None or not 0 <= pin.round_index < rounds:
                continue
            self.pinned[i, pin.round_index] = t
            if pin.group_number is not None:
                self.pinned_group[(i, pin.round_index)] = pin.group_number
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
                base = float(pos) if pos >= 0 else _OTHER
            elif pos == r:
                base = 0.0
            elif pos >= 0:
                base = 1.0 + abs(pos - r)
            else:
                ranked = int((self.rank[i] >= 0).sum())
                base = 0.5 if r >= ranked else _OTHER
        if self.inp.preference_mode is PreferenceMode.ROTATE and r > 0 and t in self.theme[i, :r]:
            base += _REVISIT
        return base

    def _unit(self, i: int) -> list[int]:
        j = int(self.partner[i])
        return [i, j] if self.together and j >= 0 else [i]

    def _assign_round(self, r: int, prev: dict[tuple[int, int], tuple[str, int]]) -> None:
        n_themes = len(self.inp.themes)
        load = np.zeros(n_themes, dtype=np.int64)
        rng = np.random.default_rng([self.inp.seed, r, 17])
        order = rng.permutation(len(self.people))
        # Ranked people first so neutral people can even out the theme sizes afterwards.
        order = sorted(order, key=lambda i: bool(self.neutral[i]))
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


def _deal(
    members: np.ndarray,
    sizes: np.ndarray,
    people: list[Attendee],
    preset: dict[int, int],
    partner: np.ndarray,
    together: bool,
    prev_group: dict[int, int],
    forbid: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Initial groups: pins and previous groups first, then a snake deal over (industry, experience).

    Sorting by industry and dealing in a snake spreads every industry and level evenly, which is
    already close to the bound; the search then fixes conflicts and polishes.
    """
    k = len(sizes)
    local = {int(p): x for x, p in enumerate(members)}
    grp = np.full(len(members), -1, dtype=np.int64)
    room = sizes.copy()
    for p, g in preset.items():
        x = local[p]
        if 0 <= g < k and room[g] > 0:
            grp[x] = g
            room[g] -= 1
    for p, g in prev_group.items():
        x = local.get(p)
        if x is not None and grp[x] < 0 and 0 <= g < k and room[g] > 0:
            grp[x] = g
            room[g] -= 1
    if together:
        # Duos kept together are frozen during the search, so two duos that must not meet (colleagues,
        # met before) have to be separated here.
        duo_first = [
            x
            for x in rng.permutation(len(members)).tolist()
            if grp[x] < 0 and local.get(int(partner[members[x]]), -1) > x
        ]
        for x in duo_first:
            mate = local[int(partner[members[x]])]
            if grp[mate] >= 0:
                continue
            clash = np.array([forbid[[x, mate]][:, grp == g].sum() for g in range(k)], dtype=np.float64)
            clash[room < 2] = np.inf
            if not np.isfinite(clash.min()):
                break
            g = int(np.lexsort((-room, clash))[0])
            grp[x] = grp[mate] = g
            room[g] -= 2
    industry_size = Counter(people[p].industry for p in members)
    order = sorted(
        (x for x in range(len(members)) if grp[x] < 0),
        key=lambda x: (
            -industry_size[people[members[x]].industry],
            people[members[x]].industry,
            people[members[x]].experience,
            people[members[x]].id,
        ),
    )
    cursor, step = 0, 1
    for x in order:
        if grp[x] >= 0:
            continue
        mate = local.get(int(partner[members[x]]), -1) if together else -1
        need = 2 if mate >= 0 and grp[mate] < 0 else 1
        for _ in range(2 * k + 1):
            if room[cursor] >= need:
                break
            cursor, step = _snake(cursor, step, k)
        else:
            need = 1
            cursor = int(np.argmax(room))
        grp[x] = cursor
        room[cursor] -= 1
        if need == 2:
            grp[mate] = cursor
            room[cursor] -= 1
        cursor, step = _snake(cursor, step, k)
    return grp


def _snake(cursor: int, step: int, k: int) -> tuple[int, int]:
    nxt = cursor + step
    if 0 <= nxt < k:
        return nxt, step
    return cursor, -step


def _forbidden_pairs(
    plan: _Plan, members: np.ndarray, org: np.ndarray, met_groups: list[np.ndarray]
) -> np.ndarray:
    """Pairs that must not share a group: colleagues, duo partners kept apart, earlier meetings."""
    forbid = (org[members][:, None] == org[members][None, :]) & (org[members][:, None] > 0)
    pos = np.full(len(plan.people), -1, dtype=np.int64)
    pos[members] = np.arange(len(members))
    for earlier in met_groups:
        local = pos[earlier]
        local = local[local >= 0]
        if len(local) > 1:
            forbid[np.ix_(local, local)] = True
    mates = pos[plan.partner[members].clip(min=0)]
    rows = np.flatnonzero((plan.partner[members] >= 0) & (mates >= 0))
    if plan.inp.duo_policy is DuoPolicy.APART:
        forbid[rows, mates[rows]] = True
    elif plan.together:
        forbid[rows, mates[rows]] = False
    np.fill_diagonal(forbid, False)
    return forbid


def _repair_across_themes(
    plan: _Plan,
    r: int,
    round_groups: list[np.ndarray],
    group_theme: list[int],
    exp: np.ndarray,
    ind: np.ndarray,
    org: np.ndarray,
    met_groups: list[np.ndarray],
    penalty: float,
    rng: np.random.Generator,
    settings: TabuSettings,
    out_of_time: Callable[[], bool] | None,
) -> list[np.ndarray]:
    """Swap people between themes when the theme plan leaves a hard rule unavoidable.

    Hard rules outrank preferences, so a clash (typically people with the same ranking who follow
    each other through small themes) is resolved by a round-wide search where changing someone's
    theme costs its preference loss, weighted above any diversity but far below a broken rule.
    Group sizes stay fixed, so the theme head counts that stage 1 made splittable stay valid.
    """
    inp = plan.inp
    everyone = np.concatenate(round_groups)
    grp = np.repeat(np.arange(len(round_groups)), [len(g) for g in round_groups])
    forbid = _forbidden_pairs(plan, everyone, org, met_groups)
    dist = pair_scores(exp[everyone], ind[everyone], inp.weights) - penalty * forbid
    costs = np.array([[plan.cost(int(i), r, t) for i in everyone] for t in range(len(inp.themes))])
    preference_weight = penalty / (1000.0 * (_OTHER + _REVISIT + 1.0))
    linear = -preference_weight * costs[np.array(group_theme)]
    movable = np.ones(len(everyone), dtype=bool)
    for x, i in enumerate(everyone):
        if plan.pinned[i, r] >= 0:
            # Theme pins may still move within their theme; group pins and kept duos never move.
            linear[np.array(group_theme) != plan.pinned[i, r], x] -= penalty
            movable[x] = (int(i), r) not in plan.pinned_group and not (plan.together and plan.partner[i] >= 0)
        elif plan.together and plan.partner[i] >= 0:
            movable[x] = False
    sizes = np.bincount(grp, minlength=len(round_groups))
    window = inp.budget.window_people if len(everyone) > 1.5 * inp.budget.window_people else 0
    grp, _ = improve_groups(
        dist,
        grp,
        sizes,
        sizes,
        rng,
        movable=movable,
        max_iterations=int(inp.budget.effort * 20 * len(everyone)) + 500,
        out_of_time=out_of_time,
        settings=settings,
        window_people=window,
        linear=linear,
    )
    for x, i in enumerate(everyone):
        plan.theme[i, r] = group_theme[grp[x]]
    return [everyone[grp == g] for g in range(len(round_groups))]


def generate_breakouts(
    inp: GroupingInput,
    previous: Assignment | None = None,
    *,
    out_of_time: Callable[[], bool] | None = None,
) -> GroupingResult:
    """Groups for every round and theme, plus the quality report. Never raises on infeasible input.

    ``previous`` warm-starts from an earlier (possibly hand-edited) assignment: its themes and
    groups are kept where they still fit, then repaired and improved; pins always win. The result
    is deterministic for ``inp.seed`` unless ``out_of_time`` (a caller-supplied clock check) stops
    the search early.
    """
    explanations = list(check_feasibility(inp))
    if not inp.attendees or not inp.themes or inp.min_size > inp.max_size or inp.min_size < 1:
        return GroupingResult(Assignment(()), evaluate(inp, Assignment(()), tuple(explanations)))
    plan = _Plan(inp, previous)
    explanations.extend(note for note in plan.notes if note not in explanations)
    people = plan.people
    rng = np.random.default_rng(inp.seed)
    exp = np.array([a.experience for a in people], dtype=np.int64)
    industry_codes = {c: k for k, c in enumerate(sorted({a.industry for a in people}))}
    ind = np.array([industry_codes[a.industry] for a in people], dtype=np.int64)
    org_codes = {c: k + 1 for k, c in enumerate(sorted({a.organisation for a in people} - {""}))}
    org = np.array([org_codes.get(a.organisation, 0) for a in people], dtype=np.int64)
    weights = inp.weights
    max_pair = weights.experience * max(1, int(exp.max() - exp.min()) if len(exp) else 1) + weights.industry
    penalty = 1000.0 * max_pair * inp.max_size
    prev_place = previous.placement() if previous is not None else {}
    settings = TabuSettings(stall_iterations=60, perturb_min_fraction=0.02, perturb_max_fraction=0.06)
    met_groups: list[np.ndarray] = []
    groups: list[Group] = []
    for r in range(inp.rounds):
        round_groups: list[np.ndarray] = []
        labels: list[tuple[int, int]] = []
        round_clashes = 0
        for t, theme in enumerate(inp.themes):
            members = np.flatnonzero(plan.theme[:, r] == t)
            if len(members) == 0:
                continue
            n_t = len(members)
            at_least = max(
                [1] + [g for (i, q), g in plan.pinned_group.items() if q == r and plan.theme[i, r] == t]
            )
            orgs = Counter(int(o) for o in org[members] if o)
            if orgs:
                at_least = max(at_least, max(orgs.values()))
            k = group_count(n_t, inp.min_size, inp.max_size, at_least)
            if k is None:
                # Cannot split by the rules: split as evenly as possible; the report flags the sizes.
                k = max(1, min(at_least, n_t // max(1, inp.min_size)), -(-n_t // inp.max_size))
            preset = {
                int(i): g - 1 for (i, q), g in plan.pinned_group.items() if q == r and plan.theme[i, r] == t
            }
            prev_group = {}
            for i in members:
                where = prev_place.get((people[i].id, r))
                if where is not None and where[0] == theme:
                    prev_group[int(i)] = where[1] - 1
            dist = pair_scores(exp[members], ind[members], weights)
            forbid = _forbidden_pairs(plan, members, org, met_groups)
            pos = np.full(len(people), -1, dtype=np.int64)
            pos[members] = np.arange(n_t)
            mates = pos[plan.partner[members].clip(min=0)]
            rows = np.flatnonzero((plan.partner[members] >= 0) & (mates >= 0))
            dist = dist - penalty * forbid
            movable = np.ones(n_t, dtype=bool)
            for i in preset:
                movable[pos[i]] = False
            if plan.together:
                movable[rows] = False
            budget = int(inp.budget.effort * 8 * n_t) + 200
            window = inp.budget.window_people if n_t > 1.5 * inp.budget.window_people else 0
            most = n_t // inp.min_size if group_count(n_t, inp.min_size, inp.max_size) is not None else k
            best_key: tuple[int, float] | None = None
            chosen_grp = np.zeros(n_t, dtype=np.int64)
            exp_t, ind_t = exp[members].tolist(), ind[members].tolist()
            # The bound over every split within the size bounds does not depend on the number of groups.
            over = sizes_upper_bound(exp_t, ind_t, inp.min_size, inp.max_size, weights)
            # Fewest groups give the most pairs (diversity), but more, smaller groups make meetings
            # and colleague clashes avoidable: hard rules first, so add groups only while needed.
            for k_try in range(k, max(k, most) + 1):
                sizes = np.full(k_try, n_t // k_try, dtype=np.int64)
                sizes[: n_t % k_try] += 1
                grp = _deal(
                    members, sizes, people, preset, plan.partner, plan.together, prev_group, forbid, rng
                )
                # Start from even sizes, then let the search move people between groups within the
                # size bounds: an uneven split (6, 6, 5, 4, 4) can beat the even one on diversity.
                lo = np.full(k_try, inp.min_size, dtype=np.int64)
                hi = np.full(k_try, inp.max_size, dtype=np.int64)
                if not (lo <= sizes).all() or not (sizes <= hi).all():
                    lo, hi = sizes, sizes
                bound = diversity_upper_bound(exp_t, ind_t, sizes.tolist(), weights)
                if lo is not sizes and over is not None:
                    bound = max(bound, over.value)
                grp, _ = improve_groups(
                    dist,
                    grp,
                    lo,
                    hi,
                    rng,
                    movable=movable,
                    max_iterations=budget,
                    out_of_time=out_of_time,
                    settings=settings,
                    window_people=window,
                    target_gain=bound - group_value(dist, grp),
                )
                same = grp[:, None] == grp[None, :]
                clashes = int((forbid & same).sum()) // 2
                key = (clashes, -group_value(dist, grp))
                if best_key is None or key < best_key:
                    best_key, chosen_grp, k = key, grp, k_try
                if clashes == 0:
                    break
            grp = chosen_grp
            round_clashes += best_key[0] if best_key else 0
            for i, g in sorted(preset.items()):
                if g >= k:  # a pin to a group number this theme cannot have in this round
                    note = (
                        f"attendee {people[i].id} is pinned to group {g + 1} of {theme} in round {r + 1}, "
                        f"but its {n_t} people make at most {k} groups of {inp.min_size} or more"
                    )
                    if note not in explanations:
                        explanations.append(note)
            for g in range(k):
                round_groups.append(members[grp == g])
                labels.append((t, g + 1))
        if round_clashes and len(inp.themes) > 1:
            round_groups = _repair_across_themes(
                plan,
                r,
                round_groups,
                [t for t, _ in labels],
                exp,
                ind,
                org,
                met_groups,
                penalty,
                rng,
                settings,
                out_of_time,
            )
        for (t, number), chosen in zip(labels, round_groups, strict=True):
            groups.append(Group(r, inp.themes[t], number, tuple(sorted(people[i].id for i in chosen))))
        met_groups.extend(round_groups)
    assignment = Assignment(tuple(groups))
    return GroupingResult(assignment, evaluate(inp, assignment, tuple(explanations)))
