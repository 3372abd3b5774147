"""Plain frozen dataclasses in and out of the breakout-grouping engine (no I/O, no ORM)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum


class DuoPolicy(StrEnum):
    APART = "apart"  # partners never share a group (they came together, they should meet others)
    TOGETHER = "together"  # partners share a group in every round
    EITHER = "either"


class PreferenceMode(StrEnum):
    ROTATE = "rotate"  # round r: the r-th choice, so everyone visits their themes in order
    STAY = "stay"  # every round: the first choice


class Rule(StrEnum):
    """Hard rules; the value is the stable code used in reports and by the app."""

    ONE_GROUP_PER_ROUND = "one_group_per_round"
    GROUP_SIZE = "group_size"
    PIN = "pin"
    COLLEAGUES = "colleagues"  # same non-empty organisation; duo partners kept together are exempt
    DUO_APART = "duo_apart"
    DUO_TOGETHER = "duo_together"
    MET_BEFORE = "met_before"
    UNKNOWN_THEME = "unknown_theme"


class BoundMethod(StrEnum):
    """How ``Report.diversity_bound`` was proven (stable codes for the API and the board)."""

    PER_ROUND = "per_round"  # each (round, theme) over every size profile: the plan breaks a rule
    SIZES = "sizes"  # plus the group counts colleagues force; the rounds' no-repeat rule did not lower it
    LINKED = "linked"  # plus the rounds linked by the no-repeat rule (an integer programme, HiGHS)


# The level an unknown experience counts as in the diversity score: the middle of 0..4. The pair score needs a
# number; the middle is at most two levels off whatever the truth is (a starter stand-in was up to four off, and
# made every unknown look like the least experienced person in the room). See docs/breakout-groups.md.
UNKNOWN_EXPERIENCE_SCORE = 2


@dataclass(frozen=True, slots=True)
class Attendee:
    id: int
    ranking: tuple[str, ...] = ()  # theme keys, most preferred first; empty means neutral
    experience: int | None = 2  # 0 starter .. 4 expert; None: nobody said (scored as UNKNOWN_EXPERIENCE_SCORE)
    industry: str = ""
    organisation: str = ""  # normalised; "" never conflicts
    duo_partner: int | None = None

    @property
    def scored_experience(self) -> int:
        """The level the diversity score uses: the known one, or the middle level for an unknown one."""
        return UNKNOWN_EXPERIENCE_SCORE if self.experience is None else self.experience


@dataclass(frozen=True, slots=True)
class Pin:
    """``attendee_id`` must be in ``theme`` (and group ``group_number`` if given) in ``round_index``."""

    attendee_id: int
    round_index: int
    theme: str
    group_number: int | None = None


@dataclass(frozen=True, slots=True)
class DiversityWeights:
    """Pair score = experience·|exp_i − exp_j| + industry·[industry_i ≠ industry_j].

    Default: a different industry is worth two experience levels, so a group of five distinct
    industries (10 pairs, 20 points) weighs about as much as a full starter-to-expert spread
    (0..4 in five people: 20 points) — neither mix dominates the other.
    """

    experience: float = 1.0
    industry: float = 2.0


@dataclass(frozen=True, slots=True)
class SearchBudget:
    """Deterministic effort (iterations scale with the event size); ``effort`` multiplies it."""

    effort: float = 1.0
    window_people: int = 120  # people per search window on large themes


@dataclass(frozen=True, slots=True)
class GroupingInput:
    attendees: tuple[Attendee, ...]
    themes: tuple[str, ...]
    rounds: int = 3
    min_size: int = 4
    max_size: int = 6
    duo_policy: DuoPolicy = DuoPolicy.APART
    preference_mode: PreferenceMode = PreferenceMode.ROTATE
    pins: tuple[Pin, ...] = ()
    weights: DiversityWeights = field(default_factory=DiversityWeights)
    seed: int = 0
    budget: SearchBudget = field(default_factory=SearchBudget)


@dataclass(frozen=True, slots=True)
class Group:
    round_index: int
    theme: str
    number: int  # 1-based within (round, theme)
    members: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Assignment:
    groups: tuple[Group, ...]

    def in_round(self, round_index: int) -> Iterator[Group]:
        return (g for g in self.groups if g.round_index == round_index)

    def placement(self) -> dict[tuple[int, int], tuple[str, int]]:
        """(attendee id, round) -> (theme, group number); the last one wins if someone is doubled."""
        return {(a, g.round_index): (g.theme, g.number) for g in self.groups for a in g.members}


@dataclass(frozen=True, slots=True)
class Violation:
    rule: Rule
    explanation: str
    round_index: int | None = None
    theme: str | None = None
    group_number: int | None = None
    attendee_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class RoundPreferences:
    round_index: int
    first: int
    second: int
    third: int
    other: int
    neutral: int
    as_planned: int  # got the theme the preference mode aims at (rotate: r-th choice; stay: 1st)


@dataclass(frozen=True, slots=True)
class Report:
    preferences: tuple[RoundPreferences, ...]
    violations: tuple[Violation, ...]
    violation_counts: tuple[tuple[Rule, int], ...]  # sorted by rule, zero counts left out
    diversity: float
    diversity_bound: float  # proven upper bound for this theme assignment (see bound_method)
    gap_percent: float  # of diversity_bound: at most this share can still be gained
    infeasibility: tuple[str, ...] = ()  # up-front explanations: why a rule cannot hold at all
    # The bound step by step, for the explanation: per round and theme over every size profile, ignoring
    # the rules (the bound before issue 19); with the group counts colleagues force; and with the rounds
    # linked by the rule that nobody meets twice (linked.py). diversity_bound is the last that applies.
    bound_without_rules: float = 0.0
    bound_with_sizes: float = 0.0
    bound_method: BoundMethod = BoundMethod.PER_ROUND
    optimal: bool = False  # diversity reaches a bound valid for every plan that keeps the rules

    @property
    def hard_violations(self) -> int:
        return sum(count for _, count in self.violation_counts)


@dataclass(frozen=True, slots=True)
class GroupingResult:
    assignment: Assignment
    report: Report
