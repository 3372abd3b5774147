"""Who may vote: every ticket holder of the event — checked in, when check-in is used (issue 17).

The check-in hook: `checked_in_places(event_id)` asks the registered source for the places that are checked in at
the door. The source set here reads checkin's table (active check-ins, not undone); when checkin offers a read of
its own, point `use_checkin_source` at it at start-up (or here) and nothing else in ideas changes. A source returns
None when there is no check-in at all; `ideas.rules.eligible_places` decides what the answer means (nobody checked
in yet: check-in is not used, everyone with a ticket votes).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from ideas.rules import eligible_places
from pairing.holders import ticket_holders

CheckinSource = Callable[[int], Awaitable[frozenset[int] | None]]


async def _door_checkins(event_id: int) -> frozenset[int] | None:
    """Places with an active (not undone) check-in at the event's door."""
    try:
        from checkin.tables import CheckIn
    except ImportError:  # pragma: no cover (an install without the door)
        return None
    rows = await CheckIn.select(CheckIn.attendee).where(
        (CheckIn.event == event_id) & CheckIn.undone_at.is_null()
    )
    return frozenset(r["attendee"] for r in rows)


_source: CheckinSource = _door_checkins


def use_checkin_source(source: CheckinSource) -> None:
    """Replace where check-ins are read from (the checkin folder's own read, or a test's)."""
    global _source
    _source = source


async def checked_in_places(event_id: int) -> frozenset[int] | None:
    return await _source(event_id)


async def eligible_voters(event_id: int) -> frozenset[int]:
    """The places that may vote at the event now."""
    holders = [h.id for h in await ticket_holders(event_id=event_id)]
    return eligible_places(holders, await checked_in_places(event_id))
