"""A search that changes every round at once: simulated annealing over the whole plan of a small event.

The rounds' sweeps (rounds.py) revisit one (round, theme) at a time with the other rounds' meetings fixed, so
a plan that needs two rounds to change together (swap a and b in round 1 so that a may join c in round 3)
is out of their reach. Here the state is every round's groups at once, and the rule that nobody meets twice
is a penalty on the number of rounds two people share, so one step may make a meeting twice for a while and
a later step in another round undo it.

A step swaps two people of one (round, theme) between its groups, or moves one person to another group of
it where the sizes allow; the theme plan, the number of groups per (round, theme) and pins to a group never
change. With ``meet[a, b]`` the rounds a and b share, the plan scores diversity − P · (Σ max(0, meet − 1) +
Σ meet over pairs that may never meet: colleagues, partners kept apart). A step changes O(group size) pairs,
so it is priced in O(group size). Steps are accepted by the Metropolis rule with a falling temperature; the
best plan with no broken rule is kept. Deterministic for the seed (a splitmix64 stream, as the tabu search).
Partners kept together are left to the rounds' sweeps (they move as one, which this state does not model).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._kernels import rand_below, rand_unit

__all__ = ["anneal_plan"]

_EPS = 1e-9


@njit(cache=True)
def _delta(
    dist: np.ndarray, forbid: np.ndarray, meet: np.ndarray, mem: np.ndarray, size: np.ndarray,
    i: int, j: int, g: int, h: int,
) -> tuple[float, int]:
    """(diversity change, broken-rule change) of moving i from g to h (j < 0) or swapping i with j of h."""
    d_div = 0.0
    d_broken = 0
    for x in range(size[g]):
        m = mem[g, x]
        if m == i:
            continue
        d_div -= dist[i, m]
        d_broken -= (1 if meet[i, m] >= 2 else 0) + (1 if forbid[i, m] else 0)
        if j >= 0:
            d_div += dist[j, m]
            d_broken += (1 if meet[j, m] >= 1 else 0) + (1 if forbid[j, m] else 0)
    for x in range(size[h]):
        m = mem[h, x]
        if m == j:
            continue
        d_div += dist[i, m]
        d_broken += (1 if meet[i, m] >= 1 else 0) + (1 if forbid[i, m] else 0)
        if j >= 0:
            d_div -= dist[j, m]
            d_broken -= (1 if meet[j, m] >= 2 else 0) + (1 if forbid[j, m] else 0)
    return d_div, d_broken


@njit(cache=True)
def _apply(
    grp: np.ndarray, meet: np.ndarray, mem: np.ndarray, size: np.ndarray, slot: np.ndarray,
    r: int, i: int, j: int, g: int, h: int,
) -> None:
    """Move i from g to h (j < 0) or swap i with j of h: meetings first, then the membership lists."""
    for x in range(size[g]):
        m = mem[g, x]
        if m == i:
            continue
        meet[i, m] -= 1
        meet[m, i] -= 1
        if j >= 0:
            meet[j, m] += 1
            meet[m, j] += 1
    for x in range(size[h]):
        m = mem[h, x]
        if m == j:
            continue
        meet[i, m] += 1
        meet[m, i] += 1
        if j >= 0:
            meet[j, m] -= 1
            meet[m, j] -= 1
    if j >= 0:
        si = slot[r, i]
        sj = slot[r, j]
        mem[g, si] = j
        mem[h, sj] = i
        slot[r, i] = sj
        slot[r, j] = si
        grp[r, i] = h
        grp[r, j] = g
    else:
        si = slot[r, i]
        last = mem[g, size[g] - 1]
        mem[g, si] = last
        slot[r, last] = si
        mem[g, size[g] - 1] = -1
        size[g] -= 1
        mem[h, size[h]] = i
        slot[r, i] = size[h]
        size[h] += 1
        grp[r, i] = h


@njit(cache=True)
def _members(grp: np.ndarray, n_groups: int, cap: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """Each group's members (``mem[g, :size[g]]``) and each person's slot in their group; False when a group
    holds more than ``cap`` people."""
    n_rounds, n = grp.shape
    mem = np.full((n_groups, cap), -1, dtype=np.int64)
    size = np.zeros(n_groups, dtype=np.int64)
    slot = np.full((n_rounds, n), -1, dtype=np.int64)
    for r in range(n_rounds):
        for i in range(n):
            g = grp[r, i]
            if g >= 0:
                if size[g] >= cap:
                    return mem, size, slot, False
                mem[g, size[g]] = i
                slot[r, i] = size[g]
                size[g] += 1
    return mem, size, slot, True


@njit(cache=True)
def _score(
    dist: np.ndarray, forbid: np.ndarray, mem: np.ndarray, size: np.ndarray
) -> tuple[np.ndarray, float, int]:
    """Who meets whom how often, the plan's diversity, and its broken rules (a repeated meeting or a
    forbidden pair, each time)."""
    n = dist.shape[0]
    meet = np.zeros((n, n), dtype=np.int64)
    div = 0.0
    broken = 0
    for g in range(size.shape[0]):
        for x in range(size[g]):
            a = mem[g, x]
            for y in range(x + 1, size[g]):
                b = mem[g, y]
                div += dist[a, b]
                if meet[a, b] >= 1:
                    broken += 1
                if forbid[a, b]:
                    broken += 1
                meet[a, b] += 1
                meet[b, a] += 1
    return meet, div, broken


@njit(cache=True)
def _descend(
    dist: np.ndarray,
    forbid: np.ndarray,
    grp: np.ndarray,
    meet: np.ndarray,
    mem: np.ndarray,
    size: np.ndarray,
    slot: np.ndarray,
    cell_groups: np.ndarray,
    cell_nodes: np.ndarray,
    cell_count: np.ndarray,
    cell_round: np.ndarray,
    lo: int,
    hi: int,
) -> tuple[float, int]:
    """Best swaps and moves of every (round, theme), fewer broken rules first, until none improves; the
    change in diversity and in broken rules."""
    div = 0.0
    broken = 0
    improved = True
    while improved:
        improved = False
        for c in range(cell_count.shape[0]):
            r = cell_round[c]
            for a in range(cell_count[c]):
                i = cell_nodes[c, a]
                for b in range(cell_groups.shape[1] + cell_count[c]):
                    g = grp[r, i]
                    j = -1
                    if b < cell_groups.shape[1]:
                        h = cell_groups[c, b]
                        if h < 0 or h == g or size[h] >= hi or size[g] <= lo:
                            continue
                    else:
                        j = cell_nodes[c, b - cell_groups.shape[1]]
                        h = grp[r, j]
                        if h == g:
                            continue
                    d_div, d_broken = _delta(dist, forbid, meet, mem, size, i, j, g, h)
                    if d_broken < 0 or (d_broken == 0 and d_div > _EPS):
                        _apply(grp, meet, mem, size, slot, r, i, j, g, h)
                        div += d_div
                        broken += d_broken
                        improved = True
    return div, broken


@njit(cache=True)
def _anneal(
    dist: np.ndarray,  # [N, N] pair scores
    forbid: np.ndarray,  # [N, N] pairs that may never share a group
    grp: np.ndarray,  # [R, N] group id (global) per round, -1: not in this round
    group_cell: np.ndarray,  # [G]
    cell_groups: np.ndarray,  # [C, max groups per cell] group ids, -1 padded
    cell_nodes: np.ndarray,  # [C, max movable people per cell] people, -1 padded
    cell_count: np.ndarray,  # [C] movable people per cell
    cell_round: np.ndarray,  # [C]
    lo: int,
    hi: int,
    steps: int,
    t_start: float,
    t_end: float,
    p_start: float,
    p_end: float,
    target: float,  # stop once a plan without broken rules reaches this (a proven bound)
    rng_state: np.ndarray,
    best_grp: np.ndarray,  # [R, N] out: best plan without broken rules (the start if none is better)
) -> float:
    """Anneal ``grp`` in place for ``steps`` steps, then descend to a local optimum; return the diversity of
    ``best_grp`` (-1 when no plan seen kept the rules)."""
    mem, size, slot, fits = _members(grp, group_cell.shape[0], hi + 1)
    if not fits:
        return -1.0  # a group over the size limit: not a plan this search works on
    meet, div, broken = _score(dist, forbid, mem, size)
    best = div if broken == 0 else -1.0
    best_grp[:, :] = grp
    total = 0
    for c in range(cell_count.shape[0]):
        total += cell_count[c]
    if total < 2 or best >= target - _EPS:
        return best
    # --- annealing: the temperature falls and the penalty per broken rule rises, geometrically ------------
    t_ratio = (t_end / t_start) ** (1.0 / max(1, steps))
    p_ratio = (p_end / p_start) ** (1.0 / max(1, steps))
    temp = t_start
    penalty = p_start
    for _ in range(steps):
        temp *= t_ratio
        penalty *= p_ratio
        pick = rand_below(rng_state, total)  # a movable person, every (round, theme) by its people
        c = 0
        while pick >= cell_count[c]:
            pick -= cell_count[c]
            c += 1
        r = cell_round[c]
        i = cell_nodes[c, pick]
        g = grp[r, i]
        # A move where the sizes allow it (a third of the tries), else a swap with someone of another group.
        j = -1
        if rand_unit(rng_state) < 0.33 and size[g] > lo:
            width = 0
            while width < cell_groups.shape[1] and cell_groups[c, width] >= 0:
                width += 1
            h = cell_groups[c, rand_below(rng_state, width)]
            if h == g or size[h] >= hi:
                continue
        else:
            j = cell_nodes[c, rand_below(rng_state, cell_count[c])]
            h = grp[r, j]
            if h == g:
                continue
        d_div, d_broken = _delta(dist, forbid, meet, mem, size, i, j, g, h)
        delta = d_div - penalty * d_broken
        if delta < 0.0 and rand_unit(rng_state) >= np.exp(delta / temp):
            continue
        _apply(grp, meet, mem, size, slot, r, i, j, g, h)
        div += d_div
        broken += d_broken
        if broken == 0 and div > best + _EPS:
            best = div
            best_grp[:, :] = grp
            if best >= target - _EPS:
                return best
    d_div, d_broken = _descend(dist, forbid, grp, meet, mem, size, slot, cell_groups, cell_nodes, cell_count,
                               cell_round, lo, hi)
    div += d_div
    broken += d_broken
    if broken == 0 and div > best + _EPS:
        best = div
        best_grp[:, :] = grp
    return best


def anneal_plan(
    dist: np.ndarray,
    forbid: np.ndarray,
    grp: np.ndarray,
    group_cell: np.ndarray,
    movable: np.ndarray,
    cell_round: np.ndarray,
    lo: int,
    hi: int,
    *,
    steps: int,
    t_start: float,
    t_end: float,
    penalty_start: float,
    penalty_end: float,
    seed: int,
    target: float = np.inf,
) -> tuple[np.ndarray, float]:
    """The best rule-keeping plan the annealing finds from ``grp`` ([rounds, people] global group ids, -1
    where someone has no group), and its diversity (-1 when neither the start nor any step keeps the rules).

    ``group_cell[g]`` is the (round, theme) cell of group g, ``cell_round[c]`` its round; ``movable[r, i]`` is
    false for people pinned to a group. It stops early once a rule-keeping plan reaches ``target`` (a proven
    bound: nothing better exists). Pure and deterministic for ``seed``.
    """
    if min(t_start, t_end, penalty_start, penalty_end) <= 0:
        raise ValueError("temperatures and penalties must be positive")
    n_rounds, n = grp.shape
    n_cells = len(cell_round)
    groups_of: list[list[int]] = [[] for _ in range(n_cells)]
    for g, c in enumerate(group_cell.tolist()):
        groups_of[c].append(g)
    nodes_of: list[list[int]] = [[] for _ in range(n_cells)]
    for r in range(n_rounds):
        for i in range(n):
            g = int(grp[r, i])
            if g >= 0 and movable[r, i]:
                nodes_of[int(group_cell[g])].append(i)
    cell_groups = np.full((n_cells, max(1, max(map(len, groups_of), default=1))), -1, dtype=np.int64)
    cell_nodes = np.full((n_cells, max(1, max(map(len, nodes_of), default=1))), -1, dtype=np.int64)
    for c in range(n_cells):
        cell_groups[c, : len(groups_of[c])] = groups_of[c]
        cell_nodes[c, : len(nodes_of[c])] = nodes_of[c]
        if len(groups_of[c]) < 2:
            nodes_of[c] = []  # one group: nothing to swap or move
    cell_count = np.array([len(x) for x in nodes_of], dtype=np.int64)
    state = np.random.SeedSequence(int(seed)).generate_state(1, dtype=np.uint64)
    work = grp.astype(np.int64).copy()
    best = np.empty_like(work)
    value = _anneal(dist.astype(np.float64), forbid.astype(np.bool_), work, group_cell.astype(np.int64), cell_groups,
                    cell_nodes, cell_count, cell_round.astype(np.int64), int(lo), int(hi), int(steps),
                    float(t_start), float(t_end), float(penalty_start), float(penalty_end), float(target), state, best)
    return best, value
