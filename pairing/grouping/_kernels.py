"""Compiled (numba) inner loops of the MDGP search: tabu search with O(1) move/swap deltas.

State of one search: ``grp[i]`` (group of person i), ``mt[g, i] = linear[g, i] + sum of d(i, j) over
j in group g`` (so moving i to h gains ``mt[h, i] - mt[grp[i], i]`` and swapping i, j gains
``gain(i -> grp[j]) + gain(j -> grp[i]) - 2 d(i, j)``), the group sizes, and per-person tabu expiry.
Applying a move or swap touches two rows of ``mt`` (O(n)). One tabu iteration prices the whole
swap and move neighbourhood (O(n²) additions, no allocation).

The search is resumable: every piece of state lives in arrays owned by the caller, and
``run_search`` stops after a given number of iterations, so the Python caller can check its clock
between calls without changing the trajectory: for a given seed the result depends only on the total
number of iterations.

Random numbers come from a splitmix64 stream kept in ``rng_state`` (not numba's global generator),
so results do not depend on anything but the seed.
"""

from __future__ import annotations

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_UNIT = 1.0 / 9007199254740992.0  # 2**-53

# Indices into the integer and float state vectors.
I_ITER, I_STALL, I_PHASES, I_DONE = 0, 1, 2, 3
F_CUR, F_PHASE_BEST, F_ELITE = 0, 1, 2
# Indices into the parameter vector.
P_STALL, P_TENURE_MIN, P_TENURE_SPAN, P_PERTURB_MIN, P_PERTURB_MAX, P_ELITE, P_TARGET, P_SINGLE, P_PRUNE = range(9)
N_PARAMS = 9
PRUNE_AUTO, PRUNE_NEVER, PRUNE_ALWAYS = 0, 1, 2

_EPS = 1e-9
PRUNE_FROM = 160  # people; below this a plain swap scan is as fast


@njit(cache=True)
def _next(state: np.ndarray) -> np.uint64:
    state[0] += _GOLDEN
    z = state[0]
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@njit(cache=True)
def rand_below(state: np.ndarray, k: int) -> int:
    """Uniform integer in [0, k)."""
    return int(_next(state) >> _S11) % k


@njit(cache=True)
def rand_unit(state: np.ndarray) -> float:
    """Uniform float in [0, 1)."""
    return float(_next(state) >> _S11) * _UNIT


@njit(cache=True)
def build_state(dist: np.ndarray, linear: np.ndarray, grp: np.ndarray, mt: np.ndarray, sizes: np.ndarray) -> float:
    """Fill ``mt`` and ``sizes`` from ``grp``; return the objective value of ``grp``."""
    n = dist.shape[0]
    n_groups = mt.shape[0]
    for g in range(n_groups):
        sizes[g] = 0
        for i in range(n):
            mt[g, i] = linear[g, i]
    for j in range(n):
        g = grp[j]
        sizes[g] += 1
        row = dist[j]
        target = mt[g]
        for i in range(n):
            target[i] += row[i]
    value = 0.0
    for i in range(n):
        g = grp[i]
        value += 0.5 * (mt[g, i] - linear[g, i]) + linear[g, i]
    return value


@njit(cache=True)
def _apply_move(dist: np.ndarray, mt: np.ndarray, grp: np.ndarray, sizes: np.ndarray, i: int, h: int) -> None:
    g = grp[i]
    row = dist[i]
    src = mt[g]
    dst = mt[h]
    for k in range(dist.shape[0]):
        src[k] -= row[k]
        dst[k] += row[k]
    sizes[g] -= 1
    sizes[h] += 1
    grp[i] = h


@njit(cache=True)
def _apply_swap(dist: np.ndarray, mt: np.ndarray, grp: np.ndarray, i: int, j: int) -> None:
    gi = grp[i]
    gj = grp[j]
    ri = dist[i]
    rj = dist[j]
    a = mt[gi]
    b = mt[gj]
    for k in range(dist.shape[0]):
        diff = rj[k] - ri[k]
        a[k] += diff
        b[k] -= diff
    grp[i] = gj
    grp[j] = gi


