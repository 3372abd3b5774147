"""An upper bound on the diversity of a whole plan that links the rounds (nobody meets twice).

``bound.py`` bounds each (round, theme) on its own: every round may pick its best split, whatever the
other rounds did. On a small event the same people share a theme round after round, and the rule that
nobody meets twice forces later rounds into more, smaller groups; the sum of the per-round bounds then
promises a diversity that no plan keeping the rules can reach. This module proves a bound that sees it.

A *cell* is a (round, theme) with its people P_c. For any plan that keeps the rules:

1. Colleagues (same organisation) share no group, nor do duo partners kept apart: a cell needs at least
   as many groups as its largest set of colleagues (two when partners kept apart are both in it).
   Partners kept together count once.
2. People who share cell c and a cell c' of another round (Q = P_c ∩ P_c') and met in a group of c'
   must be apart in c, so a group of c holds at most one member of Q per group of c':
   |Q| ≤ k_c · k_c' for the numbers of groups k_c, k_c' of the two cells. Partners kept together may
   meet in every round, so there two partners who are both in Q count once.
3. Given k_c, the cell's diversity is at most B_c(k), the largest Theorem-1 bound of ``bound.py`` over
   the size profiles of k groups within the size bounds (every split of those people into groups of
   those sizes scores at most that).

So the plan's diversity is at most max Σ_c B_c(k_c) over the group counts that satisfy 1 and 2: a small
integer programme (one binary per cell and admissible group count, one row per cell and per pair of
cells of different rounds whose common people could clash), solved exactly by HiGHS (``highspy``). With
its branch-and-bound capped by a node count (a deterministic limit), an unfinished solve still gives a
valid bound: HiGHS's proven dual bound. Without rule 2 the maximum is Σ_c max_k B_c(k), the
"sizes" bound; without rule 1 too, it is the per-cell bound over every profile (``sizes_upper_bound``).

What was tried and left out: a linear programme over pair counts (how many pairs of each kind of
person meet in each cell, each pair at most once across rounds, with the pigeonhole and threshold rows
of Theorem 1 and a pigeonhole row for the people two cells share) never moved the bound below rule 2's
on the real-shaped instances, while costing ten times as much.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .bound import _People, _profile_value, _profiles
from .model import DiversityWeights, DuoPolicy
from .solver import MixedIntegerProgramme

__all__ = ["LinkedBound", "Person", "linked_upper_bound", "sizes_floor"]

_MAX_PROFILES = 20_000  # per cell (as bound.py): beyond it the cell keeps its Theorem-2 bound
_MAX_NODES = 2_000  # branch-and-bound nodes: a deterministic effort limit (a time limit would not be)
_SAFETY = 1e-6  # relative margin over the solver's bound, for its feasibility tolerances


@dataclass(frozen=True, slots=True)
class Person:
    """What the linked bound needs to know of an attendee."""

    id: int
    experience: int
    industry: str
    organisation: str  # "" never conflicts
    partner: int | None  # duo partner


@dataclass(frozen=True, slots=True)
class LinkedBound:
    value: float  # upper bound on every plan that keeps the rules (no repeat, colleagues, duo policy)
    sizes_value: float  # the per-cell bound with the group counts colleagues force, no linking
    free_value: float  # the per-cell bound over every size profile (bound.py's Theorem 2), no rules
    solved: bool  # the solver proved its optimum (else ``value`` is its dual bound: still valid)
    linked: bool  # rule 2 lowered the bound below ``sizes_value``
    # Per cell, the number of groups of the solver's best choice (None: the cell is free, any count).
    group_counts: tuple[int | None, ...] = ()


def sizes_floor(members: Sequence[Person], policy: DuoPolicy) -> int:
    """Fewest groups a cell needs for its colleagues (and duo partners kept apart) to be apart."""
    together = policy is DuoPolicy.TOGETHER
    inside = {p.id for p in members}
    need = 1
    orgs: Counter[str] = Counter()
    for p in members:
        if not p.organisation:
            continue
        # Partners kept together share a group: two colleagues who are partners count once.
        if together and p.partner in inside and p.partner is not None and p.partner < p.id:
            continue
        orgs[p.organisation] += 1
    if orgs:
        need = max(need, max(orgs.values()))
    if policy is DuoPolicy.APART and any(p.partner in inside for p in members):
        need = max(need, 2)
    return need


def linked_upper_bound(
    cells: Sequence[Sequence[int]],
    cell_rounds: Sequence[int],
    cell_free_bounds: Sequence[float],
    people: Sequence[Person],
    min_size: int,
    max_size: int,
    weights: DiversityWeights,
    policy: DuoPolicy,
) -> LinkedBound | None:
    """The bound for these cells (attendee ids, the round of each, and each cell's bound over every
    size profile, ``sizes_upper_bound``), valid for every plan that keeps the rules; None when some
    cell cannot be split by the rules at all.

    Pure and deterministic; cached, since the board re-evaluates a plan after every move and a move
    inside a theme leaves the cells as they were. Cells that neither rule can touch (a floor below the
    fewest groups they need anyway, no people shared with a cell too small for them) keep their own
    bound without enumerating profiles, so a large event costs little.
    """
    key_cells = tuple(tuple(sorted(int(a) for a in c)) for c in cells)
    by_id = {p.id: p for p in people}
    involved = tuple(sorted({a for c in key_cells for a in c}))
    return _linked_cached(
        key_cells, tuple(int(r) for r in cell_rounds), tuple(float(v) for v in cell_free_bounds),
        tuple(by_id[a] for a in involved), int(min_size), int(max_size), weights, DuoPolicy(policy),
    )


def _fewest_groups(n: int, lo: int, hi: int) -> int | None:
    k = -(-n // hi)
    return k if k * lo <= n else None


def _clashes(
    cells: tuple[tuple[int, ...], ...],
    cell_rounds: tuple[int, ...],
    fewest: list[int],
    by_id: dict[int, Person],
    together: bool,
) -> list[tuple[int, int, int]]:
    """(c, d, q) for cells of different rounds sharing q people (partners kept together counting as one):
    rule 2 can only bind between cells whose common people outnumber the product of their fewest groups."""
    members_of = [set(c) for c in cells]

    def units(shared: set[int]) -> int:
        # Partners kept together may meet in every round: inside Q they count as one.
        if not together:
            return len(shared)
        return len(shared) - sum(1 for a in shared if (b := by_id[a].partner) is not None and a < b and b in shared)

    return [
        (c, d, q)
        for c, d in itertools.combinations(range(len(cells)), 2)
        if cell_rounds[c] != cell_rounds[d] and (q := units(members_of[c] & members_of[d])) > fewest[c] * fewest[d]
    ]


def _best_by_group_count(
    members: tuple[int, ...], floor: int, by_id: dict[int, Person], lo: int, hi: int, weights: DiversityWeights
) -> dict[int, float] | None:
    """B_c(k): the cell's best diversity split into k groups, for every k from ``floor`` (empty: no such
    split); None when the cell has too many size profiles to list."""
    profiles = _profiles(len(members), lo, hi, _MAX_PROFILES)
    if profiles is None:
        return None
    who = [by_id[a] for a in members]
    stats = _People.of([p.experience for p in who], [p.industry for p in who])
    best: dict[int, float] = {}
    for p in profiles:
        k = sum(p.values())
        if k >= floor:
            best[k] = max(best.get(k, -np.inf), _profile_value(stats, p, weights))
    return best


def _clash_rows(
    model: MixedIntegerProgramme, count_var: dict[int, dict[int, int]], clashes: list[tuple[int, int, int]]
) -> None:
    """Two clashing cells with q common people: k groups in one and k2 in the other only if k·k2 ≥ q."""
    for c, d, q in clashes:
        if c not in count_var or d not in count_var:
            continue
        for first, second in ((c, d), (d, c)):
            for k, x in count_var[first].items():
                allowed = [y for k2, y in count_var[second].items() if k * k2 >= q]
                if len(allowed) == len(count_var[second]):
                    continue
                row = model.row(-np.inf, 0.0)
                model.add(row, x, 1.0)
                for y in allowed:
                    model.add(row, y, -1.0)


@lru_cache(maxsize=64)
def _linked_cached(
    cells: tuple[tuple[int, ...], ...],
    cell_rounds: tuple[int, ...],
    free: tuple[float, ...],
    people: tuple[Person, ...],
    lo: int,
    hi: int,
    weights: DiversityWeights,
    policy: DuoPolicy,
) -> LinkedBound | None:
    together = policy is DuoPolicy.TOGETHER
    by_id = {p.id: p for p in people}
    floors, fewest = [], []
    for members in cells:
        k = _fewest_groups(len(members), lo, hi)
        if k is None:
            return None
        fewest.append(k)
        floors.append(sizes_floor([by_id[a] for a in members], policy))
    clashes = _clashes(cells, cell_rounds, fewest, by_id, together)
    touched = sorted({c for c, _, _ in clashes} | {d for _, d, _ in clashes}
                     | {c for c in range(len(cells)) if floors[c] > fewest[c]})
    best_by_count: dict[int, dict[int, float]] = {}  # B_c(k) for the cells the rules touch
    for c in touched:
        best = _best_by_group_count(cells[c], floors[c], by_id, lo, hi, weights)
        if best is None:
            continue  # too many profiles to list: the cell keeps its own bound (still valid)
        if not best:
            return None
        best_by_count[c] = best
    untouched = sum(free[c] for c in range(len(cells)) if c not in best_by_count)
    free_value = float(sum(free))
    sizes_value = untouched + sum(min(free[c], max(b.values())) for c, b in best_by_count.items())
    model = MixedIntegerProgramme(_MAX_NODES)
    count_var: dict[int, dict[int, int]] = {}
    for c, best in best_by_count.items():
        one = model.row(1.0, 1.0)
        count_var[c] = {
            k: model.column(min(free[c], b), 0.0, 1.0, [(one, 1.0)], integer=True) for k, b in sorted(best.items())
        }
    _clash_rows(model, count_var, clashes)
    counts: list[int | None] = [None] * len(cells)
    if not count_var:
        return LinkedBound(sizes_value, sizes_value, free_value, True, False, tuple(counts))
    solved, bound, chosen = model.solve()
    if bound is None:
        return None
    for c, options in count_var.items():
        counts[c] = next((k for k, x in options.items() if chosen is not None and chosen[x] > 0.5), None)
    value = min(untouched + bound + _SAFETY * max(1.0, abs(bound)), sizes_value)
    linked = value < sizes_value - _SAFETY * max(1.0, sizes_value)
    return LinkedBound(value, sizes_value, free_value, solved, linked, tuple(counts))
