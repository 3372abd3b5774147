"""Diversity of a group and provable upper bounds on the diversity of any grouping.

Pair score: ``w_exp · |e_i − e_j| + w_ind · [ind_i ≠ ind_j]`` (weights ≥ 0); a grouping scores the sum
over groups of the scores of all pairs inside each group.

Theorem 1 (one size profile). Let P be a set of people and s_1..s_k group sizes with Σ s_g = |P|. For
every partition of P into groups of those sizes, diversity ≤ B(s) = w_exp · E*(s) + w_ind · (Σ_g C(s_g, 2)
− Σ_c S*_c(s)), where E* and S*_c are defined below.

Proof sketch.
* Experience (threshold decomposition). Let v_0 < … < v_m be the distinct levels. For integers,
  |e_i − e_j| = Σ_t (v_{t+1} − v_t) · [e_i ≤ v_t < e_j or e_j ≤ v_t < e_i]: the distance counts the
  thresholds that separate the two. Summing over the pairs of a group g with a_g(t) members at or
  below v_t gives Σ_t (v_{t+1} − v_t) · a_g(t) · (s_g − a_g(t)). For each threshold t the counts
  satisfy Σ_g a_g(t) = A_t (people in P at or below v_t) and 0 ≤ a_g(t) ≤ s_g, so the experience
  part is at most E* = Σ_t (v_{t+1} − v_t) · max{Σ_g a_g (s_g − a_g) : Σ a_g = A_t, 0 ≤ a_g ≤ s_g}.
  That inner problem is separable and concave: the marginal gain of the (a+1)-th member in group g
  is s_g − 2a − 1, decreasing in a, so the maximum is the sum of the A_t largest marginal gains
  in the multiset X(s) = {s_g − 2a − 1 : g, 0 ≤ a < s_g} (exchange argument). Relaxing the coupling
  between thresholds (a_g(t) must be nested in t) only loosens the bound.
* Industry (pigeonhole). Pairs with different industries = Σ_g C(s_g, 2) − same-industry pairs, and
  same-industry pairs = Σ_c Σ_g C(b_gc, 2) where b_gc counts industry c in group g, Σ_g b_gc = n_c
  and b_gc ≤ s_g. C(b, 2) is convex with marginal cost b, so Σ_g C(b_gc, 2) ≥ S*_c, the sum of the
  n_c smallest values of Y(s) = {0, 1, …, s_g − 1 : g} — i.e. spread each industry as evenly as the
  group capacities allow. Dropping Σ_c b_gc = s_g only loosens the bound.
* Both parts bound their own term for every partition, so their weighted sum bounds the total.

Theorem 2 (every size profile). For sizes in [lo, hi] and any number of groups, max_s B(s) ≤
K(λ, μ) + max{Σ_g φ(s_g) : lo ≤ s_g ≤ hi, Σ_g s_g = |P|} for every choice of real multipliers λ_t, μ_c,
where h(s, λ) = Σ_{a<s} (s − 2a − 1 − λ)⁺, ℓ(s, μ) = Σ_{b<s} (μ − b)⁺,
φ(s) = w_exp Σ_t (v_{t+1} − v_t) h(s, λ_t) + w_ind (C(s, 2) + Σ_c ℓ(s, μ_c)) and
K = w_exp Σ_t (v_{t+1} − v_t) λ_t A_t − w_ind Σ_c μ_c n_c.

Proof. For any multiset X, λ and A ≤ |X|: the sum of the A largest elements is at most λA + Σ_{x∈X}
(x − λ)⁺ (each chosen x is ≤ λ + (x − λ)⁺, and the unchosen terms are ≥ 0). Likewise the sum of the N
smallest elements of Y is at least μN − Σ_{y∈Y} (μ − y)⁺. Put both into B(s): the result is K plus a
sum over groups of φ(s_g), whatever the profile. Its maximum over profiles is an unbounded knapsack
with exact fill, solved exactly: with s* maximising φ(s)/s, any s* groups of other sizes contain a
non-empty subset whose sizes add up to a multiple of s* (pigeonhole on prefix sums), and replacing it
by groups of size s* loses nothing; so some optimum has fewer than s* groups of other sizes, and a
dynamic programme over at most (s* − 1)·hi people, filled up with groups of s*, finds it.

Both identities are equalities when λ_t is the A_t-th largest element of X(s̃) and μ_c the n_c-th
smallest of Y(s̃) for a profile s̃: then the right-hand side equals B(s̃) exactly if s̃ is also a best
knapsack profile, which certifies max_s B(s) = B(s̃). ``sizes_upper_bound`` tries such profiles; if
none certifies itself it enumerates every profile when there are few, and otherwise keeps the least of
the Lagrangian bounds it found (still a valid bound, perhaps not the least one).

Hard rules (colleagues, meetings, pins, a required number of groups) only remove partitions, so both
bounds stay valid. They are exact when one partition balances every threshold and every industry at
once, which large events nearly allow; the engine's reported gap is measured against them.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .model import DiversityWeights

__all__ = [
    "SizesBound",
    "diversity_upper_bound",
    "group_diversity",
    "pair_scores",
    "profile_bound",
    "sizes_upper_bound",
]

_ENUMERATE_AT_MOST = 20_000  # size profiles; only reached when no profile certifies itself
_EPS = 1e-9


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


@dataclass(frozen=True, slots=True)
class _People:
    """What the bounds need to know of a set of people: thresholds and industry head counts."""

    n: int
    thresholds: tuple[tuple[float, int], ...]  # (v_{t+1} − v_t, A_t: people at or below v_t)
    industry_sizes: tuple[int, ...]

    @classmethod
    def of(cls, experience: Sequence[int], industries: Sequence[str]) -> _People:
        counts = Counter(experience)
        thresholds = []
        at_or_below = 0
        for low, high in itertools.pairwise(sorted(counts)):
            at_or_below += counts[low]
            thresholds.append((float(high - low), at_or_below))
        return cls(len(experience), tuple(thresholds), tuple(sorted(Counter(industries).values())))


def _gains(profile: Mapping[int, int]) -> list[tuple[int, int]]:
    """The multiset X(s) as (value, multiplicity), largest value first."""
    mult: Counter[int] = Counter()
    for s, c in profile.items():
        for a in range(s):
            mult[s - 1 - 2 * a] += c
    return sorted(mult.items(), reverse=True)


def _costs(profile: Mapping[int, int]) -> list[tuple[int, int]]:
    """The multiset Y(s) as (value, multiplicity), smallest value first."""
    mult: Counter[int] = Counter()
    for s, c in profile.items():
        for b in range(s):
            mult[b] += c
    return sorted(mult.items())


def _extreme_sum(values: list[tuple[int, int]], take: int) -> tuple[float, int]:
    """Sum of the first ``take`` elements of a sorted multiset, and the last element taken."""
    total, last = 0.0, values[0][0] if values else 0
    for value, mult in values:
        if take <= 0:
            break
        used = min(take, mult)
        total += used * value
        take -= used
        last = value
    return total, last


def _profile_value(people: _People, profile: Mapping[int, int], weights: DiversityWeights) -> float:
    """B(s) of Theorem 1 for a profile given as {size: number of groups}: O(levels · hi + industries · hi)."""
    gains, costs = _gains(profile), _costs(profile)
    exp_part = sum(step * _extreme_sum(gains, a)[0] for step, a in people.thresholds)
    same = sum(_extreme_sum(costs, n_c)[0] for n_c in people.industry_sizes)
    pairs = sum(c * s * (s - 1) // 2 for s, c in profile.items())
    return float(weights.experience * exp_part + weights.industry * (pairs - same))


def profile_bound(
    experience: Sequence[int], industries: Sequence[str], profile: Mapping[int, int], weights: DiversityWeights
) -> float:
    """Theorem 1 for a profile given as {group size: number of groups}."""
    profile = {int(s): int(c) for s, c in profile.items() if s > 0 and c > 0}
    if sum(s * c for s, c in profile.items()) != len(experience):
        raise ValueError("group sizes must add up to the number of people")
    return _profile_value(_People.of(experience, industries), profile, weights)


def diversity_upper_bound(
    experience: Sequence[int],
    industries: Sequence[str],
    sizes: Sequence[int],
    weights: DiversityWeights,
) -> float:
    """Upper bound on the diversity of any split of these people into groups of exactly ``sizes``."""
    return profile_bound(experience, industries, Counter(int(s) for s in sizes if s > 0), weights)


def _knapsack(phi: Mapping[int, float], n: int, lo: int, hi: int) -> tuple[float, dict[int, int]] | None:
    """max Σ_g φ(s_g) over profiles with lo ≤ s_g ≤ hi and Σ s_g = n (exact; see Theorem 2)."""
    sizes = range(lo, hi + 1)
    star = max(sizes, key=lambda s: (phi[s] / s, s))
    top = min(n, (star - 1) * hi)
    best = [-np.inf] * (top + 1)
    choice = [0] * (top + 1)
    best[0] = 0.0
    for m in range(lo, top + 1):
        for s in sizes:
            if s <= m and best[m - s] + phi[s] > best[m]:
                best[m], choice[m] = best[m - s] + phi[s], s
    value, rest = -np.inf, -1
    for m in range(top + 1):
        if (n - m) % star == 0 and best[m] > -np.inf:
            candidate = best[m] + phi[star] * ((n - m) // star)
            if candidate > value:
                value, rest = candidate, m
    if rest < 0:
        return None
    profile: Counter[int] = Counter()
    if n > rest:
        profile[star] += (n - rest) // star
    while rest:
        profile[choice[rest]] += 1
        rest -= choice[rest]
    return value, dict(profile)


def _h(s: int, lam: float) -> float:
    return sum(max(0.0, s - 1 - 2 * a - lam) for a in range(s))


def _ell(s: int, mu: float) -> float:
    return sum(max(0.0, mu - b) for b in range(s))


def _lagrangian(
    people: _People, lams: Sequence[float], mus: Sequence[float], lo: int, hi: int, weights: DiversityWeights
) -> tuple[float, dict[int, int]]:
    """Theorem 2's right-hand side for these multipliers, and the knapsack's best profile."""
    w_e, w_i = weights.experience, weights.industry
    constant = w_e * sum(step * lam * a for (step, a), lam in zip(people.thresholds, lams, strict=True))
    constant -= w_i * sum(mu * n_c for mu, n_c in zip(mus, people.industry_sizes, strict=True))
    phi = {
        s: w_e * sum(step * _h(s, lam) for (step, _), lam in zip(people.thresholds, lams, strict=True))
        + w_i * (s * (s - 1) / 2 + sum(_ell(s, mu) for mu in mus))
        for s in range(lo, hi + 1)
    }
    solved = _knapsack(phi, people.n, lo, hi)
    assert solved is not None  # the caller checked that a profile exists
    return constant + solved[0], solved[1]


def _profiles(n: int, lo: int, hi: int, limit: int) -> list[dict[int, int]] | None:
    """Every size profile for n people (None when there are more than ``limit``)."""
    ways = [0] * (n + 1)
    ways[0] = 1
    for s in range(lo, hi + 1):  # count combinations (order of sizes fixed)
        for m in range(s, n + 1):
            ways[m] = min(limit + 1, ways[m] + ways[m - s])
    if ways[n] > limit:
        return None
    out: list[dict[int, int]] = []

    def walk(size: int, left: int, chosen: dict[int, int]) -> None:
        if size == lo:
            if left % lo == 0:
                out.append({**chosen, lo: left // lo} if left else dict(chosen))
            return
        for c in range(left // size + 1):
            walk(size - 1, left - c * size, {**chosen, size: c} if c else chosen)

    walk(hi, n, {})
    return out


@dataclass(frozen=True, slots=True)
class SizesBound:
    """An upper bound on every split into groups of ``min_size``..``max_size``, and the best profile seen."""

    value: float
    sizes: tuple[int, ...]  # a profile whose Theorem-1 bound is the largest found, largest groups first
    exact: bool  # value == that profile's bound, i.e. the best profile bound is known exactly


def sizes_upper_bound(
    experience: Sequence[int],
    industries: Sequence[str],
    min_size: int,
    max_size: int,
    weights: DiversityWeights,
    *,
    rounds: int = 6,
) -> SizesBound | None:
    """Upper bound on the diversity of any split of these people into groups of ``min_size`` to
    ``max_size`` people, with any number of groups (Theorem 2). None when no such split exists.

    A few microseconds to a millisecond: the work depends on the size range, not on the head count.
    """
    n = len(experience)
    lo, hi = max(1, int(min_size)), int(max_size)
    if n == 0 or lo > hi:
        return None
    people = _People.of(experience, industries)
    start = _knapsack({s: s * (s - 1) / 2 for s in range(lo, hi + 1)}, n, lo, hi)
    if start is None:
        return None
    profile = start[1]
    best_low, best_profile = -np.inf, profile
    best_up = np.inf
    seen: set[tuple[tuple[int, int], ...]] = set()
    for _ in range(rounds):
        key = tuple(sorted(profile.items()))
        if key in seen:
            break
        seen.add(key)
        low = _profile_value(people, profile, weights)
        if low > best_low:
            best_low, best_profile = low, profile
        gains, costs = _gains(profile), _costs(profile)
        lams = [_extreme_sum(gains, a)[1] for _, a in people.thresholds]
        mus = [_extreme_sum(costs, n_c)[1] for n_c in people.industry_sizes]
        up, profile = _lagrangian(people, lams, mus, lo, hi, weights)
        best_up = min(best_up, up)
        if best_up <= best_low + _EPS * max(1.0, abs(best_low)):
            return SizesBound(best_low, _sizes(best_profile), True)
    every = _profiles(n, lo, hi, _ENUMERATE_AT_MOST)
    if every is not None:
        value, profile = max(((_profile_value(people, p, weights), p) for p in every), key=lambda vp: vp[0])
        return SizesBound(value, _sizes(profile), True)
    return SizesBound(float(best_up), _sizes(best_profile), False)


def _sizes(profile: Mapping[int, int]) -> tuple[int, ...]:
    return tuple(s for s in sorted(profile, reverse=True) for _ in range(profile[s]))