@njit(cache=True)
def swap_delta(dist: np.ndarray, mt: np.ndarray, grp: np.ndarray, i: int, j: int) -> float:
    """Objective change of swapping i and j (different groups), in O(1)."""
    gi = grp[i]
    gj = grp[j]
    return mt[gj, i] - mt[gi, i] + mt[gi, j] - mt[gj, j] - 2.0 * dist[i, j]


@njit(cache=True)
def move_delta(mt: np.ndarray, grp: np.ndarray, i: int, h: int) -> float:
    """Objective change of moving i to group h, in O(1)."""
    return mt[h, i] - mt[grp[i], i]


@njit(cache=True)
def _perturb(
    dist: np.ndarray,
    grp: np.ndarray,
    sizes: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    candidates: np.ndarray,
    strength: int,
    state: np.ndarray,
) -> None:
    """Undirected perturbation: random swaps (and, where sizes allow, random moves) of movable people."""
    m = candidates.shape[0]
    if m < 2:
        return
    for _ in range(strength):
        i = candidates[rand_below(state, m)]
        j = candidates[rand_below(state, m)]
        gi = grp[i]
        gj = grp[j]
        if gi == gj:
            continue
        if rand_unit(state) < 0.3 and sizes[gi] > lo[gi] and sizes[gj] < hi[gj]:
            sizes[gi] -= 1
            sizes[gj] += 1
            grp[i] = gj
        else:
            grp[i] = gj
            grp[j] = gi


