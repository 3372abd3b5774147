"""Events as the service returns them (events.schemas.EventOut, events.views.EventDetails), for the unit tests of
pages and forms: every field filled with a plain default, the ones a test is about given."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from events.schemas import EventOut, SessionOut, ThemeOut
from events.views import EventDetails

_START = datetime(2027, 3, 10, 12, tzinfo=UTC)
_END = datetime(2027, 3, 10, 20, tzinfo=UTC)


def session(**values: Any) -> SessionOut:
    fields: dict[str, Any] = {
        "id": 1, "title": "Welkom", "starts_at": _START, "ends_at": _END,
        "starts_at_local": "2027-03-10T13:00:00+01:00", "ends_at_local": "2027-03-10T21:00:00+01:00", "room": "",
        "is_breakout_round": False, "round_number": None,
    }
    return SessionOut(**{**fields, **values})


def theme(**values: Any) -> ThemeOut:
    return ThemeOut(**{"key": "imago", "title": "Imago", "description": "", "position": 0, **values})


def event_out(**values: Any) -> EventOut:
    fields: dict[str, Any] = {
        "id": 1, "slug": "hackathon", "title": "Hackathon", "description": "", "kind": "hackathon",
        "status": "draft", "starts_at": _START, "ends_at": _END, "starts_at_local": "2027-03-10T13:00:00+01:00",
        "ends_at_local": "2027-03-10T21:00:00+01:00", "timezone": "Europe/Amsterdam", "venue_name": "",
        "address": "", "online_url": "", "capacity_duos": 40, "seats_left": 40, "price_cents": 0, "currency": "EUR",
        "sales_state": "not_published", "sales_start": None, "sales_end": None,
        "change_deadline": datetime(2027, 3, 9, 12, tzinfo=UTC),
        "refund_deadline": datetime(2027, 3, 3, 12, tzinfo=UTC),
        "age_limit": 30, "home_industry": "customer_contact", "sequence": 0, "published_at": None,
        "cancelled_at": None, "updated_at": _START, "themes": [], "agenda": [], "sales_close": _START,
    }
    return EventOut(**{**fields, **values})


def details(event: EventOut, *, own_change_deadline: datetime | None = None,
            own_refund_deadline: datetime | None = None, organiser_id: int | None = 1) -> EventDetails:
    return EventDetails(event=event, organiser_id=organiser_id, own_change_deadline=own_change_deadline,
                        own_refund_deadline=own_refund_deadline)
