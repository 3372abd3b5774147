"""The search over every round at once (joint.py): it keeps the theme plan, the group counts, the sizes and the
pins, returns a plan that keeps every rule, never worse than the one it started from, and the same for a seed."""

from __future__ import annotations

from itertools import combinations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pairing.grouping.joint import anneal_plan


def _plan(n: int, rounds: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """Everyone in one theme per round, k groups dealt round-robin over a shuffled order (group ids global)."""
    grp = np.empty((rounds, n), dtype=np.int64)
    for r in range(rounds):
        order = rng.permutation(n)
        grp[r, order] = r * k + np.arange(n) % k
    return grp


def _broken(grp: np.ndarray, forbid: np.ndarray) -> int:
    meet: dict[tuple[int, int], int] = {}
    broken = 0
    for r in range(grp.shape[0]):
        for g in np.unique(grp[r]):
            for a, b in combinations(np.flatnonzero(grp[r] == g).tolist(), 2):
                broken += int(forbid[a, b]) + (meet.get((a, b), 0) >= 1)
                meet[(a, b)] = meet.get((a, b), 0) + 1
    return broken


def _value(grp: np.ndarray, dist: np.ndarray) -> float:
    return float(sum(dist[a, b] for r in range(grp.shape[0]) for g in np.unique(grp[r])
                     for a, b in combinations(np.flatnonzero(grp[r] == g).tolist(), 2)))


@settings(max_examples=30, deadline=None)
@given(n=st.integers(8, 24), rounds=st.integers(2, 3), seed=st.integers(0, 10_000), colleagues=st.integers(0, 3))
def test_annealing_keeps_the_rules_the_counts_and_the_pins(n: int, rounds: int, seed: int, colleagues: int) -> None:
    rng = np.random.default_rng(seed)
    k = max(2, n // 5)
    lo, hi = max(1, n // k - 1), n // k + 2
    exp = rng.integers(0, 5, n)
    ind = rng.integers(0, 3, n)
    dist = np.abs(exp[:, None] - exp[None, :]) + 2.0 * (ind[:, None] != ind[None, :])
    forbid = np.zeros((n, n), dtype=bool)
    for a in range(colleagues):  # a few colleague pairs that may never share a group
        forbid[2 * a, 2 * a + 1] = forbid[2 * a + 1, 2 * a] = True
    start = _plan(n, rounds, k, rng)
    movable = np.ones((rounds, n), dtype=bool)
    movable[0, n - 1] = False  # pinned to its group in round 1
    group_cell = np.repeat(np.arange(rounds), k)
    cell_round = np.arange(rounds)
    found, value = anneal_plan(dist, forbid, start, group_cell, movable, cell_round, lo, hi, steps=5_000,
                               t_start=2.0, t_end=0.05, penalty_start=3.0, penalty_end=12.0, seed=seed)
    if value < 0:  # neither the start nor any step kept the rules
        assert _broken(start, forbid) > 0
        return
    assert _broken(found, forbid) == 0
    assert value == _value(found, dist)
    if _broken(start, forbid) == 0:
        assert value >= _value(start, dist)
    assert found[0, n - 1] == start[0, n - 1]
    for r in range(rounds):
        sizes = np.bincount(found[r] - r * k, minlength=k)
        assert len(sizes) == k
        assert ((lo <= sizes) & (sizes <= hi)).all()
    again, again_value = anneal_plan(dist, forbid, start, group_cell, movable, cell_round, lo, hi, steps=5_000,
                                     t_start=2.0, t_end=0.05, penalty_start=3.0, penalty_end=12.0, seed=seed)
    assert (again == found).all()
    assert again_value == value
