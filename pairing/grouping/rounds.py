"""Stage 2 over all rounds: build the rounds one after another, then search them jointly.

Built in order, round 1 cannot know which of its pairs round 3 will need: people who share a theme in
several rounds (on a small event, most of them) spend their new meetings early, and later rounds fall
back to more, smaller groups. The joint search therefore revisits every (round, theme) with the
meetings of *all* other rounds forbidden, fewest groups first, and keeps a new split only when it is
better (fewer broken rules, then more diversity) — so it never undoes a guarantee of the first pass.
Deterministic for the seed (no clock) unless ``out_of_time`` stops it.
"""

from __future__ import annotations

import numpy as np

from . import tuning
from .bound import _profiles, pair_scores, profile_bound, sizes_upper_bound
from .groups import Attributes, ThemeSplit, forbidden_pairs, repair_across_themes, split_theme
from .joint import anneal_plan
from .layout import rule_keeping_layout
from .linked import LinkedBound, Person, linked_upper_bound
from .mdgp import group_value
from .model import Assignment, DuoPolicy
from .tuning import FEWER_GROUPS_PASSES, JOINT_ITERATIONS_PER_PERSON, JOINT_SWEEPS, JOINT_UP_TO, LAYOUT_UP_TO

__all__ = ["Rounds", "anneal_rounds", "build_rounds", "plan_quality"]

Rounds = list[list[tuple[int, np.ndarray]]]  # per round: (theme index, people of one group), by number


def _previous_groups(attrs: Attributes, previous: Assignment | None, r: int, theme: str) -> dict[int, int]:
    if previous is None:
        return {}
    index = attrs.plan.index
    out = {}
    for (pid, q), (t, number) in previous.placement().items():
        if q == r and t == theme and pid in index:
            out[index[pid]] = number - 1
    return out


def build_rounds(
    attrs: Attributes, previous: Assignment | None, rng: np.random.Generator, notes: list[str]
) -> Rounds:
    """Every round's groups: first one round after another, then the joint sweeps."""
    plan = attrs.plan
    inp = plan.inp
    rounds: Rounds = [[] for _ in range(inp.rounds)]
    met: list[np.ndarray] = []
    for r in range(inp.rounds):
        round_groups: list[tuple[int, np.ndarray]] = []
        clashes = 0
        for t, theme in enumerate(inp.themes):
            split = split_theme(attrs, r, t, met, _previous_groups(attrs, previous, r, theme), rng)
            clashes += split.clashes
            notes.extend(n for n in split.notes if n not in notes)
            round_groups.extend((t, g) for g in split.groups)
        if clashes and len(inp.themes) > 1:
            repaired = repair_across_themes(attrs, r, [g for _, g in round_groups], [t for t, _ in round_groups],
                                            met, rng)
            round_groups = [(t, g) for (t, _), g in zip(round_groups, repaired, strict=True)]
        rounds[r] = round_groups
        met.extend(g for _, g in round_groups)
    if inp.rounds > 1 and len(plan.people) <= JOINT_UP_TO:
        _joint_sweeps(attrs, rounds, rng)
    if inp.rounds > 1 and len(plan.people) <= LAYOUT_UP_TO:
        rounds = _relayout(attrs, rounds, rng)
    return rounds


