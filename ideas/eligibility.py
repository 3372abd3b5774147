"""Who may vote: every ticket holder of the event — checked in, when check-in is used (issue 17).

The check-in hook is `CheckinSource`: whether the event uses check-in at all, and which of some places (or of all)
are checked in. The source set here reads checkin's table (active check-ins, not undone); when checkin offers a read
of its own, point `use_checkin_source` at it at start-up and nothing else in ideas changes. Check-in counts as used
once anybody of the event has been checked in: before the doors open everyone with a ticket votes, once they do only
those who came in. `ideas.rules.eligible_places` applies the answer.

A cast asks about the voter's own places only (two small queries), never about every ticket holder.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from ideas.rules import eligible_places
from pairing.holders import ticket_holders


class CheckinSource(Protocol):
    async def in_use(self, event_id: int) -> bool: ...

    async def checked_in(self, event_id: int, places: Sequence[int] | None) -> frozenset[int]: ...


class DoorCheckins:
    """Active (not undone) check-ins at the event's door, from checkin's table."""

    async def in_use(self, event_id: int) -> bool:
        try:
            from checkin.tables import CheckIn
        except ImportError:  # pragma: no cover (an install without the door)
            return False
        return await CheckIn.exists().where((CheckIn.event == event_id) & CheckIn.undone_at.is_null())

    async def checked_in(self, event_id: int, places: Sequence[int] | None) -> frozenset[int]:
        from checkin.tables import CheckIn

        query = CheckIn.select(CheckIn.attendee).where((CheckIn.event == event_id) & CheckIn.undone_at.is_null())
        if places is not None:
            query = query.where(CheckIn.attendee.is_in(list(places) or [0]))
        return frozenset(r["attendee"] for r in await query)


_source: CheckinSource = DoorCheckins()


def use_checkin_source(source: CheckinSource) -> None:
    """Replace where check-ins are read from (the checkin folder's own read, or a test's)."""
    global _source
    _source = source


async def _checked(event_id: int, places: Sequence[int] | None) -> frozenset[int] | None:
    if not await _source.in_use(event_id):
        return None
    return await _source.checked_in(event_id, places)


async def eligible_voters(event_id: int) -> frozenset[int]:
    """Every place that may vote at the event now (for the count recorded at closing)."""
    holders = [h.id for h in await ticket_holders(event_id=event_id)]
    return eligible_places(holders, await _checked(event_id, None))


async def eligible_among(event_id: int, places: Sequence[int]) -> frozenset[int]:
    """Which of these ticket-holder places (a member's own) may vote now."""
    if not places:
        return frozenset()
    return eligible_places(places, await _checked(event_id, places))
