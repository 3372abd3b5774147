"""The door's domain errors: stable codes (the red reasons of checkin.rules.Verdict), mapped once to problem+json
by core.errors. Each carries only what the door needs to tell the person in front of it."""

from __future__ import annotations

from core.errors import Conflict, NotFound


class DoorRefusal(Conflict):
    """A ticket the door refuses (red). Subclasses carry the Verdict's code."""


class TicketUnknown(NotFound):
    code = "ticket_unknown"


class TicketOtherEvent(DoorRefusal):
    code = "ticket_other_event"


class TicketVoided(DoorRefusal):
    code = "ticket_voided"


class TicketCancelled(DoorRefusal):
    code = "ticket_cancelled"


class TicketUnpaid(DoorRefusal):
    code = "ticket_unpaid"


class CheckInNotFound(NotFound):
    code = "checkin_not_found"