def anneal_rounds(attrs: Attributes, rounds: Rounds, seed: int) -> Rounds:
    """Every round at once (joint.py) on a small event: the annealed plan if it is better (fewer broken rules,
    then more diversity; the theme plan, the group counts and pins do not change), else ``rounds``.

    Not for partners kept together (they move as one, which the annealing does not model) nor for one round.
    Deterministic for the seed unless ``out_of_time`` stops it between runs.
    """
    plan = attrs.plan
    inp = plan.inp
    n = len(plan.people)
    if inp.rounds < 2 or n > tuning.ANNEAL_UP_TO or plan.together:
        return rounds
    grp = np.full((inp.rounds, n), -1, dtype=np.int64)
    group_cell: list[int] = []
    cell_number: dict[tuple[int, int], int] = {}
    order: list[tuple[int, int]] = []  # (round, theme) of each group, in the rounds' order
    for r, round_groups in enumerate(rounds):
        for t, members in round_groups:
            c = cell_number.setdefault((r, t), len(cell_number))
            grp[r, members] = len(group_cell)
            group_cell.append(c)
            order.append((r, t))
    cell_round = np.array([r for (r, _) in cell_number], dtype=np.int64)
    movable = np.ones((inp.rounds, n), dtype=bool)
    for i, r in plan.pinned_group:
        movable[r, i] = False
    dist = pair_scores(attrs.exp, attrs.ind, inp.weights)
    forbid = (attrs.org[:, None] == attrs.org[None, :]) & (attrs.org[:, None] > 0)
    if inp.duo_policy is DuoPolicy.APART:
        mates = np.flatnonzero(plan.partner >= 0)
        forbid[mates, plan.partner[mates]] = True
    np.fill_diagonal(forbid, False)
    scale = float(dist.max()) if dist.size else 0.0
    if scale <= 0:
        return rounds  # every pair scores the same: nothing to gain
    bound = _plan_bound(attrs, rounds)[2]
    # Within the bound's safety margin (linked.py) of the bound is as good as it gets.
    target = bound.value - 2e-6 * max(1.0, abs(bound.value)) if bound is not None else np.inf
    if -_total_key(attrs, rounds)[1] >= target:
        return rounds  # already at the bound
    best, value = grp, -1.0
    seeds = np.random.SeedSequence([seed, 19]).generate_state(tuning.ANNEAL_RUNS)
    for run in range(tuning.ANNEAL_RUNS):
        if run and attrs.out_of_time is not None and attrs.out_of_time():
            break
        found, found_value = anneal_plan(
            dist, forbid, best, np.array(group_cell, dtype=np.int64), movable, cell_round, inp.min_size, inp.max_size,
            steps=min(tuning.ANNEAL_MAX_STEPS, tuning.ANNEAL_STEPS_PER_PLACE * inp.rounds * n),
            t_start=tuning.ANNEAL_T_START * scale,
            t_end=tuning.ANNEAL_T_END * scale, penalty_start=tuning.ANNEAL_PENALTY_START * scale,
            penalty_end=tuning.ANNEAL_PENALTY_END * scale, seed=int(seeds[run]), target=target)
        if found_value > value:
            best, value = found, found_value
    if value < 0:
        return rounds
    out: Rounds = [[] for _ in range(inp.rounds)]
    for g, (r, t) in enumerate(order):
        out[r].append((t, np.flatnonzero(best[r] == g)))
    return out if plan_quality(attrs, out) < plan_quality(attrs, rounds) else rounds


def _plan_bound(attrs: Attributes, rounds: Rounds) -> tuple[list[tuple[int, int]], list[int], LinkedBound | None]:
    """The plan's cells, the group count of each one's best size profile, and the linked bound (linked.py;
    cached, so asking again for the same theme plan costs nothing)."""
    plan = attrs.plan
    inp = plan.inp
    cells = sorted({(r, t) for r, round_groups in enumerate(rounds) for t, _ in round_groups})
    people = [Person(a.id, a.scored_experience, a.industry, a.organisation, a.duo_partner) for a in plan.people]
    members = {cell: np.flatnonzero(plan.theme[:, cell[0]] == cell[1]) for cell in cells}
    free, best_count = [], []
    for cell in cells:
        exp, ind = attrs.exp[members[cell]].tolist(), attrs.ind[members[cell]].tolist()
        over = sizes_upper_bound(exp, ind, inp.min_size, inp.max_size, inp.weights)
        free.append(over.value if over is not None else np.inf)
        best_count.append(len(over.sizes) if over is not None else len(_cell(rounds, *cell)))
    if not all(np.isfinite(free)):
        return cells, best_count, None
    bound = linked_upper_bound([[plan.people[i].id for i in members[c]] for c in cells], [c[0] for c in cells],
                               free, people, inp.min_size, inp.max_size, inp.weights, inp.duo_policy)
    return cells, best_count, bound


