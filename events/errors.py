"""Events' domain errors: stable codes, mapped once to problem+json by core.errors (and to a message on the
pages by frontend/pages/errors.py)."""

from __future__ import annotations

from core.errors import Conflict, Forbidden


class SlugTaken(Conflict):
    code = "slug_taken"


class EventNotEditable(Conflict):
    """A cancelled event is neither edited nor published again."""

    code = "event_not_editable"


class EventOrganiserOnly(Forbidden):
    """Only the event's organiser (or an administrator) manages its team."""

    code = "event_organiser_only"


class RoleForOrganiser(Conflict):
    """The event's organiser already may do everything a role at their own event allows."""

    code = "role_for_organiser"
