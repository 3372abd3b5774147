"""The raw MDGP solver: incremental deltas, resumable compiled search, determinism, the exact optimum."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pairing.grouping import _kernels
from pairing.grouping.mdgp import TabuSettings, _crossover, _Search, group_value, initial_groups, solve_mdgp
from tests.support.mdgp import read_mdgp_instance


def _instance(n: int, seed: int) -> np.ndarray:
    raw = np.random.default_rng(seed).normal(size=(n, n))
    return np.triu(raw, 1) + np.triu(raw, 1).T


@settings(max_examples=30, deadline=None)
@given(n=st.integers(4, 30), k=st.integers(2, 5), seed=st.integers(0, 10_000), with_linear=st.booleans())
def test_incremental_move_and_swap_deltas_equal_a_full_rescore(n: int, k: int, seed: int, with_linear: bool) -> None:
    k = min(k, n // 2)
    rng = np.random.default_rng(seed)
    dist = _instance(n, seed)
    linear = rng.normal(size=(k, n)) if with_linear else np.zeros((k, n))
    grp = rng.integers(0, k, size=n)
    mt = np.empty((k, n))
    sizes = np.zeros(k, dtype=np.int64)
    value = _kernels.build_state(dist, linear, grp, mt, sizes)
    assert value == pytest.approx(group_value(dist, grp, linear), abs=1e-9)
    assert (sizes == np.bincount(grp, minlength=k)).all()
    for _ in range(10):
        i, j = rng.integers(0, n, size=2)
        h = int(rng.integers(0, k))
        moved = grp.copy()
        moved[i] = h
        assert _kernels.move_delta(mt, grp, i, h) == pytest.approx(group_value(dist, moved, linear) - value, abs=1e-9)
        if grp[i] != grp[j]:
            swapped = grp.copy()
            swapped[i], swapped[j] = grp[j], grp[i]
            assert _kernels.swap_delta(dist, mt, grp, i, j) == pytest.approx(
                group_value(dist, swapped, linear) - value, abs=1e-9
            )


@settings(max_examples=20, deadline=None)
@given(n=st.integers(6, 40), k=st.integers(2, 5), seed=st.integers(0, 10_000), flexible=st.booleans())
def test_maintained_state_matches_a_rebuild_after_a_search(n: int, k: int, seed: int, flexible: bool) -> None:
    k = min(k, n // 3)
    dist = _instance(n, seed)
    lo = np.full(k, n // k - (1 if flexible else 0))
    hi = np.full(k, n // k + (2 if flexible else 0))
    hi[-1] += n - int(hi.sum()) if hi.sum() < n else 0
    lo[-1] = min(int(lo[-1]), n - int(lo[:-1].sum())) if not flexible else lo[-1]
    if not lo.sum() <= n <= hi.sum():
        return
    rng = np.random.default_rng(seed)
    start = initial_groups(n, lo, hi, rng)
    search = _Search(dist, start, lo, hi, np.ones(n, dtype=bool), TabuSettings(stall_iterations=30), seed)
    search.run(500)
    sizes = np.bincount(search.grp, minlength=k)
    assert ((lo <= sizes) & (sizes <= hi)).all()
    fresh_mt = np.empty_like(search.mt)
    fresh_sizes = np.zeros_like(search.sizes)
    value = _kernels.build_state(search.dist, search.linear, search.grp, fresh_mt, fresh_sizes)
    np.testing.assert_allclose(search.mt, fresh_mt, atol=1e-8)
    assert (fresh_sizes == search.sizes).all()
    assert search.floats[_kernels.F_CUR] == pytest.approx(value, abs=1e-7)
    assert search.floats[_kernels.F_ELITE] == pytest.approx(group_value(dist, search.elite), abs=1e-7)
    assert search.floats[_kernels.F_ELITE] >= group_value(dist, start) - 1e-9


def test_fixed_iteration_budget_is_deterministic_and_independent_of_chunking() -> None:
    dist = _instance(48, 3)
    bounds = [(10, 14)] * 4
    once = solve_mdgp(dist, bounds, math.inf, seed=5, max_iterations=3_000)
    again = solve_mdgp(dist, bounds, math.inf, seed=5, max_iterations=3_000)
    assert once == again
    lo = np.array([a for a, _ in bounds])
    hi = np.array([b for _, b in bounds])
    start = initial_groups(48, lo, hi, np.random.default_rng(0))
    whole = _Search(dist, start, lo, hi, np.ones(48, dtype=bool), TabuSettings(stall_iterations=50), 9)
    whole.run(2_000)
    pieces = _Search(dist, start, lo, hi, np.ones(48, dtype=bool), TabuSettings(stall_iterations=50), 9)
    for budget in (1, 7, 300, 692, 1_000):
        pieces.run(budget)
    assert whole.iterations == pieces.iterations == 2_000
    assert (whole.elite == pieces.elite).all()
    assert (whole.grp == pieces.grp).all()


def test_fixed_iteration_budget_reaches_the_exact_optimum_of_the_smallest_instance() -> None:
    dist, bounds = read_mdgp_instance("RanReal_n010_ss_01")
    for seed in range(5):
        groups, value = solve_mdgp(dist, bounds, math.inf, seed=seed, max_iterations=2_000)
        assert value == pytest.approx(1427.845, abs=1e-6)
        assert sorted(x for g in groups for x in g) == list(range(10))
        assert [len(g) for g in groups] == [5, 5]


def test_flexible_sizes_stay_within_their_bounds() -> None:
    dist, bounds = read_mdgp_instance("RanReal_n120_ds_01")
    groups, value = solve_mdgp(dist, bounds, math.inf, seed=1, max_iterations=3_000)
    assert all(a <= len(g) <= b for g, (a, b) in zip(groups, bounds, strict=True))
    assert sorted(x for g in groups for x in g) == list(range(120))
    grp = np.empty(120, dtype=np.int64)
    for g, members in enumerate(groups):
        grp[members] = g
    assert value == pytest.approx(group_value(dist, grp), abs=1e-6)


@pytest.mark.parametrize("flexible", [False, True])
def test_bound_pruned_swap_pricing_follows_the_same_walk_as_a_plain_scan(flexible: bool) -> None:
    n, k = 200, 8
    raw = np.random.default_rng(11).random((n, n))
    dist = np.triu(raw, 1) + np.triu(raw, 1).T
    lo = np.full(k, 22 if flexible else 25)
    hi = np.full(k, 28 if flexible else 25)
    start = initial_groups(n, lo, hi, np.random.default_rng(2))
    walks = []
    for prune in (_kernels.PRUNE_NEVER, _kernels.PRUNE_ALWAYS):
        search = _Search(dist, start, lo, hi, np.ones(n, dtype=bool), TabuSettings(stall_iterations=40), 4, prune=prune)
        search.run(400)
        walks.append(search)
    plain, pruned = walks
    assert (plain.grp == pruned.grp).all()
    assert (plain.elite == pruned.elite).all()
    assert plain.floats[_kernels.F_ELITE] == pruned.floats[_kernels.F_ELITE]


@settings(max_examples=30, deadline=None)
@given(n=st.integers(8, 60), k=st.integers(2, 6), seed=st.integers(0, 10_000))
def test_crossover_children_respect_the_size_bounds(n: int, k: int, seed: int) -> None:
    k = min(k, n // 4)
    rng = np.random.default_rng(seed)
    lo = rng.integers(2, 4, size=k)
    hi = lo + rng.integers(0, 4, size=k)
    if not lo.sum() <= n <= hi.sum():
        return
    dist = _instance(n, seed)
    a = initial_groups(n, lo, hi, rng)
    b = rng.permutation(a)
    child = _crossover(dist, a, b, lo, hi, rng)
    sizes = np.bincount(child, minlength=k)
    assert len(child) == n
    assert child.min() >= 0
    assert ((lo <= sizes) & (sizes <= hi)).all()


def test_sizes_drift_within_their_bounds_when_moves_pay() -> None:
    # Moves change group sizes (priced in O(1) like swaps). From an even size profile on uniform distances,
    # the search trades it for one with more pairs; from the pair-maximising profile a size change loses
    # whole pairs, which is why sizes stay put there.
    n, k = 60, 6
    raw = np.random.default_rng(7).random((n, n))
    dist = np.triu(raw, 1) + np.triu(raw, 1).T
    lo = np.full(k, 4)
    hi = np.full(k, 16)
    start = np.repeat(np.arange(k), n // k)
    np.random.default_rng(1).shuffle(start)
    search = _Search(dist, start, lo, hi, np.ones(n, dtype=bool), TabuSettings(stall_iterations=100), 3)
    search.run(3_000)
    sizes = np.bincount(search.elite, minlength=k)
    assert ((lo <= sizes) & (sizes <= hi)).all()
    assert (sizes * (sizes - 1)).sum() > (np.full(k, n // k) * (n // k - 1)).sum()
    assert search.floats[_kernels.F_ELITE] == pytest.approx(group_value(dist, search.elite), abs=1e-7)
