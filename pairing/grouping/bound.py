"""Diversity of a group and a provable upper bound on the diversity of any grouping.

Pair score: ``w_exp · |e_i − e_j| + w_ind · [ind_i ≠ ind_j]``; a grouping scores the sum over groups
of the scores of all pairs inside each group.

Theorem. Let P be a set of people and s_1..s_k group sizes with Σ s_g = |P|. For every partition of P
into groups of those sizes, diversity ≤ w_exp · E* + w_ind · (Σ_g C(s_g, 2) − Σ_c S*_c), where E* and
S*_c are defined below.

Proof sketch.
* Experience (threshold decomposition). Let v_0 < … < v_m be the distinct levels. For integers,
  |e_i − e_j| = Σ_t (v_{t+1} − v_t) · [e_i ≤ v_t < e_j or e_j ≤ v_t < e_i]: the distance counts the
  thresholds that separate the two. Summing over the pairs of a group g with a_g(t) members at or
  below v_t gives Σ_t (v_{t+1} − v_t) · a_g(t) · (s_g − a_g(t)). For each threshold t the counts
  satisfy Σ_g a_g(t) = A_t (people in P at or below v_t) and 0 ≤ a_g(t) ≤ s_g, so the experience
  part is at most E* = Σ_t (v_{t+1} − v_t) · max{Σ_g a_g (s_g − a_g) : Σ a_g = A_t, 0 ≤ a_g ≤ s_g}.
  That inner problem is separable and concave: the marginal gain of the (a+1)-th member in group g
  is s_g − 2a − 1, decreasing in a, so the maximum is the sum of the A_t largest marginal gains
  in the multiset {s_g − 2a − 1 : g, 0 ≤ a < s_g} (exchange argument). Relaxing the coupling
  between thresholds (a_g(t) must be nested in t) only loosens the bound.
* Industry (pigeonhole). Pairs with different industries = Σ_g C(s_g, 2) − same-industry pairs, and
  same-industry pairs = Σ_c Σ_g C(b_gc, 2) where b_gc counts industry c in group g, Σ_g b_gc = n_c
  and b_gc ≤ s_g. C(b, 2) is convex with marginal cost b, so Σ_g C(b_gc, 2) ≥ S*_c, the sum of the
  n_c smallest values of {0, 1, …, s_g − 1 : g} — i.e. spread each industry as evenly as the group
  capacities allow. Dropping Σ_c b_gc = s_g only loosens the bound.
* Both parts bound their own term for every partition, so their weighted sum bounds the total.
Hard rules (colleagues, meetings, pins) only remove partitions, so the bound stays valid.

The bound is exact when one partition balances every threshold and every industry at once, which
large events nearly allow; the engine's reported gap is measured against it.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence

import numpy as np

from .model import DiversityWeights

__all__ = ["diversity_upper_bound", "group_diversity", "pair_scores"]


def pair_scores(experience: np.ndarray, industry_codes: np.ndarray, weights: DiversityWeights) -> np.ndarray:
    """Dense matrix of pair scores (zero diagonal) for people given as parallel arrays."""
    exp = experience.astype(np.float64)
    scores = weights.experience * np.abs(exp[:, None] - exp[None, :])
    scores += weights.industry * (industry_codes[:, None] != industry_codes[None, :])
    return scores


def group_diversity(experience: Sequence[int], industries: Sequence[str], weights: DiversityWeights) -> float:
    """Sum of pair scores inside one group (O(s²), s ≤ a few dozen)."""
    total = 0.0
    for i in range(len(experience)):
        for j in range(i + 1, len(experience)):
            total += weights.experience * abs(experience[i] - experience[j])
            total += weights.industry * (industries[i] != industries[j])
    return total


def _marginals(sizes: Sequence[int], increasing: bool) -> np.ndarray:
    """All marginal values s − 2a − 1 (gain) or a (cost) over groups, sorted best first."""
    if increasing:
        values = np.concatenate([np.arange(s) for s in sizes]) if sizes else np.zeros(0)
        return np.sort(values)
    values = np.concatenate([s - 2 * np.arange(s) - 1 for s in sizes]) if sizes else np.zeros(0)
    return np.sort(values)[::-1]


def diversity_upper_bound(
    experience: Sequence[int],
    industries: Sequence[str],
    sizes: Sequence[int],
    weights: DiversityWeights,
) -> float:
    """Upper bound on the diversity of any split of these people into groups of ``sizes``."""
    sizes = [int(s) for s in sizes if s > 0]
    if sum(sizes) != len(experience):
        raise ValueError("group sizes must add up to the number of people")
    if not sizes:
        return 0.0
    gains = _marginals(sizes, increasing=False)
    prefix_gain = np.concatenate([[0.0], np.cumsum(gains)])
    levels = sorted(set(experience))
    counts = Counter(experience)
    exp_part = 0.0
    at_or_below = 0
    for low, high in itertools.pairwise(levels):
        at_or_below += counts[low]
        exp_part += (high - low) * prefix_gain[at_or_below]
    costs = _marginals(sizes, increasing=True)
    prefix_cost = np.concatenate([[0.0], np.cumsum(costs)])
    same = sum(prefix_cost[c] for c in Counter(industries).values())
    pairs = sum(s * (s - 1) // 2 for s in sizes)
    return float(weights.experience * exp_part + weights.industry * (pairs - same))
