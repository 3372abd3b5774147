"""Maximally diverse grouping (MDGP): a memetic algorithm around a compiled iterated tabu search.

The tabu search lives in ``_kernels`` (numba, compiled once per machine and cached next to the
module). It keeps ``mt[g, i] = sum of d(i, j) over j in group g`` so that every move (i to group h)
gains ``mt[h, i] - mt[grp[i], i]`` and every swap (i, j) gains
``gain(i -> grp[j]) + gain(j -> grp[i]) - 2 d(i, j)``: O(1) per candidate, O(n) to apply. Each
iteration takes the best non-tabu move or swap (a moved person is frozen for a random tenure, with
aspiration); swaps are priced in order of an upper bound, so most of the n² pairs are never looked at.
After a stall the phase ends and the next one starts from the elite or the phase's best after an
undirected random perturbation (cf. Gallego et al. 2013; Yang et al. 2022).

``solve_mdgp`` (the raw benchmark mode) breeds a small population of such optima with a group-based
crossover (groups inherited whole from either parent, the rest placed greedily), as in the
population phase of TPSDP (Yang et al. 2022). ``improve_groups`` (the event engine's search) runs
the iterated tabu search alone, optionally in windows of whole groups (exact, because the
objective is a sum over groups), which keeps iterations cheap for thousands of people.

Determinism: every random choice comes from the seed (numpy ``Generator`` for the memetic layer,
a splitmix64 stream inside the kernel), and the compiled search is resumable, so the result is a
function of the seed and the number of tabu iterations done. With a fixed ``max_iterations`` (and
no time limit) the result is reproducible; with a time limit it depends on how far the machine got.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import _kernels

POPULATION = 6
IMPROVE_PHASES = 10

__all__ = ["TabuSettings", "group_value", "improve_groups", "initial_groups", "solve_mdgp"]


@dataclass(frozen=True)
class TabuSettings:
    """Knobs of one tabu phase; the defaults were tuned on the MDGPLIB instances."""

    stall_iterations: int = 400
    tenure_min: int = 5
    tenure_span: int = 10
    perturb_min_fraction: float = 0.03
    perturb_max_fraction: float = 0.12
    restart_from_elite: float = 0.7


def group_value(dist: np.ndarray, grp: np.ndarray, linear: np.ndarray | None = None) -> float:
    """Sum over groups of d(i, j) over unordered pairs in the same group (+ linear[grp[i], i])."""
    same = grp[:, None] == grp[None, :]
    value = float(np.where(same, dist, 0.0).sum() / 2.0 - np.trace(dist) / 2.0)
    if linear is not None:
        value += float(linear[grp, np.arange(len(grp))].sum())
    return value


def most_pairs_sizes(n: int, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Group sizes within [lo, hi] summing to n that maximise the number of pairs.

    The objective is roughly (number of same-group pairs) × (mean distance), and the pair count is
    convex in the sizes, so the best size profile sits at an extreme that one-person moves reach
    only through many worse states; a knapsack DP finds it exactly (O(groups · n · width)).
    """
    n_groups = len(lo)
    worst = -1
    best = np.full(n + 1, worst, dtype=np.int64)
    best[0] = 0
    choice = np.zeros((n_groups, n + 1), dtype=np.int64)
    for g in range(n_groups):
        nxt = np.full(n + 1, worst, dtype=np.int64)
        for size in range(int(lo[g]), int(hi[g]) + 1):
            pairs = size * (size - 1) // 2
            cand = np.full(n + 1, worst, dtype=np.int64)
            cand[size:] = np.where(best[: n + 1 - size] >= 0, best[: n + 1 - size] + pairs, worst)
            better = cand > nxt
            nxt[better] = cand[better]
            choice[g, better] = size
        best = nxt
    if best[n] < 0:
        raise ValueError("no size profile fits the bounds")
    sizes = np.zeros(n_groups, dtype=np.int64)
    left = n
    for g in range(n_groups - 1, -1, -1):
        sizes[g] = choice[g, left]
        left -= sizes[g]
    return sizes