def _relayout(attrs: Attributes, rounds: Rounds, rng: np.random.Generator) -> Rounds:
    """Where the linked bound says some theme could do with fewer groups than it has, ask HiGHS for a
    layout with the bound's group counts that keeps every rule, polish it, and keep it if it is better."""
    plan = attrs.plan
    cells, best_count, bound = _plan_bound(attrs, rounds)
    have = {cell: len(_cell(rounds, *cell)) for cell in cells}
    if bound is None or -_total_key(attrs, rounds)[1] >= bound.value - 1e-9:
        return rounds
    # The bound's choice where the rules touch a cell; elsewhere the count of the cell's best size profile.
    counts = {cell: (k if k is not None else best) for cell, k, best in zip(cells, bound.group_counts, best_count,
                                                                            strict=True)}
    if counts == have:
        return rounds
    layout = rule_keeping_layout(plan, attrs.org, counts)
    if layout is None:
        return rounds
    _joint_sweeps(attrs, layout, rng)
    return layout if plan_quality(attrs, layout) < plan_quality(attrs, rounds) else rounds


def _cell_key(attrs: Attributes, members: np.ndarray, groups: list[np.ndarray], met: list[np.ndarray]
              ) -> tuple[int, float]:
    """(forbidden pairs sharing a group, −diversity) of one split, with these meetings forbidden."""
    pos = {int(i): x for x, i in enumerate(members)}
    grp = np.zeros(len(members), dtype=np.int64)
    for g, people in enumerate(groups):
        grp[[pos[int(i)] for i in people]] = g
    forbid = forbidden_pairs(attrs.plan, members, attrs.org, met)
    same = grp[:, None] == grp[None, :]
    clashes = int((forbid & same).sum()) // 2
    if attrs.plan.together:  # partners kept together but split up count as broken rules too
        mates = attrs.plan.partner[members]
        clashes += sum(1 for x, m in enumerate(mates) if m > members[x] and m in pos and grp[pos[int(m)]] != grp[x])
    dist = pair_scores(attrs.exp[members], attrs.ind[members], attrs.plan.inp.weights)
    return clashes, -group_value(dist, grp)


def _others(rounds: Rounds, r: int) -> list[np.ndarray]:
    return [g for q, round_groups in enumerate(rounds) if q != r for _, g in round_groups]


def _cell(rounds: Rounds, r: int, t: int) -> list[np.ndarray]:
    return [g for theme, g in rounds[r] if theme == t]


def _replace(rounds: Rounds, r: int, t: int, groups: list[np.ndarray]) -> Rounds:
    out = list(rounds)
    out[r] = sorted([(theme, g) for theme, g in rounds[r] if theme != t] + [(t, g) for g in groups],
                    key=lambda tg: tg[0])
    return out


def _total_key(attrs: Attributes, rounds: Rounds) -> tuple[int, float]:
    clashes, value = 0, 0.0
    for r in range(len(rounds)):
        others = _others(rounds, r)
        for t in sorted({theme for theme, _ in rounds[r]}):
            c, v = _cell_key(attrs, np.flatnonzero(attrs.plan.theme[:, r] == t), _cell(rounds, r, t), others)
            clashes, value = clashes + c, value + v
    return clashes, value


