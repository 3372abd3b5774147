"""How an order, its places and an eligibility exception are shown: to the buyer, the organiser and the API, as the
frozen results of ticketing/results.py (OrderOut, PlaceOut, OverrideOut), built straight from the rows.

Reads only. A place never shows its birth date: it served the companion rule alone (see
ticketing.jobs.erase_birth_dates); the outcome (basis and reasons) is what stays. The buyer never sees the
companion's ticket code (a door code is one person's bearer secret, issue 15): only whether it is valid. The
organiser, who runs the door, sees both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from core.db import as_utc, utcnow
from core.i18n import lazy_gettext as _l
from events.tables import Event
from ticketing import rules
from ticketing.access import deadlines
from ticketing.errors import OrderNotFound
from ticketing.results import EventRef, OrderOut, OverrideOut, PlaceOut
from ticketing.tables import Attendee, Ticket, TicketOrder

# What a buyer is told about an organiser's exception: that there is one, never the organiser's reason.
OVERRIDE_NL = "De organisator heeft voor je partner een uitzondering gemaakt."
OVERRIDE_EN = "The organiser has made an exception for your companion."


def about_the_companion(text: str, name: str, language: str = "nl") -> str:
    """A companion's eligibility reason as the organiser reads it: about the companion, by name, instead of
    addressed to the buyer ("Je partner is 27 …" → "Lotte Bakker is 27 …"). The buyer's line about an exception
    is left out: the organiser sees the exception itself. Pure."""
    who = " ".join(name.split()) or ("de partner" if language == "nl" else "the companion")
    marker = OVERRIDE_NL if language == "nl" else OVERRIDE_EN
    text = text.replace(marker, "").strip()
    pairs: tuple[tuple[str, str], ...]
    if language == "nl":
        pairs = (("Je partner", who[:1].upper() + who[1:]), ("je partner", who))
    else:
        pairs = (("Your companion's", f"{who}'s"), ("your companion's", f"{who}'s"),
                 ("Your companion", who[:1].upper() + who[1:]), ("your companion", who))
    for old, new in pairs:
        text = text.replace(old, new)
    return text


def _without_override_reason(text: str, marker: str, replacement: str) -> str:
    # Places stored before the exception's reason was kept out of the buyer's view still carry it after `marker`.
    return text.split(marker, 1)[0] + replacement if marker in text else text


def place_view(row: Mapping[str, Any], tickets: Sequence[Mapping[str, Any]], *, with_code: bool = True,
               override: OverrideOut | None = None, about_the_companion_in: bool = False) -> PlaceOut:
    """A place as shown. `about_the_companion_in`: the eligibility reasons written about the companion, by name,
    with the `override` they were admitted by (the organiser's attendee list)."""
    ticket = next((t for t in tickets if t["attendee"] == row["id"]), None)
    reason_nl = _without_override_reason(row["eligibility_reason_nl"], " Toegelaten door de organisator:", " "
                                         + OVERRIDE_NL)
    reason_en = _without_override_reason(row["eligibility_reason_en"], " Admitted by the organiser:", " "
                                         + OVERRIDE_EN)
    if about_the_companion_in:
        reason_nl = about_the_companion(reason_nl, row["name"], "nl")
        reason_en = about_the_companion(reason_en, row["name"], "en")
    return PlaceOut(
        id=row["id"], role=row["role"], name=row["name"], email=row["email"], industry=row["industry"],
        organisation=row["organisation"], experience_level=row["experience_level"],
        eligibility_basis=row["eligibility_basis"], eligibility_reason_nl=reason_nl, eligibility_reason_en=reason_en,
        override_id=row["override_id"], override=override, live=bool(row["live"]), voided_at=as_utc(row["voided_at"]),
        ticket_code=ticket["code"] if ticket and with_code else None,
        ticket_status=ticket["status"] if ticket else None,
    )


async def order_views(orders: Sequence[Mapping[str, Any]], *, organiser: bool = False,
                      overrides: Mapping[int, OverrideOut] | None = None) -> list[OrderOut]:
    """Each order with its event, both current places, former companions, deadlines and what may be done. The
    companions' ticket codes only for the `organiser` (the buyer sees their own code and the companion's status).
    With `overrides` (the attendee list): the current companion with the exception that admitted them, and their
    eligibility reasons written about them."""
    if not orders:
        return []
    ids = [o["id"] for o in orders]
    places = await Attendee.select().where(Attendee.order.is_in(ids)).order_by(Attendee.id)
    tickets = await Ticket.select().where(Ticket.order.is_in(ids))
    event_ids = list({o["event"] for o in orders})
    events = {e["id"]: e for e in await Event.select().where(Event.id.is_in(event_ids))}
    return build_order_views(orders, places, tickets, events, utcnow(), organiser=organiser, overrides=overrides)


def build_order_views(orders: Sequence[Mapping[str, Any]], places: Sequence[Mapping[str, Any]],
                      tickets: Sequence[Mapping[str, Any]], events: Mapping[int, Mapping[str, Any]], now: datetime,
                      *, organiser: bool = False, overrides: Mapping[int, OverrideOut] | None = None
                      ) -> list[OrderOut]:
    """`order_views` from rows in hand (places in id order): no reads. Ordering answers from the rows it has just
    inserted, so its answer is this very document without reading it back."""
    out = []
    for order in orders:
        event = events[order["event"]]
        change_by, refund_by = deadlines(event)
        own = [p for p in places if p["order"] == order["id"]]
        own_tickets = [t for t in tickets if t["order"] == order["id"]]
        buyer = next(p for p in own if p["role"] == rules.PlaceRole.BUYER)
        companions = [p for p in own if p["role"] == rules.PlaceRole.COMPANION]
        current = next((p for p in companions if p["voided_at"] is None), companions[-1])
        status = order["status"]
        live = status in rules.SEAT_HOLDING
        out.append(OrderOut(
            id=order["id"], status=status, amount_cents=order["amount_cents"],
            currency=order["currency"].upper(), expires_at=as_utc(order["expires_at"]),
            paid_at=as_utc(order["paid_at"]), cancelled_at=as_utc(order["cancelled_at"]),
            refunded_at=as_utc(order["refunded_at"]), created_at=as_utc(order["created_at"]),
            event=event_ref(event),
            buyer=place_view(buyer, own_tickets),
            companion=place_view(current, own_tickets, with_code=organiser,
                                 override=(overrides or {}).get(current["override_id"]),
                                 about_the_companion_in=overrides is not None),
            former_companions=[place_view(p, own_tickets, with_code=organiser)
                               for p in companions if p is not current],
            change_deadline=change_by, refund_deadline=refund_by,
            can_change_companion=live and rules.can_change_companion(now, change_by),
            can_cancel=status == rules.PENDING or (status == rules.PAID and rules.can_refund(now, refund_by)),
        ))
    return out


def event_ref(event: Mapping[str, Any]) -> EventRef:
    return EventRef(id=event["id"], slug=event["slug"], title=event["title"], starts_at=as_utc(event["starts_at"]),
                    timezone=event["timezone"])


async def order_view(order_id: int, *, organiser: bool = False) -> OrderOut:
    row = await TicketOrder.select().where(TicketOrder.id == order_id).first()
    if row is None:
        raise OrderNotFound(_l("Deze bestelling bestaat niet."))
    return (await order_views([row], organiser=organiser))[0]


def override_view(row: Mapping[str, Any], names: Mapping[int, str]) -> OverrideOut:
    """An organiser's exception as the organiser sees it (with its reason and who made it)."""
    return OverrideOut(id=row["id"], email=row["email"], reason=row["reason"],
                       created_by=names.get(row["created_by"], ""), created_by_id=row["created_by"],
                       created_at=as_utc(row["created_at"]), revoked_at=as_utc(row.get("revoked_at")),
                       revoked_by=names.get(row.get("revoked_by") or -1, ""), revoked_by_id=row.get("revoked_by"))
