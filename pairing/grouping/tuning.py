"""The engine's tuning numbers, in one place (the search kernel keeps its own in ``_kernels.py``).

Every number here trades quality for time or weighs one objective against another; none changes what
the engine guarantees (hard rules first, determinism per seed, the bound). Measured with
``bench/grouping.py`` on the synthetic and the real-shaped duo events.
"""

from __future__ import annotations

from .mdgp import TabuSettings

# --- Stage 1, the theme plan: preference costs (0 = the theme the preference mode aims at) -----------
OTHER_THEME_COST = 4.0  # a theme the person did not rank: worse than any reordering of ranked ones
REVISIT_COST = 1.0  # rotate mode: a theme already visited in an earlier round
UNRANKED_LATE_COST = 0.5  # rotate mode: any theme in a round past the end of a short ranking

# --- Stage 2, the groups: hard rules as penalties --------------------------------------------------
# A forbidden pair (colleagues, partners kept apart, met before) costs this many times the largest
# group's worth of the largest pair score: no diversity gain can ever pay for one.
RULE_PENALTY_FACTOR = 1000.0
# Moving someone to another theme to resolve a clash costs their preference loss, scaled so that the whole
# preference scale sits this far below one broken rule and far above any diversity.
PREFERENCE_BELOW_RULE = 1000.0

# --- Search effort (iterations of the tabu search; ``SearchBudget.effort`` multiplies the per-person part)
THEME_ITERATIONS_PER_PERSON = 8  # one (round, theme) split
THEME_ITERATIONS_BASE = 200
REPAIR_ITERATIONS_PER_PERSON = 20  # the round-wide repair across themes
REPAIR_ITERATIONS_BASE = 500
WINDOW_FROM = 1.5  # search in windows of ``SearchBudget.window_people`` once a theme has 1.5 times as many
TABU = TabuSettings(stall_iterations=60, perturb_min_fraction=0.02, perturb_max_fraction=0.06)

# --- Joint search over the rounds (rounds.py) -------------------------------------------------------
# After the rounds are built one after another, each (round, theme) is split again knowing every other
# round's meetings, fewest groups first. Small events gain most (they are where the rounds compete for
# the same pairs); on large ones a sweep finds nothing and costs little.
JOINT_SWEEPS = 3
JOINT_ITERATIONS_PER_PERSON = 30  # per split revisited (plus THEME_ITERATIONS_BASE)
JOINT_UP_TO = 600  # people: above this the joint sweeps are skipped (the rounds hardly compete)
FEWER_GROUPS_PASSES = 3  # re-split passes over the cells a try with one group fewer clashes with
# Up to this many people, where the linked bound says some theme could do with fewer groups than the search
# left it, HiGHS looks for a rule-keeping layout with the bound's group counts (layout.py).
LAYOUT_UP_TO = 150

# --- Several starts on small events (engine.py) ---------------------------------------------------
# A small event's result depends much on where the first pass starts (which theme each neutral person
# gets, which pairs round 1 spends): up to 6 % diversity between seeds on 40 people. Without a previous
# draft to stay close to, the engine therefore builds ``STARTS_PEOPLE // people`` plans (at most
# ``MAX_STARTS``, at least one) from seeds derived from the event's seed and keeps the best: fewest broken
# rules, then the best preferences, then the most diversity. Start 0 uses the seed itself, so events of
# ``STARTS_PEOPLE / 2`` (120) people or more get exactly the plan a single start gives.
STARTS_PEOPLE = 240
MAX_STARTS = 5

# --- Every round at once (joint.py): simulated annealing over the whole plan of a small event -----------
# Run on the starts that tie with the best on broken rules and preferences (usually one), without a previous
# draft. The steps cost O(group size) each, so the work is capped per plan: 4.8 million steps (about 0.3 s)
# is 40,000 per (person, round) at 40 people and 20,000 at 80, where the 80-person events reach their bound.
ANNEAL_UP_TO = 150  # people
ANNEAL_RUNS = 1  # each from the best plan so far, with a seed derived from the start's
ANNEAL_STEPS_PER_PLACE = 40_000  # steps per (person, round) ...
ANNEAL_MAX_STEPS = 4_800_000  # ... and at most this many per run
ANNEAL_T_START = 0.3  # temperatures and the penalty per broken rule, in units of the largest pair score
ANNEAL_T_END = 0.01
ANNEAL_PENALTY_START = 0.7  # low at first, so a step may break a rule that a later step repairs
ANNEAL_PENALTY_END = 3.0
