"""Events as the use cases return them: frozen msgspec Structs built from table rows.

The API's response bodies (events/schemas.py: `EventOut`, `EventSummary`, …) are the results: a handler returns
what the use case gave it, and a page renders it without changing it. What only the organiser's back office uses
(who organises the event, the deadlines the organiser set themselves) is not in the API's body: `EventDetails`
carries it beside the event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import msgspec

from core.db import as_utc
from events import rules
from events.schemas import AdminEventSummary, EventOut, EventSummary, SessionOut, ThemeOut


class EventDetails(msgspec.Struct, frozen=True):
    """An event as its organiser's pages show it: what everyone sees (`event`), who organises it (None: an event
    without one, which every organiser manages) and the deadlines its organiser set (None: the defaults before the
    start, which `event` shows), for the edit form."""

    event: EventOut
    organiser_id: int | None
    own_change_deadline: datetime | None
    own_refund_deadline: datetime | None


def _local_iso(value: datetime, tz: str) -> str:
    return rules.to_local(value, tz).isoformat()


def session_out(row: Mapping[str, Any], tz: str) -> SessionOut:
    starts_at, ends_at = as_utc(row["starts_at"]), as_utc(row["ends_at"])
    assert starts_at
    assert ends_at
    return SessionOut(
        id=row["id"], title=row["title"], starts_at=starts_at, ends_at=ends_at,
        starts_at_local=_local_iso(starts_at, tz), ends_at_local=_local_iso(ends_at, tz), room=row["room"],
        is_breakout_round=bool(row["is_breakout_round"]), round_number=row["round_number"],
    )


def event_out(row: Mapping[str, Any], themes: Sequence[Mapping[str, Any]], sessions: Sequence[Mapping[str, Any]],
              now: datetime, image_digest: str | None = None) -> EventOut:
    """The event of an `Event` row with its themes and agenda sessions (rows too), sales state as of `now`."""
    tz = row["timezone"]
    starts_at, ends_at = as_utc(row["starts_at"]), as_utc(row["ends_at"])
    assert starts_at
    assert ends_at
    updated_at = as_utc(row["updated_at"])
    assert updated_at
    sales_start, sales_end = as_utc(row["sales_start"]), as_utc(row["sales_end"])
    status = rules.EventStatus(row["status"])
    images = rules.image_urls(row["slug"], image_digest)
    return EventOut(
        id=row["id"], slug=row["slug"], title=row["title"], description=row["description"], kind=row["kind"],
        status=status, starts_at=starts_at, ends_at=ends_at, starts_at_local=_local_iso(starts_at, tz),
        ends_at_local=_local_iso(ends_at, tz), timezone=tz, venue_name=row["venue_name"], address=row["address"],
        online_url=row["online_url"], capacity_duos=row["capacity_duos"],
        seats_left=max(0, row["capacity_duos"] - row["seats_taken"]), price_cents=row["price_cents"],
        currency="EUR",
        sales_state=rules.sales_state(status=status, now=now, starts_at=starts_at, sales_start=sales_start,
                                      sales_end=sales_end),
        sales_start=sales_start, sales_end=sales_end, sales_close=rules.sales_close(starts_at, sales_end),
        change_deadline=rules.change_deadline(starts_at, as_utc(row["change_deadline"])),
        refund_deadline=rules.refund_deadline(starts_at, as_utc(row["refund_deadline"])),
        contact_email=row.get("contact_email") or "", title_en=row.get("title_en") or "",
        description_en=row.get("description_en") or "", image_url=images["image_url"],
        share_image_url=images["share_image_url"], age_limit=row["age_limit"], home_industry=row["home_industry"],
        sequence=row["sequence"], published_at=as_utc(row["published_at"]), cancelled_at=as_utc(row["cancelled_at"]),
        updated_at=updated_at,
        themes=[ThemeOut(key=t["key"], title=t["title"], description=t["description"], position=t["position"])
                for t in sorted(themes, key=lambda t: t["position"])],
        agenda=[session_out(s, tz) for s in sorted(sessions, key=lambda s: (as_utc(s["starts_at"]), s["id"]))],
    )


def event_details(row: Mapping[str, Any], event: EventOut) -> EventDetails:
    return EventDetails(event=event, organiser_id=row["organiser"],
                        own_change_deadline=as_utc(row["change_deadline"]),
                        own_refund_deadline=as_utc(row["refund_deadline"]))


def summary_of(event: EventOut) -> EventSummary:
    """The event as the API's lists show it."""
    return EventSummary(**{name: getattr(event, name) for name in EventSummary.__struct_fields__})


def admin_summary_of(event: EventOut, organiser_name: str, organiser_email: str) -> AdminEventSummary:
    """The event as the administrators' list shows it: with its organiser."""
    fields = {name: getattr(event, name) for name in EventSummary.__struct_fields__}
    return AdminEventSummary(**fields, organiser_name=organiser_name, organiser_email=organiser_email)
