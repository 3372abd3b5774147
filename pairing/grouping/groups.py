"""Stage 2: diverse groups for one (round, theme), and the round-wide repair across themes.

Each (round, theme) is split into balanced groups and improved by the tabu MDGP search on pair scores
where a forbidden pair (colleagues, duo kept apart, met in another round) costs far more than any
diversity, so hard rules win whenever they can hold. Fewest groups give the most pairs (diversity), but
more, smaller groups make meetings and colleague clashes avoidable: groups are added only while needed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .bound import diversity_upper_bound, pair_scores, sizes_upper_bound
from .mdgp import TabuSettings, group_value, improve_groups
from .model import Attendee, DuoPolicy
from .themes import ThemePlan, group_count
from .tuning import (
    OTHER_THEME_COST,
    PREFERENCE_BELOW_RULE,
    REPAIR_ITERATIONS_BASE,
    REPAIR_ITERATIONS_PER_PERSON,
    REVISIT_COST,
    THEME_ITERATIONS_BASE,
    THEME_ITERATIONS_PER_PERSON,
    WINDOW_FROM,
)

__all__ = ["Attributes", "ThemeSplit", "forbidden_pairs", "repair_across_themes", "split_theme"]


@dataclass(frozen=True)
class Attributes:
    """The people of the plan as arrays (index = position in ``plan.people``), and the search settings."""

    plan: ThemePlan
    exp: np.ndarray
    ind: np.ndarray
    org: np.ndarray  # 0 = no organisation
    penalty: float  # cost of one forbidden pair
    settings: TabuSettings
    out_of_time: Callable[[], bool] | None

    @classmethod
    def of(cls, plan: ThemePlan, settings: TabuSettings, penalty_factor: float,
           out_of_time: Callable[[], bool] | None) -> Attributes:
        people = plan.people
        exp = np.array([a.scored_experience for a in people], dtype=np.int64)
        industry_codes = {c: k for k, c in enumerate(sorted({a.industry for a in people}))}
        ind = np.array([industry_codes[a.industry] for a in people], dtype=np.int64)
        org_codes = {c: k + 1 for k, c in enumerate(sorted({a.organisation for a in people} - {""}))}
        org = np.array([org_codes.get(a.organisation, 0) for a in people], dtype=np.int64)
        weights, inp = plan.inp.weights, plan.inp
        max_pair = weights.experience * max(1, int(exp.max() - exp.min()) if len(exp) else 1) + weights.industry
        return cls(plan, exp, ind, org, penalty_factor * max_pair * inp.max_size, settings, out_of_time)


@dataclass(frozen=True)
class ThemeSplit:
    groups: list[np.ndarray]  # people (plan indices) per group, group number = position + 1
    clashes: int  # forbidden pairs that share a group (0 unless the rules cannot all hold here)
    notes: list[str]


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
        slot = local[p]
        if 0 <= g < k and room[g] > 0:
            grp[slot] = g
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
            people[members[x]].scored_experience,
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


def forbidden_pairs(
    plan: ThemePlan, members: np.ndarray, org: np.ndarray, met_groups: list[np.ndarray]
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


def repair_across_themes(
    attrs: Attributes,
    r: int,
    round_groups: list[np.ndarray],
    group_theme: list[int],
    met_groups: list[np.ndarray],
    rng: np.random.Generator,
) -> list[np.ndarray]:
    """Swap people between themes when the theme plan leaves a hard rule unavoidable.

    Hard rules outrank preferences, so a clash (typically people with the same ranking who follow
    each other through small themes) is resolved by a round-wide search where changing someone's
    theme costs its preference loss, weighted above any diversity but far below a broken rule.
    Group sizes stay fixed, so the theme head counts that stage 1 made splittable stay valid.
    """
    plan, exp, ind, org, penalty = attrs.plan, attrs.exp, attrs.ind, attrs.org, attrs.penalty
    inp = plan.inp
    everyone = np.concatenate(round_groups)
    grp = np.repeat(np.arange(len(round_groups)), [len(g) for g in round_groups])
    forbid = forbidden_pairs(plan, everyone, org, met_groups)
    dist = pair_scores(exp[everyone], ind[everyone], inp.weights) - penalty * forbid
    costs = np.array([[plan.cost(int(i), r, t) for i in everyone] for t in range(len(inp.themes))])
    preference_weight = penalty / (PREFERENCE_BELOW_RULE * (OTHER_THEME_COST + REVISIT_COST + 1.0))
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
    window = inp.budget.window_people if len(everyone) > WINDOW_FROM * inp.budget.window_people else 0
    grp, _ = improve_groups(
        dist,
        grp,
        sizes,
        sizes,
        rng,
        movable=movable,
        max_iterations=int(inp.budget.effort * REPAIR_ITERATIONS_PER_PERSON * len(everyone)) + REPAIR_ITERATIONS_BASE,
        out_of_time=attrs.out_of_time,
        settings=attrs.settings,
        window_people=window,
        linear=linear,
    )
    for x, i in enumerate(everyone):
        plan.theme[i, r] = group_theme[grp[x]]
    return [everyone[grp == g] for g in range(len(round_groups))]


def split_theme(
    attrs: Attributes,
    r: int,
    t: int,
    met_groups: list[np.ndarray],
    prev_group: dict[int, int],
    rng: np.random.Generator,
    *,
    iterations_per_person: int = THEME_ITERATIONS_PER_PERSON,
    groups: int | None = None,
) -> ThemeSplit:
    """Groups for the people of theme ``t`` in round ``r``: fewest groups that keep the rules, best diversity.

    ``met_groups`` are groups (plan indices) of other rounds whose members must not meet again;
    ``prev_group`` maps people to a group index to start from (a warm start: an earlier draft, or the
    current split when the joint search revisits this theme). ``groups`` asks for exactly that many
    groups (the joint search's attempt at fewer), even if the rules then break.
    """
    plan, inp = attrs.plan, attrs.plan.inp
    people, weights = plan.people, inp.weights
    members = np.flatnonzero(plan.theme[:, r] == t)
    n_t = len(members)
    notes: list[str] = []
    if n_t == 0:
        return ThemeSplit([], 0, notes)
    pinned = {int(i): g for (i, q), g in plan.pinned_group.items() if q == r and plan.theme[i, r] == t}
    at_least = max([1, *pinned.values()])
    orgs = Counter(int(o) for o in attrs.org[members] if o)
    if orgs:
        at_least = max(at_least, max(orgs.values()))
    k = group_count(n_t, inp.min_size, inp.max_size, at_least)
    if k is None:
        # Cannot split by the rules: split as evenly as possible; the report flags the sizes.
        k = max(1, min(at_least, n_t // max(1, inp.min_size)), -(-n_t // inp.max_size))
    preset = {i: g - 1 for i, g in pinned.items()}
    forbid = forbidden_pairs(plan, members, attrs.org, met_groups)
    dist = pair_scores(attrs.exp[members], attrs.ind[members], weights) - attrs.penalty * forbid
    pos = np.full(len(people), -1, dtype=np.int64)
    pos[members] = np.arange(n_t)
    mates = pos[plan.partner[members].clip(min=0)]
    movable = np.ones(n_t, dtype=bool)
    for i in preset:
        movable[pos[i]] = False
    if plan.together:
        movable[np.flatnonzero((plan.partner[members] >= 0) & (mates >= 0))] = False
    budget = int(inp.budget.effort * iterations_per_person * n_t) + THEME_ITERATIONS_BASE
    window = inp.budget.window_people if n_t > WINDOW_FROM * inp.budget.window_people else 0
    most = n_t // inp.min_size if group_count(n_t, inp.min_size, inp.max_size) is not None else k
    exp_t, ind_t = attrs.exp[members].tolist(), attrs.ind[members].tolist()
    # The bound over every split within the size bounds does not depend on the number of groups.
    over = sizes_upper_bound(exp_t, ind_t, inp.min_size, inp.max_size, weights)
    best_key: tuple[int, float] | None = None
    chosen = np.zeros(n_t, dtype=np.int64)
    tries = range(k, max(k, most) + 1) if groups is None else [groups]
    for k_try in tries:
        sizes = np.full(k_try, n_t // k_try, dtype=np.int64)
        sizes[: n_t % k_try] += 1
        grp = _deal(members, sizes, people, preset, plan.partner, plan.together, prev_group, forbid, rng)
        # Start from even sizes, then let the search move people between groups within the size bounds:
        # an uneven split (6, 6, 5, 4, 4) can beat the even one on diversity.
        lo = np.full(k_try, inp.min_size, dtype=np.int64)
        hi = np.full(k_try, inp.max_size, dtype=np.int64)
        if not (lo <= sizes).all() or not (sizes <= hi).all():
            lo, hi = sizes, sizes
        bound = diversity_upper_bound(exp_t, ind_t, sizes.tolist(), weights)
        if lo is not sizes and over is not None:
            bound = max(bound, over.value)
        grp, _ = improve_groups(
            dist, grp, lo, hi, rng, movable=movable, max_iterations=budget, out_of_time=attrs.out_of_time,
            settings=attrs.settings, window_people=window, target_gain=bound - group_value(dist, grp),
        )
        clashes = int((forbid & (grp[:, None] == grp[None, :])).sum()) // 2
        key = (clashes, -group_value(dist, grp))
        if best_key is None or key < best_key:
            best_key, chosen, k = key, grp, k_try
        if clashes == 0:
            break
    for i, g in sorted(preset.items()):
        if g >= k:  # a pin to a group number this theme cannot have in this round
            notes.append(
                f"attendee {people[i].id} is pinned to group {g + 1} of {inp.themes[t]} in round {r + 1}, "
                f"but its {n_t} people make at most {k} groups of {inp.min_size} or more"
            )
    return ThemeSplit([members[chosen == g] for g in range(k)], best_key[0] if best_key else 0, notes)
