"""Who may do what at one event (events.rules): every combination of roles, for and without the organiser."""

from __future__ import annotations

from itertools import combinations

import pytest

from events.rules import EventRoleKind, may_check_in, may_plan_breakouts

ALL = [frozenset(c) for n in range(3) for c in combinations(EventRoleKind, n)]


@pytest.mark.parametrize("roles", ALL, ids=lambda r: "+".join(sorted(r)) or "none")
def test_the_organiser_may_everything_and_a_role_only_its_own(roles: frozenset[EventRoleKind]) -> None:
    assert may_plan_breakouts(roles, True)
    assert may_check_in(roles, True)
    assert may_plan_breakouts(roles, False) == (EventRoleKind.FACILITATOR in roles)
    assert may_check_in(roles, False) == bool(roles)  # a facilitator and the door both check in


def test_the_door_role_checks_in_and_plans_nothing() -> None:
    door = frozenset({EventRoleKind.DOOR})
    assert may_check_in(door, False)
    assert not may_plan_breakouts(door, False)
    assert not may_check_in(frozenset(), False)
