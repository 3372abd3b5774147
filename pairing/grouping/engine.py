"""Breakout generation: theme plan (objective 1), then diverse groups per round and theme (objective 2).

Stage 1 (``themes.py``) gives everyone the theme the preference mode aims at and repairs only what
makes a theme impossible to split. Stage 2 splits each (round, theme) into groups (``groups.py``): a
tabu MDGP search on pair scores where a forbidden pair (colleagues, duo kept apart, met in another
round) costs far more than any diversity, so hard rules win whenever they can hold. The rounds are
built one after another, then searched jointly (``rounds.py``). The tuning numbers are in ``tuning.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from .evaluate import evaluate
from .groups import Attributes
from .model import Assignment, Group, GroupingInput, GroupingResult
from .rounds import Rounds, anneal_rounds, build_rounds, plan_quality
from .themes import ThemePlan, check_feasibility, group_count
from .tuning import MAX_STARTS, RULE_PENALTY_FACTOR, STARTS_PEOPLE, TABU

__all__ = ["check_feasibility", "generate_breakouts", "group_count"]


def generate_breakouts(
    inp: GroupingInput,
    previous: Assignment | None = None,
    *,
    out_of_time: Callable[[], bool] | None = None,
) -> GroupingResult:
    """Groups for every round and theme, plus the quality report. Never raises on infeasible input.

    ``previous`` warm-starts from an earlier (possibly hand-edited) assignment: its themes and
    groups are kept where they still fit, then repaired and improved; pins always win. The result
    is deterministic for ``inp.seed`` unless ``out_of_time`` (a caller-supplied clock check) stops
    the search early.
    """
    explanations = list(check_feasibility(inp))
    if not inp.attendees or not inp.themes or inp.min_size > inp.max_size or inp.min_size < 1:
        return GroupingResult(Assignment(()), evaluate(inp, Assignment(()), tuple(explanations)))
    starts = 1 if previous is not None else max(1, min(MAX_STARTS, STARTS_PEOPLE // len(inp.attendees)))
    built: list[tuple[tuple[int, float, float], int, ThemePlan, Attributes, Rounds, list[str]]] = []
    for start in range(starts):
        if start and out_of_time is not None and out_of_time():
            break
        seed = inp.seed if start == 0 else int(np.random.SeedSequence([inp.seed, start]).generate_state(1)[0])
        plan = ThemePlan(replace(inp, seed=seed) if start else inp, previous)
        attrs = Attributes.of(plan, TABU, RULE_PENALTY_FACTOR, out_of_time)
        notes = list(plan.notes)
        rounds = build_rounds(attrs, previous, np.random.default_rng(seed), notes)
        built.append((plan_quality(attrs, rounds), seed, plan, attrs, rounds, notes))
    # The annealing over every round at once changes diversity only: it is run on the plans that tie with
    # the best on broken rules and preferences (without a previous draft: a regenerate stays close to it).
    first = min(key[:2] for key, *_ in built)
    best: tuple[tuple[int, float, float], ThemePlan, Rounds, list[str]] | None = None
    for key, seed, plan, attrs, rounds, notes in built:
        if key[:2] == first and previous is None and not (out_of_time is not None and out_of_time()):
            rounds = anneal_rounds(attrs, rounds, seed)
            key = plan_quality(attrs, rounds)
        if best is None or key < best[0]:
            best = (key, plan, rounds, notes)
    assert best is not None
    _, plan, rounds, notes = best
    explanations.extend(note for note in notes if note not in explanations)
    groups: list[Group] = []
    for r, round_groups in enumerate(rounds):
        numbers: dict[int, int] = {}
        for t, chosen in round_groups:
            numbers[t] = numbers.get(t, 0) + 1
            groups.append(Group(r, inp.themes[t], numbers[t], tuple(sorted(plan.people[i].id for i in chosen))))
    assignment = Assignment(tuple(groups))
    return GroupingResult(assignment, evaluate(inp, assignment, tuple(explanations)))
