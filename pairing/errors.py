"""Pairing's domain errors: stable codes, mapped once to problem+json by core.errors."""

from __future__ import annotations

from core.errors import Conflict, Forbidden, InvalidInput, NotFound


class NoTicket(Forbidden):
    code = "no_ticket"


class TicketNotFound(NotFound):
    code = "ticket_not_found"


class PlanNotFound(NotFound):
    code = "plan_not_found"


class PlanNotPublished(NotFound):
    code = "plan_not_published"


class PinNotFound(NotFound):
    code = "pin_not_found"


class InvalidRanking(InvalidInput):
    code = "invalid_ranking"


class InvalidBreakoutRequest(InvalidInput):
    code = "invalid_breakout_request"


class NoBreakoutRounds(InvalidInput):
    code = "no_breakout_rounds"


__all__ = [
    "InvalidBreakoutRequest",
    "InvalidRanking",
    "NoBreakoutRounds",
    "NoTicket",
    "PinNotFound",
    "PlanNotFound",
    "PlanNotPublished",
    "TicketNotFound",
]


class NobodyCheckedIn(Conflict):
    """Regrouping for who came before anyone came would take everyone out of the groups."""

    code = "nobody_checked_in"


class RegroupChanged(Conflict):
    """Someone arrived (or was undone) between the preview and the publish: look at the moves again."""

    code = "regroup_changed"