def _joint_sweeps(attrs: Attributes, rounds: Rounds, rng: np.random.Generator) -> None:
    """Revisit every (round, theme) with the other rounds' meetings forbidden; then try each with one
    group fewer, re-splitting the cells of other rounds where that split's pairs met before."""
    plan = attrs.plan
    inp = plan.inp
    for _ in range(JOINT_SWEEPS):
        changed = False
        for r in range(inp.rounds):
            for t in range(len(inp.themes)):
                current = _cell(rounds, r, t)
                if not current:
                    continue
                others = _others(rounds, r)
                members = np.flatnonzero(plan.theme[:, r] == t)
                start = {int(i): number for number, g in enumerate(current) for i in g}
                split: ThemeSplit = split_theme(attrs, r, t, others, start, rng,
                                                iterations_per_person=JOINT_ITERATIONS_PER_PERSON)
                if _cell_key(attrs, members, split.groups, others) < _cell_key(attrs, members, current, others):
                    rounds[:] = _replace(rounds, r, t, split.groups)
                    changed = True
                elif _fewer_groups(attrs, rounds, r, t, rng):
                    changed = True
        if not changed:
            break


def _fewer_groups(attrs: Attributes, rounds: Rounds, r: int, t: int, rng: np.random.Generator) -> bool:
    """One group fewer in (r, t) (more pairs, so more diversity), paid for by re-splitting the cells of
    other rounds whose earlier meetings stand in the way; kept only if the whole plan gets better."""
    plan, inp = attrs.plan, attrs.plan.inp
    current = _cell(rounds, r, t)
    members = np.flatnonzero(plan.theme[:, r] == t)
    k = len(current) - 1
    colleagues = np.bincount(attrs.org[members])[1:] if len(members) else np.zeros(0, dtype=np.int64)
    if (k < 1 or k * inp.max_size < len(members) or (len(colleagues) and colleagues.max() > k)
            or any(g > k for (i, q), g in plan.pinned_group.items() if q == r and plan.theme[i, r] == t)):
        return False
    # Fewer groups only pay if their best split can beat the current one.
    exp, ind = attrs.exp[members].tolist(), attrs.ind[members].tolist()
    current_value = -_cell_key(attrs, members, current, [])[1]
    if max((profile_bound(exp, ind, p, inp.weights) for p in _profiles(len(members), inp.min_size,
                                                                            inp.max_size, 2_000) or ()
            if sum(p.values()) == k), default=-np.inf) <= current_value:
        return False
    split = split_theme(attrs, r, t, _others(rounds, r), {}, rng,
                        iterations_per_person=JOINT_ITERATIONS_PER_PERSON, groups=k)
    trial = _replace(rounds, r, t, split.groups)
    # The cells of other rounds where two people of one new group met: split them again around it, a few
    # passes, since one re-split can move a clash into another round's cell.
    for _ in range(FEWER_GROUPS_PASSES):
        clashing = False
        for q in range(inp.rounds):
            others = _others(trial, q)
            for theme in sorted({theme for theme, _ in trial[q]}):
                cell = _cell(trial, q, theme)
                cell_members = np.flatnonzero(plan.theme[:, q] == theme)
                if _cell_key(attrs, cell_members, cell, others)[0] == 0:
                    continue
                clashing = True
                start = {int(i): number for number, g in enumerate(cell) for i in g}
                again = split_theme(attrs, q, theme, others, start, rng,
                                    iterations_per_person=JOINT_ITERATIONS_PER_PERSON, groups=len(cell))
                trial = _replace(trial, q, theme, again.groups)
                others = _others(trial, q)
        if not clashing:
            break
    if _total_key(attrs, trial) < _total_key(attrs, rounds):
        rounds[:] = trial
        return True
    return False


def plan_quality(attrs: Attributes, rounds: Rounds) -> tuple[int, float, float]:
    """How to choose between plans of different starts: (broken rules, preference cost, −diversity)."""
    plan = attrs.plan
    clashes, minus_value = _total_key(attrs, rounds)
    for round_groups in rounds:
        clashes += sum(1 for _, g in round_groups
                       if not plan.inp.min_size <= len(g) <= plan.inp.max_size)
    preference = sum(plan.cost(i, r, int(plan.theme[i, r]))
                     for i in range(len(plan.people)) for r in range(plan.inp.rounds))
    return clashes, round(preference, 9), minus_value
