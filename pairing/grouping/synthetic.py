"""Seeded synthetic events shaped like real sign-ups, for tests and benchmarks."""

from __future__ import annotations

import numpy as np

from .model import Attendee, DuoPolicy, GroupingInput, PreferenceMode, SearchBudget

__all__ = ["DUO_EVENT_SIZES", "INDUSTRIES", "THEMES", "duo_event", "synthetic_event"]

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


# The real industry codes of the sign-up form (members/rules.py), most frequent first among buyers.
DUO_INDUSTRIES = (
    "customer_contact", "it_telecom", "energy_utilities", "finance", "retail", "government", "healthcare",
    "logistics", "education", "hospitality", "creative_media", "student", "other",
)
HOME_INDUSTRY = "customer_contact"
DUO_EVENT_SIZES = (40, 80, 150, 300)


def duo_event(
    attendees: int,
    seed: int,
    *,
    themes: tuple[str, ...] = THEMES,
    rounds: int = 3,
    duo_policy: DuoPolicy = DuoPolicy.APART,
    preference_mode: PreferenceMode = PreferenceMode.ROTATE,
    budget: SearchBudget | None = None,
) -> GroupingInput:
    """An event shaped like the real hackathon: everyone came with a duo ticket.

    * ``attendees // 2`` duos of a buyer and a companion. The companion rule admits someone under 30
      or someone from another industry than customer contact; so with probability 0.55 the companion
      is a young colleague (same organisation and industry, experience 0–1: companions without an
      account count as starters in the app too), otherwise someone from another industry (their own
      one-person organisation, or none: a student, a freelancer), at any level.
    * Buyers come from organisations that send one to four duos, as contact centres do: almost half
      send one, a few large ones three or four (two at most below 64 attendees, so the colleague rule
      stays satisfiable); with their young colleagues that makes organisations of up to eight people.
      Half the buyers work in customer contact, the rest in the service desks of other industries;
      buyers are mostly medior to senior.
    * Rankings are partial: one, two or three themes, popular themes first; one in ten never ranked;
      half the companions copied their buyer's ranking (they chose the event together).

    Deterministic for (attendees, seed); ``attendees`` is rounded down to an even number.
    """
    rng = np.random.default_rng([seed, attendees, 19])
    duos = attendees // 2
    theme_weights = 1.0 / np.arange(1, len(themes) + 1) ** 0.7
    theme_weights = theme_weights / theme_weights.sum()
    # Buyers' industries other than customer contact: skewed, no students, a few "other".
    tail = [10.0 / (k + 1) ** 1.1 for k in range(1, len(DUO_INDUSTRIES) - 2)]
    industry_weights = np.array([10.0, *tail, 0.0, 0.4])
    industry_weights = industry_weights / industry_weights.sum()

    def ranking() -> tuple[str, ...]:
        if rng.random() < 0.1:
            return ()
        length = int(rng.choice([1, 2, 3], p=[0.2, 0.3, 0.5]))
        order = rng.choice(len(themes), size=len(themes), replace=False, p=theme_weights)
        return tuple(themes[int(t)] for t in order[: min(length, len(themes))])

    # Buying organisations: sizes in duos, largest first, until every duo has one.
    largest = max(2, min(4, attendees // 16))
    buyers_org: list[tuple[str, str]] = []
    while len(buyers_org) < duos:
        size = int(min(largest, rng.choice([1, 2, 3, 4], p=[0.45, 0.25, 0.15, 0.15]), duos - len(buyers_org)))
        name = f"org{len(buyers_org):04d}"
        industry = HOME_INDUSTRY if rng.random() < 0.5 else str(rng.choice(DUO_INDUSTRIES, p=industry_weights))
        buyers_org.extend([(name, industry)] * size)
    people: list[Attendee] = []
    for d in range(duos):
        buyer_id, companion_id = 2 * d + 1, 2 * d + 2
        org, industry = buyers_org[d]
        buyer_rank = ranking()
        buyer = Attendee(buyer_id, buyer_rank, int(rng.choice(5, p=[0.05, 0.15, 0.35, 0.3, 0.15])), industry, org,
                         companion_id)
        if rng.random() < 0.55:
            comp_org, comp_industry = org, industry
            comp_exp = int(rng.choice(2, p=[0.6, 0.4]))
        else:
            others = [c for c in DUO_INDUSTRIES if c not in (industry, HOME_INDUSTRY)]
            comp_industry = str(rng.choice(others))
            comp_org = "" if comp_industry == "student" or rng.random() < 0.2 else f"own{d:04d}"
            comp_exp = 0 if comp_industry == "student" else int(rng.choice(5, p=[0.2, 0.25, 0.3, 0.15, 0.1]))
        comp_rank = buyer_rank if rng.random() < 0.5 else ranking()
        people.append(buyer)
        people.append(Attendee(companion_id, comp_rank, comp_exp, comp_industry, comp_org, buyer_id))
    return GroupingInput(tuple(people), themes, rounds=rounds, duo_policy=duo_policy,
                         preference_mode=preference_mode, seed=seed, budget=budget or SearchBudget())
