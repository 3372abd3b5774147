"""Seeded synthetic events shaped like real sign-ups, for tests and benchmarks."""

from __future__ import annotations

import numpy as np

from .model import Attendee, DuoPolicy, GroupingInput, PreferenceMode, SearchBudget

__all__ = ["INDUSTRIES", "THEMES", "synthetic_event"]

THEMES = ("keurmerk", "imago", "mens")
INDUSTRIES = (
    "customer_contact", "retail", "energy", "telecom", "finance", "insurance", "government",
    "healthcare", "logistics", "travel", "utilities", "education",
)


def synthetic_event(
    attendees: int,
    seed: int,
    *,
    themes: tuple[str, ...] = THEMES,
    rounds: int = 3,
    duo_policy: DuoPolicy = DuoPolicy.APART,
    preference_mode: PreferenceMode = PreferenceMode.ROTATE,
    budget: SearchBudget | None = None,
) -> GroupingInput:
    """An event with realistic skew.

    Experience is bell-shaped around "medior"; industries are skewed toward customer contact;
    organisation sizes follow a heavy-tailed (Zipf-like) law with many one-person organisations;
    rankings favour the first themes; one in ten never ranked; one in six came as a duo.
    """
    rng = np.random.default_rng(seed)
    experience = rng.choice(5, size=attendees, p=[0.15, 0.25, 0.3, 0.2, 0.1])
    industry_weights = 1.0 / np.arange(1, len(INDUSTRIES) + 1) ** 0.8
    industry = rng.choice(len(INDUSTRIES), size=attendees, p=industry_weights / industry_weights.sum())
    organisations: list[str] = []
    # Heavy tail, capped so that no organisation outgrows the groups of a round.
    while len(organisations) < attendees:
        size = int(min(rng.zipf(2.0), max(1, attendees // 40)))
        name = f"org{len(set(organisations)):04d}" if rng.random() < 0.85 else ""
        organisations.extend([name] * size)
    organisations = organisations[:attendees]
    theme_weights = 1.0 / np.arange(1, len(themes) + 1) ** 0.7
    theme_weights = theme_weights / theme_weights.sum()
    partner: dict[int, int] = {}
    ids = list(range(1, attendees + 1))
    duo_count = attendees // 12
    pool = rng.permutation(ids)[: 2 * duo_count]
    for a, b in zip(pool[0::2], pool[1::2], strict=True):
        partner[int(a)] = int(b)
        partner[int(b)] = int(a)
    people = []
    for k, pid in enumerate(ids):
        if rng.random() < 0.1:
            ranking: tuple[str, ...] = ()
        else:
            length = int(rng.integers(1, len(themes) + 1))
            order = rng.choice(len(themes), size=len(themes), replace=False, p=theme_weights)
            ranking = tuple(themes[int(t)] for t in order[:length])
        people.append(Attendee(pid, ranking, int(experience[k]), INDUSTRIES[int(industry[k])],
                               organisations[k], partner.get(pid)))
    return GroupingInput(tuple(people), themes, rounds=rounds, duo_policy=duo_policy,
                         preference_mode=preference_mode, seed=seed, budget=budget or SearchBudget())