def initial_groups(n: int, lo: np.ndarray, hi: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random assignment with the pair-maximising size profile (requires sum(lo) <= n <= sum(hi))."""
    sizes = most_pairs_sizes(n, lo, hi)
    grp = np.repeat(np.arange(len(sizes)), sizes)
    rng.shuffle(grp)
    return grp


class _Search:
    """One resumable compiled search over ``dist`` (see ``_kernels.run_search``)."""

    def __init__(
        self,
        dist: np.ndarray,
        grp: np.ndarray,
        lo: np.ndarray,
        hi: np.ndarray,
        movable: np.ndarray,
        settings: TabuSettings,
        seed: int,
        *,
        linear: np.ndarray | None = None,
        target: float = np.inf,
        single_phase: bool = False,
        prune: int = _kernels.PRUNE_AUTO,
    ) -> None:
        n = dist.shape[0]
        n_groups = len(lo)
        self.dist = np.ascontiguousarray(dist, dtype=np.float64)
        self.linear = np.zeros((n_groups, n)) if linear is None else np.ascontiguousarray(linear, dtype=np.float64)
        self.lo = np.ascontiguousarray(lo, dtype=np.int64)
        self.hi = np.ascontiguousarray(hi, dtype=np.int64)
        self.movable = np.ascontiguousarray(movable, dtype=np.bool_)
        self.grp = np.array(grp, dtype=np.int64)
        self.mt = np.empty((n_groups, n))
        self.sizes = np.zeros(n_groups, dtype=np.int64)
        self.tabu_until = np.zeros(n, dtype=np.int64)
        self.phase_best = self.grp.copy()
        self.elite = self.grp.copy()
        self.ints = np.zeros(4, dtype=np.int64)
        self.floats = np.zeros(3)
        self.start_value = _kernels.build_state(self.dist, self.linear, self.grp, self.mt, self.sizes)
        self.floats[:] = self.start_value
        self.params = np.array(
            [
                settings.stall_iterations,
                settings.tenure_min,
                settings.tenure_span,
                settings.perturb_min_fraction,
                settings.perturb_max_fraction,
                settings.restart_from_elite,
                self.start_value + target,
                1.0 if single_phase else 0.0,
                prune,
            ],
            dtype=np.float64,
        )
        self.rng_state = np.array([seed & (2**64 - 1)], dtype=np.uint64)

    @property
    def iterations(self) -> int:
        return int(self.ints[_kernels.I_ITER])

    @property
    def done(self) -> bool:
        return bool(self.ints[_kernels.I_DONE])

    @property
    def gain(self) -> float:
        """Value of the elite minus the value of the start."""
        return float(self.floats[_kernels.F_ELITE]) - self.start_value

    def run(self, budget: int) -> None:
        _kernels.run_search(
            self.dist,
            self.linear,
            self.lo,
            self.hi,
            self.movable,
            self.grp,
            self.mt,
            self.sizes,
            self.tabu_until,
            self.phase_best,
            self.elite,
            self.ints,
            self.floats,
            self.params,
            self.rng_state,
            int(budget),
        )

    def run_until(
        self, max_iterations: int, out_of_time: Callable[[], bool] | None, clock: Callable[[], float]
    ) -> None:
        """Run to ``max_iterations`` in chunks of about 20 ms, checking ``out_of_time`` between them.

        Chunking never changes the trajectory: the outcome depends only on the iterations done.
        """
        chunk = 16
        first = True
        while self.iterations < max_iterations and not self.done:
            # The first chunk always runs: a caller that spent its time budget on setup still gets a search.
            if not first and out_of_time is not None and out_of_time():
                break
            first = False
            started = clock()
            self.run(min(chunk, max_iterations - self.iterations))
            spent = clock() - started
            if out_of_time is not None:
                chunk = int(min(max(chunk * 0.02 / max(spent, 1e-6), 1), 4 * chunk, 2**30))
            else:
                chunk = max_iterations


def improve_groups(
    dist: np.ndarray,
    grp: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    rng: np.random.Generator,
    *,
    movable: np.ndarray | None = None,
    max_iterations: int = 10_000,
    out_of_time: Callable[[], bool] | None = None,
    settings: TabuSettings | None = None,
    window_people: int = 0,
    target_gain: float = np.inf,
    linear: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """Iterated tabu search from ``grp``; returns the best assignment and its gain over ``grp``.

    ``movable[i] = False`` keeps i in its group (pins). ``window_people > 0`` searches random
    windows of whole groups holding about that many people instead of the full instance: exact
    for the objective because it is a sum over groups. Deterministic for a given rng unless
    ``out_of_time`` (a caller-supplied clock check) stops it early.
    """
    settings = settings or TabuSettings()
    n = dist.shape[0]
    n_groups = len(lo)
    movable = np.ones(n, dtype=bool) if movable is None else movable
    grp = np.asarray(grp, dtype=np.int64)
    if not (window_people and window_people < n):
        search = _Search(
            dist, grp, lo, hi, movable, settings, int(rng.integers(2**63)), linear=linear, target=target_gain
        )
        search.run_until(max_iterations, out_of_time, time.perf_counter)
        best = search.elite.copy()
        return best, group_value(dist, best, linear) - group_value(dist, grp, linear)
    cur_grp = grp.copy()
    gain_sum = 0.0
    used = 0
    stop = out_of_time or (lambda: False)
    avg = max(1.0, n / n_groups)
    k = min(n_groups, max(2, round(window_people / avg)))
    while used < max_iterations and gain_sum < target_gain - 1e-9 and not stop():
        chosen = rng.choice(n_groups, size=k, replace=False)
        members = np.flatnonzero(np.isin(cur_grp, chosen))
        remap = np.full(n_groups, -1)
        remap[chosen] = np.arange(k)
        sub = _Search(
            dist[np.ix_(members, members)],
            remap[cur_grp[members]],
            lo[chosen],
            hi[chosen],
            movable[members],
            settings,
            int(rng.integers(2**63)),
            linear=None if linear is None else linear[np.ix_(chosen, members)],
            target=target_gain - gain_sum,
            single_phase=True,
        )
        sub.run(max_iterations - used)
        used += sub.iterations + 1
        if sub.gain > 1e-9:
            cur_grp = cur_grp.copy()
            cur_grp[members] = chosen[sub.elite]
            gain_sum += sub.gain
    return cur_grp, group_value(dist, cur_grp, linear) - group_value(dist, grp, linear)


def _align_labels(a: np.ndarray, b: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Relabel the groups of ``b`` to overlap most with those of ``a`` (only among equal size bounds)."""
    n_groups = len(lo)
    overlap = np.zeros((n_groups, n_groups), dtype=np.int64)
    np.add.at(overlap, (a, b), 1)
    compatible = (lo[:, None] == lo[None, :]) & (hi[:, None] == hi[None, :])
    score = np.where(compatible, overlap, -1).astype(np.float64)
    label = np.arange(n_groups)
    for _ in range(n_groups):
        g, h = divmod(int(np.argmax(score)), n_groups)
        if score[g, h] < 0:
            break
        label[h] = g
        score[g, :] = -np.inf
        score[:, h] = -np.inf
    return label[b]


def _crossover(
    dist: np.ndarray, a: np.ndarray, b: np.ndarray, lo: np.ndarray, hi: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Group-based crossover: each group comes from one parent; the rest is placed greedily.

    Groups are inherited whole (minus people already placed) from a random parent, after aligning
    the parents' group labels; then groups below their minimum, and after them any group with room,
    take the unplaced person closest in total distance to its members (the most diverse addition).
    """
    n = len(a)
    n_groups = len(lo)
    b = _align_labels(a, b, lo, hi)
    child = np.full(n, -1, dtype=np.int64)
    for g in rng.permutation(n_groups):
        parent = a if rng.random() < 0.5 else b
        take = np.flatnonzero((parent == g) & (child < 0))
        if len(take) > hi[g]:
            take = rng.choice(take, size=int(hi[g]), replace=False)
        child[take] = g
    sizes = np.bincount(child[child >= 0], minlength=n_groups)
    placed = child >= 0
    onehot = np.zeros((n, n_groups))
    onehot[np.flatnonzero(placed), child[placed]] = 1.0
    affinity = dist @ onehot  # affinity[i, g]: sum of d(i, j) over j already in g
    free = np.flatnonzero(~placed)
    while len(free):
        short = sizes < lo
        open_groups = short if short.any() else sizes < hi
        scores = np.where(open_groups[None, :], affinity[free], -np.inf)
        k, g = divmod(int(np.argmax(scores)), n_groups)
        i = free[k]
        child[i] = g
        sizes[g] += 1
        affinity[:, g] += dist[:, i]
        free = np.delete(free, k)
    return child


def _memetic(
    dist: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    rng: np.random.Generator,
    settings: TabuSettings,
    max_iterations: int,
    out_of_time: Callable[[], bool],
    clock: Callable[[], float],
    population: int,
    improve_iterations: int,
) -> tuple[np.ndarray, float]:
    """A small population of iterated-tabu-search optima, bred by group-based crossover.

    Each new solution (random at first, then a child of two random members) gets an iterated tabu
    search of ``improve_iterations``; it replaces the worst member when it is better and not already
    in the pool. Stops after ``max_iterations`` tabu iterations in all or when ``out_of_time``.
    """
    n = dist.shape[0]
    everyone = np.ones(n, dtype=bool)
    pool: list[tuple[float, np.ndarray]] = []
    used = 0
    while used < max_iterations and (not pool or not out_of_time()):
        if len(pool) < population:
            start = initial_groups(n, lo, hi, rng)
        else:
            x, y = rng.choice(len(pool), size=2, replace=False)
            start = _crossover(dist, pool[x][1], pool[y][1], lo, hi, rng)
        search = _Search(dist, start, lo, hi, everyone, settings, int(rng.integers(2**63)))
        before = search.iterations
        search.run_until(min(improve_iterations, max_iterations - used), out_of_time, clock)
        used += search.iterations - before
        value = float(search.floats[_kernels.F_ELITE])
        if any(abs(value - v) < 1e-6 for v, _ in pool):
            continue
        if len(pool) < population:
            pool.append((value, search.elite.copy()))
        else:
            worst = min(range(len(pool)), key=lambda k: pool[k][0])
            if value > pool[worst][0]:
                pool[worst] = (value, search.elite.copy())
    value, best = max(pool, key=lambda item: item[0])
    return best, value


def solve_mdgp(
    dist: np.ndarray,
    group_bounds: list[tuple[int, int]],
    time_limit_s: float,
    seed: int,
    *,
    clock: Callable[[], float] = time.perf_counter,
    settings: TabuSettings | None = None,
    max_iterations: int | None = None,
) -> tuple[list[list[int]], float]:
    """Maximise the sum of d(i, j) over pairs in the same group, within ``time_limit_s``.

    ``group_bounds[g] = (a_g, b_g)`` bounds the size of group g. Returns the groups (lists of
    0-based indices) and their value. This is the raw benchmark solver: it is time-bounded by
    definition, so its result depends on machine speed; the event engine uses iteration budgets.
    ``max_iterations`` caps the tabu iterations (all searches together): with it and an infinite
    ``time_limit_s`` the result is a deterministic function of the seed. ``clock`` may be a CPU-time
    clock (``time.process_time``) to give the search one core's worth of time on a busy machine.
    """
    dist = np.asarray(dist, dtype=np.float64)
    n = dist.shape[0]
    lo = np.array([a for a, _ in group_bounds], dtype=np.int64)
    hi = np.array([b for _, b in group_bounds], dtype=np.int64)
    if not (lo.sum() <= n <= hi.sum()):
        raise ValueError(f"{n} people cannot fill groups with bounds summing to [{lo.sum()}, {hi.sum()}]")
    rng = np.random.default_rng(seed)
    if settings is None:
        # Longer tabu walks pay off as n grows (measured on MDGPLIB: 400 at n=120, ~2,000 at n=240).
        settings = TabuSettings(stall_iterations=max(400, 8 * n))
    deadline = clock() + time_limit_s
    best, _ = _memetic(
        dist,
        lo,
        hi,
        rng,
        settings,
        max_iterations or 2**62,
        lambda: clock() >= deadline,
        clock,
        population=POPULATION,
        improve_iterations=IMPROVE_PHASES * settings.stall_iterations,
    )
    groups = [np.flatnonzero(best == g).tolist() for g in range(len(lo))]
    return groups, group_value(dist, best)
