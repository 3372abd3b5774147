"""Manual edits by a facilitator; follow each with ``evaluate`` to refresh the report."""

from __future__ import annotations

from .model import Assignment, Group

__all__ = ["move_attendee", "swap_attendees"]


def move_attendee(
    assignment: Assignment, attendee_id: int, round_index: int, theme: str, group_number: int
) -> Assignment:
    """Put the attendee in (theme, group_number) for that round, creating the group if it is new."""
    groups: list[Group] = []
    placed = False
    for g in assignment.groups:
        members = g.members
        if g.round_index == round_index:
            members = tuple(a for a in members if a != attendee_id)
            if g.theme == theme and g.number == group_number:
                members = (*members, attendee_id)
                placed = True
        if members or (g.round_index == round_index and g.theme == theme and g.number == group_number):
            groups.append(Group(g.round_index, g.theme, g.number, members))
    if not placed:
        groups.append(Group(round_index, theme, group_number, (attendee_id,)))
    return Assignment(tuple(groups))


def swap_attendees(assignment: Assignment, first: int, second: int, round_index: int) -> Assignment:
    """Exchange the groups of two attendees in one round (sizes stay the same)."""
    swap = {first: second, second: first}
    return Assignment(
        tuple(
            Group(g.round_index, g.theme, g.number, tuple(swap.get(a, a) for a in g.members))
            if g.round_index == round_index
            else g
            for g in assignment.groups
        )
    )