# The tabu search's whole loop in one numba kernel (left as it is, by choice): its state lives in preallocated
# arrays it updates in place between calls, and its speed and step-for-step reproducibility are what the MDGP
# benchmarks measure; splitting it moves that loop across kernel boundaries for a lint rule.
@njit(cache=True)
def run_search(  # noqa: C901
    dist: np.ndarray,
    linear: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    movable: np.ndarray,
    grp: np.ndarray,
    mt: np.ndarray,
    sizes: np.ndarray,
    tabu_until: np.ndarray,
    phase_best_grp: np.ndarray,
    elite_grp: np.ndarray,
    ints: np.ndarray,
    floats: np.ndarray,
    params: np.ndarray,
    rng_state: np.ndarray,
    budget: int,
) -> None:
    """Iterated tabu search for ``budget`` more iterations (resumable; see the module docstring).

    A phase is a best-improvement tabu walk over swaps and (when sizes may change) moves; a moved
    person stays put for a random tenure unless the move beats the phase's best (aspiration). After
    ``params[P_STALL]`` iterations without a new phase best, the phase ends: its best updates the
    elite, and the next phase starts from the elite (with probability ``params[P_ELITE]``) or from
    the phase's best, after a random perturbation. With ``params[P_SINGLE]`` set, the search stops
    after the first phase instead. It also stops (``ints[I_DONE] = 1``) once the elite reaches
    ``params[P_TARGET]``.
    """
    n = dist.shape[0]
    n_groups = mt.shape[0]
    stall_limit = int(params[P_STALL])
    tenure_min = int(params[P_TENURE_MIN])
    tenure_span = int(params[P_TENURE_SPAN]) + 1
    target = params[P_TARGET]
    single = params[P_SINGLE] > 0.0
    any_moves = False
    for g in range(n_groups):
        if lo[g] != hi[g]:
            any_moves = True
    candidates = np.flatnonzero(movable)
    own = np.empty(n)
    gain_t = np.empty((n, n_groups))  # gain_t[i, h]: value change when i moves to group h
    max_in = np.empty((n_groups, n_groups))
    members = np.empty((n_groups, n), dtype=np.int64)
    count = np.zeros(n_groups, dtype=np.int64)
    row_min = np.zeros(n)
    potential = np.empty(n)
    for i in range(n):
        low = np.inf
        for j in range(n):
            if j != i and dist[i, j] < low:
                low = dist[i, j]
        row_min[i] = low if low < np.inf else 0.0
    # The swap bound uses min_j d(i, j): with penalties (large negative distances) or few people it
    # prunes too little to pay for its bookkeeping.
    prune = n >= PRUNE_FROM
    for i in range(n):
        if row_min[i] < 0.0:
            prune = False
    if params[P_PRUNE] == PRUNE_NEVER:
        prune = False
    elif params[P_PRUNE] == PRUNE_ALWAYS:
        prune = True
    it = ints[I_ITER]
    stall = ints[I_STALL]
    cur = floats[F_CUR]
    phase_best = floats[F_PHASE_BEST]
    stop_at = it + budget
    while it < stop_at and ints[I_DONE] == 0:
        # --- price the neighbourhood -------------------------------------------------------------
        # max_in[h, g]: the best gain of anyone in group h moving to g. A swap of i with someone in h
        # gains at most gain_t[i, h] + max_in[h, grp[i]] - 2 min_j d(i, j): whole groups are skipped
        # when that bound cannot beat the best candidate so far.
        for h in range(n_groups):
            count[h] = 0
            for g in range(n_groups):
                max_in[h, g] = -np.inf
        for i in range(n):
            gi = grp[i]
            own[i] = mt[gi, i]
            for h in range(n_groups):
                gain_t[i, h] = mt[h, i] - own[i]
            if prune and movable[i]:
                members[gi, count[gi]] = i
                count[gi] += 1
                for h in range(n_groups):
                    if gain_t[i, h] > max_in[gi, h]:
                        max_in[gi, h] = gain_t[i, h]
        aspire = phase_best - cur + _EPS  # a tabu candidate must gain more than this
        best_val = -np.inf
        best_i = -1
        best_j = -1  # >= 0: swap with j; < 0: move to group -best_j - 1
        ties = 0
        # Moves first (O(n·groups)): they also give the swap scan a threshold to prune against.
        if any_moves:
            for i in range(n):
                gi = grp[i]
                if not movable[i] or sizes[gi] <= lo[gi]:
                    continue
                tabu_i = tabu_until[i] > it
                for h in range(n_groups):
                    if h == gi or sizes[h] >= hi[h]:
                        continue
                    delta = gain_t[i, h]
                    if delta < best_val or (tabu_i and delta <= aspire):
                        continue
                    if delta > best_val:
                        best_val = delta
                        best_i = i
                        best_j = -h - 1
                        ties = 1
                    else:
                        ties += 1
                        if rand_below(rng_state, ties) == 0:
                            best_i = i
                            best_j = -h - 1
        if not prune:
            # Small or penalised instances: the bound prunes nothing, so a plain scan is cheaper.
            for i in range(n):
                if not movable[i]:
                    continue
                gi = grp[i]
                row_gain = gain_t[i]
                row_dist = dist[i]
                gi_row = mt[gi]
                tabu_i = tabu_until[i] > it
                for j in range(i + 1, n):
                    gj = grp[j]
                    if gj == gi or not movable[j]:
                        continue
                    delta = row_gain[gj] + (gi_row[j] - own[j]) - 2.0 * row_dist[j]
                    if delta < best_val:
                        continue
                    if (tabu_i or tabu_until[j] > it) and delta <= aspire:
                        continue
                    if delta > best_val:
                        best_val = delta
                        best_i = i
                        best_j = j
                        ties = 1
                    else:
                        ties += 1
                        if rand_below(rng_state, ties) == 0:
                            best_i = i
                            best_j = j
        else:
            # Swaps: first everyone paired with the person of highest possible swap gain (a good
            # threshold early), then everyone else in index order, skipping people whose bound
            # cannot beat the best so far. A pair (i, j) is priced from the smaller index; if that
            # person was skipped, the pair's bound was already too low.
            lead = -1
            lead_top = -np.inf
            for i in range(n):
                top = -np.inf
                if movable[i]:
                    gi = grp[i]
                    for h in range(n_groups):
                        if h != gi and gain_t[i, h] + max_in[h, gi] > top:
                            top = gain_t[i, h] + max_in[h, gi]
                potential[i] = top - 2.0 * row_min[i]
                if top > -np.inf and potential[i] > lead_top:
                    lead_top = potential[i]
                    lead = i
            for step in range(n + 1):
                if step == 0:
                    i = lead
                    if i < 0:
                        break
                    first_j = 0
                else:
                    i = step - 1
                    if i == lead:
                        continue
                    first_j = i + 1
                if potential[i] < best_val or potential[i] == -np.inf:
                    continue
                gi = grp[i]
                row_gain = gain_t[i]
                row_dist = dist[i]
                gi_row = mt[gi]
                tabu_i = tabu_until[i] > it
                slack = -2.0 * row_min[i]
                for h in range(n_groups):
                    if h == gi:
                        continue
                    bound = row_gain[h] + max_in[h, gi] + slack
                    if bound < best_val or (tabu_i and bound <= aspire):
                        continue
                    gh = row_gain[h]
                    for k in range(count[h]):
                        j = members[h, k]
                        if j < first_j or (step > 0 and j == lead):
                            continue
                        delta = gh + (gi_row[j] - own[j]) - 2.0 * row_dist[j]
                        if delta < best_val:
                            continue
                        if (tabu_i or tabu_until[j] > it) and delta <= aspire:
                            continue
                        if delta > best_val:
                            best_val = delta
                            best_i = i
                            best_j = j
                            ties = 1
                        else:
                            ties += 1
                            if rand_below(rng_state, ties) == 0:
                                best_i = i
                                best_j = j
        # --- apply ---------------------------------------------------------------------------------
        phase_over = False
        if best_i < 0:
            phase_over = True
            it += 1  # counts, so that a search with nothing to do still ends
        else:
            tenure = tenure_min + rand_below(rng_state, tenure_span)
            if best_j >= 0:
                _apply_swap(dist, mt, grp, best_i, best_j)
                tabu_until[best_j] = it + tenure
            else:
                _apply_move(dist, mt, grp, sizes, best_i, -best_j - 1)
            tabu_until[best_i] = it + tenure
            cur += best_val
            it += 1
            if cur > phase_best + _EPS:
                phase_best = cur
                phase_best_grp[:] = grp
                stall = 0
            else:
                stall += 1
                if stall >= stall_limit:
                    phase_over = True
        if not phase_over:
            if phase_best >= target - _EPS:
                phase_over = True
            else:
                continue
        # --- end of phase: update the elite, perturb, restart ---------------------------------------
        ints[I_PHASES] += 1
        if phase_best > floats[F_ELITE] + _EPS:
            floats[F_ELITE] = phase_best
            elite_grp[:] = phase_best_grp
        if floats[F_ELITE] >= target - _EPS or single or candidates.shape[0] < 2:
            ints[I_DONE] = 1
            break
        if rand_unit(rng_state) < params[P_ELITE]:
            grp[:] = elite_grp
        else:
            grp[:] = phase_best_grp
        for g in range(n_groups):
            sizes[g] = 0
        for i in range(n):
            sizes[grp[i]] += 1
        lo_s = max(1, int(params[P_PERTURB_MIN] * n))
        hi_s = max(lo_s + 1, int(params[P_PERTURB_MAX] * n))
        strength = lo_s + rand_below(rng_state, hi_s - lo_s)
        _perturb(dist, grp, sizes, lo, hi, candidates, strength, rng_state)
        cur = build_state(dist, linear, grp, mt, sizes)
        phase_best = cur
        phase_best_grp[:] = grp
        stall = 0
    ints[I_ITER] = it
    ints[I_STALL] = stall
    floats[F_CUR] = cur
    floats[F_PHASE_BEST] = phase_best
    if phase_best > floats[F_ELITE] + _EPS:
        floats[F_ELITE] = phase_best
        elite_grp[:] = phase_best_grp
