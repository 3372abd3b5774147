"""Breakout grouping: theme preferences first, then maximally diverse groups under hard rules.

Pure code (no I/O, no clock): plain frozen dataclasses in, an assignment and a report out.
"""

from .attendance import Move, MoveReason, Regrouping, regroup_for_attendance
from .bound import diversity_upper_bound
from .edit import move_attendee, swap_attendees
from .engine import check_feasibility, generate_breakouts
from .evaluate import evaluate
from .mdgp import solve_mdgp
from .model import (
    Assignment,
    Attendee,
    BoundMethod,
    DiversityWeights,
    DuoPolicy,
    Group,
    GroupingInput,
    GroupingResult,
    Pin,
    PreferenceMode,
    Report,
    RoundPreferences,
    Rule,
    SearchBudget,
    Violation,
)

__all__ = [
    "Assignment",
    "Attendee",
    "BoundMethod",
    "DiversityWeights",
    "DuoPolicy",
    "Group",
    "GroupingInput",
    "GroupingResult",
    "Move",
    "MoveReason",
    "Pin",
    "PreferenceMode",
    "Regrouping",
    "Report",
    "RoundPreferences",
    "Rule",
    "SearchBudget",
    "Violation",
    "check_feasibility",
    "diversity_upper_bound",
    "evaluate",
    "generate_breakouts",
    "move_attendee",
    "regroup_for_attendance",
    "solve_mdgp",
    "swap_attendees",
]
