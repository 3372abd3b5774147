"""A rule-keeping layout with given group counts, found by HiGHS: where the rounds' search gets stuck.

On a small event a theme may need one group fewer to reach the bound, but only if the other rounds are laid
out just so (people who meet there spread over the theme's groups, like the rows and columns of a Latin
square): a local search that changes one (round, theme) at a time rarely finds that, an integer programme
finds it in a fraction of a second. ``rule_keeping_layout`` asks for a plan with exactly the group counts the
linked bound chose (linked.py) that keeps every rule; the rounds' search then improves its diversity.
"""

from __future__ import annotations

import itertools

import numpy as np

from .model import DuoPolicy
from .solver import MixedIntegerProgramme
from .themes import ThemePlan

__all__ = ["rule_keeping_layout"]

_MAX_NODES = 5_000  # deterministic effort limit; a layout not found by then is simply not used


def rule_keeping_layout(
    plan: ThemePlan, org: np.ndarray, counts: dict[tuple[int, int], int]
) -> list[list[tuple[int, np.ndarray]]] | None:
    """Per round, (theme index, plan indices of one group) for every group, with ``counts[(round, theme)]``
    groups per cell, every size within bounds, pins held, no colleagues or partners kept apart together,
    partners kept together together, nobody meeting twice; None when none was found.

    Any such layout will do (the rounds' search then works on its diversity): asking the solver for balanced
    industries and levels as well made it a hundred times slower for a worse result after the search.
    """
    inp = plan.inp
    model = MixedIntegerProgramme(_MAX_NODES)
    x, cells = _placement_columns(model, plan, counts)
    for (person, r), number in plan.pinned_group.items():
        key = (person, r, number - 1)
        if key not in x:
            return None
        model.lower[x[key]] = 1.0
    _pair_rows(model, plan, org, counts, cells, x)
    _, _, values = model.solve()
    if values is None:
        return None
    rounds: list[list[tuple[int, np.ndarray]]] = [[] for _ in range(inp.rounds)]
    for (r, t), members in sorted(cells.items()):
        for g in range(counts[(r, t)]):
            chosen = np.array([i for i in members if values[x[(int(i), r, g)]] > 0.5], dtype=np.int64)
            rounds[r].append((t, chosen))
    return rounds


def _placement_columns(
    model: MixedIntegerProgramme, plan: ThemePlan, counts: dict[tuple[int, int], int]
) -> tuple[dict[tuple[int, int, int], int], dict[tuple[int, int], np.ndarray]]:
    """x[(person, round, group)] (0/1: the person is in that group of their cell), one group per person per
    round, each group's size within bounds; and each (round, theme) cell's people."""
    lo, hi = plan.inp.min_size, plan.inp.max_size
    x: dict[tuple[int, int, int], int] = {}
    cells: dict[tuple[int, int], np.ndarray] = {}
    for (r, t), k in sorted(counts.items()):
        members = np.flatnonzero(plan.theme[:, r] == t)
        cells[(r, t)] = members
        for i in members:
            one = model.row(1.0, 1.0)
            for g in range(k):
                x[(int(i), r, g)] = model.column(0.0, 0.0, 1.0, [(one, 1.0)], integer=True)
        for g in range(k):
            size = model.row(float(lo), float(hi))
            for i in members:
                model.add(size, x[(int(i), r, g)], 1.0)
        # Symmetry: the cell's first person opens group 1 unless a pin says otherwise.
        first = int(members[0]) if len(members) else None
        if first is not None and (first, r) not in plan.pinned_group:
            model.upper[x[(first, r, 0)]] = 1.0
            model.lower[x[(first, r, 0)]] = 1.0
    return x, cells


def _pair_rows(
    model: MixedIntegerProgramme,
    plan: ThemePlan,
    org: np.ndarray,
    counts: dict[tuple[int, int], int],
    cells: dict[tuple[int, int], np.ndarray],
    x: dict[tuple[int, int, int], int],
) -> None:
    """For every two people sharing a cell in some round: partners kept together in the same group,
    colleagues and partners kept apart never in one, anyone else meeting at most once."""
    policy = plan.inp.duo_policy
    cell_of: dict[int, dict[int, int]] = {}
    for (r, t), members in cells.items():
        for i in members:
            cell_of.setdefault(int(i), {})[r] = t
    people = sorted(cell_of)
    for a, b in itertools.combinations(people, 2):
        shared = [r for r, t in cell_of[a].items() if cell_of[b].get(r) == t]
        if not shared:
            continue
        partners = int(plan.partner[a]) == b
        colleagues = bool(org[a]) and org[a] == org[b]
        together = partners and policy is DuoPolicy.TOGETHER
        apart = (colleagues and not together) or (partners and policy is DuoPolicy.APART)
        groups = {r: counts[(r, cell_of[a][r])] for r in shared}
        if together or apart:
            _same_or_apart_rows(model, x, a, b, groups, together=together)
        elif len(shared) >= 2:
            _meet_once_rows(model, x, a, b, groups)


def _same_or_apart_rows(
    model: MixedIntegerProgramme, x: dict[tuple[int, int, int], int], a: int, b: int, groups: dict[int, int],
    *, together: bool,
) -> None:
    """a and b in the same group of each shared round (``together``), or never in one group."""
    for r, k in groups.items():
        for g in range(k):
            if together:
                row = model.row(0.0, 0.0)
                model.add(row, x[(a, r, g)], 1.0)
                model.add(row, x[(b, r, g)], -1.0)
            else:
                row = model.row(-np.inf, 1.0)
                model.add(row, x[(a, r, g)], 1.0)
                model.add(row, x[(b, r, g)], 1.0)


def _meet_once_rows(
    model: MixedIntegerProgramme, x: dict[tuple[int, int, int], int], a: int, b: int, groups: dict[int, int]
) -> None:
    """a and b share a group in at most one of the rounds whose cell they share."""
    once = model.row(-np.inf, 1.0)
    for r, k in groups.items():
        met = model.column(0.0, 0.0, 1.0, [(once, 1.0)])
        for g in range(k):
            row = model.row(-np.inf, 1.0)  # x_a + x_b − met ≤ 1: both in g means they met
            model.add(row, x[(a, r, g)], 1.0)
            model.add(row, x[(b, r, g)], 1.0)
            model.add(row, met, -1.0)

