"""A member's tickets, as buyer or as companion, and the ticket questions other folders ask: which events go in a
member's calendar (events.feeds) and which places a cancelled event voided (pairing's published groups).

A companion's place counts as the member's only once the account's e-mail is VERIFIED: before that, whoever
signed up with the address first would otherwise read the companion's door code. Reads only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.db import as_utc
from core.principal import Principal
from events.rules import EventStatus
from events.tables import Event
from members.rules import normalise_email
from members.tables import Member
from members.verification import verified_email
from ticketing import rules
from ticketing.results import LivePlaceOut, MyTicketOut, TicketEventOut
from ticketing.tables import Attendee, Ticket, TicketOrder


async def list_my_tickets(actor: Principal) -> list[MyTicketOut]:
    """Every place this member has or had, live or past, as buyer or as companion (newest first): the buyer places
    of the member's own orders (by buyer id), plus — only once the account's e-mail is VERIFIED — every place with
    that e-mail (normalised, so case and spaces do not matter). A companion who makes an account later sees their
    ticket here after following the verification link; before that, whoever signed up with the address first
    would otherwise read the companion's door code.

    Each place carries only what its owner may see: their own name, ticket code and status, the event, the order
    status, and the partner's NAME (who invited them, or whom they invited) — never the partner's e-mail, birth
    date or ticket code. The buyer's full view stays with list_my_orders. Reads only."""
    mine = (Attendee.order.buyer == actor.id) & (Attendee.role == rules.PlaceRole.BUYER)
    email = await verified_email(actor.id)
    if email is not None:
        mine = mine | (Attendee.email == email)
    places = await Attendee.select(
        Attendee.id, Attendee.order, Attendee.event, Attendee.role, Attendee.name, Attendee.live,
        Attendee.voided_at,
    ).where(mine).order_by(Attendee.id, ascending=False)
    if not places:
        return []
    order_ids = list({p["order"] for p in places})
    orders = {o["id"]: o for o in await TicketOrder.select(TicketOrder.id, TicketOrder.status).where(
        TicketOrder.id.is_in(order_ids))}
    # Both places of each order, for the partner's name (selected without e-mail or birth date).
    duo = await Attendee.select(Attendee.id, Attendee.order, Attendee.role, Attendee.name, Attendee.voided_at).where(
        Attendee.order.is_in(order_ids)).order_by(Attendee.id)
    tickets = {t["attendee"]: t for t in await Ticket.select(Ticket.attendee, Ticket.code, Ticket.status).where(
        Ticket.attendee.is_in([p["id"] for p in places]))}
    events = {e["id"]: e for e in await Event.select(
        Event.id, Event.slug, Event.title, Event.starts_at, Event.timezone, Event.status,
    ).where(Event.id.is_in(list({p["event"] for p in places})))}
    out = []
    for place in places:
        others = [p for p in duo if p["order"] == place["order"] and p["id"] != place["id"]]
        if place["role"] == rules.PlaceRole.BUYER:  # whom I invited: the current companion (else the last one)
            companions = [p for p in others if p["role"] == rules.PlaceRole.COMPANION]
            partner = next((p for p in companions if p["voided_at"] is None), companions[-1] if companions else None)
        else:  # who invited me
            partner = next((p for p in others if p["role"] == rules.PlaceRole.BUYER), None)
        ticket = tickets.get(place["id"])
        event = events[place["event"]]
        out.append(MyTicketOut(
            place_id=place["id"], order_id=place["order"], order_status=orders[place["order"]]["status"],
            role=place["role"], name=place["name"], live=bool(place["live"]), voided_at=as_utc(place["voided_at"]),
            ticket_code=ticket["code"] if ticket else None, ticket_status=ticket["status"] if ticket else None,
            partner_name=partner["name"] if partner else "",
            event=TicketEventOut(id=event["id"], slug=event["slug"], title=event["title"],
                                 starts_at=as_utc(event["starts_at"]), timezone=event["timezone"],
                                 status=event["status"]),
        ))
    return out


async def companion_ticket_waits_for(member_id: int) -> bool:
    """Whether someone named this member's (still UNVERIFIED) e-mail address as their companion on a paid duo with
    a valid ticket: the one case in which confirming the address would show them a ticket they cannot see yet.
    False once the address is verified (the ticket is then shown) or when the member does not exist."""
    member = await Member.select(Member.email, Member.email_verified_at).where(Member.id == member_id).first()
    if member is None or member["email_verified_at"] is not None:
        return False
    return bool(await Ticket.exists().where(
        (Ticket.attendee.email == normalise_email(member["email"]))
        & (Ticket.attendee.role == rules.PlaceRole.COMPANION) & Ticket.attendee._.live.eq(True)
        & (Ticket.status == rules.TicketStatus.VALID) & (Ticket.order.status == rules.PAID)
    ))


async def _places_of_member(member_id: int) -> Any | None:
    """The condition on Ticket for this member's own places: buyer places of their orders (by id), and places
    with their e-mail only when it is verified. None when the member does not exist."""
    member = await Member.select(Member.email, Member.email_verified_at).where(Member.id == member_id).first()
    if member is None:
        return None
    mine = (Ticket.order.buyer == member_id) & (Ticket.attendee.role == rules.PlaceRole.BUYER)
    if member["email_verified_at"] is not None:
        mine = mine | (Ticket.attendee.email == normalise_email(member["email"]))
    return mine


async def live_ticket_event_ids(member_id: int) -> list[int]:
    """Events for which this member holds a live ticket: as buyer, or as companion (by VERIFIED account e-mail)."""
    mine = await _places_of_member(member_id)
    if mine is None:
        return []
    rows = await Ticket.select(Ticket.event).where(
        (Ticket.status == rules.TicketStatus.VALID) & (Ticket.order.status == rules.PAID) & mine
    ).distinct()
    return sorted({r["event"] for r in rows})


async def calendar_event_ids(member_id: int) -> list[int]:
    """Events for a member's calendar: those with a live ticket, plus cancelled events whose ticket was
    voided by that cancellation, so the feed shows "Geannuleerd" instead of silently dropping the event.
    A ticket the member cancelled themselves (voided before the event was cancelled) stays out. Companion places
    count only once the account's e-mail is verified."""
    mine = await _places_of_member(member_id)
    if mine is None:
        return []
    rows = await Ticket.select(
        Ticket.event, Ticket.status, Ticket.voided_at, Ticket.order.status.as_alias("order_status"),
        Ticket.event.status.as_alias("event_status"), Ticket.event.cancelled_at.as_alias("cancelled_at"),
    ).where(mine)
    ids = set()
    for r in rows:
        if (r["status"] == rules.TicketStatus.VALID and r["order_status"] == rules.PAID) or _voided_by_cancellation(r):
            ids.add(r["event"])
    return sorted(ids)


def _voided_by_cancellation(row: Mapping[str, Any]) -> bool:
    """A ticket row (with `event_status`, `cancelled_at`, `voided_at`) voided by the cancellation of its event,
    not before it (the member's own cancellation, a refund, a replaced companion)."""
    return (row["event_status"] == EventStatus.CANCELLED and row["voided_at"] is not None
            and row["cancelled_at"] is not None
            and as_utc(row["voided_at"]) >= as_utc(row["cancelled_at"]))


async def places_voided_by_cancellation(member_id: int) -> set[int]:
    """The member's places (as `_places_of_member` counts them) whose ticket was voided by the cancellation of
    its event: pairing keeps their published breakouts in the calendar, cancelled, as events.feeds keeps the
    event (calendar_event_ids)."""
    mine = await _places_of_member(member_id)
    if mine is None:
        return set()
    rows = await Ticket.select(
        Ticket.attendee, Ticket.voided_at, Ticket.event.status.as_alias("event_status"),
        Ticket.event.cancelled_at.as_alias("cancelled_at"),
    ).where(mine & (Ticket.status == rules.TicketStatus.VOID))
    return {r["attendee"] for r in rows if _voided_by_cancellation(r)}


async def ticket_pdf_of_place(place_id: int, language: str = "nl") -> tuple[bytes, str] | None:
    """The PDF ticket of one place while its ticket is valid and its duo paid (else None): that person's own
    code only. Callers check who asks (`my_ticket_pdf`, or the companion's link)."""
    from ticketing.ticket_pdf import TicketPdf, filename, render_ticket_pdf

    row = await Ticket.select(
        Ticket.code, Ticket.issued_at, Ticket.attendee.name.as_alias("name"), Ticket.attendee.role.as_alias("role"),
        Ticket.order.as_alias("order_id"),
    ).where((Ticket.attendee == place_id) & (Ticket.status == rules.TicketStatus.VALID)
            & (Ticket.order.status == rules.PAID)
            & Ticket.attendee.voided_at.is_null()).first()
    if row is None:
        return None
    place = await Attendee.select(Attendee.event).where(Attendee.id == place_id).first()
    assert place is not None
    event = await Event.select(Event.title, Event.starts_at, Event.ends_at, Event.timezone, Event.venue_name,
                               Event.address, Event.online_url).where(Event.id == place["event"]).first()
    assert event is not None
    buyer = None
    if row["role"] == rules.PlaceRole.COMPANION:
        buyer = await Attendee.select(Attendee.name).where(
            (Attendee.order == row["order_id"]) & (Attendee.role == rules.PlaceRole.BUYER)).first()
    ticket = TicketPdf(
        holder_name=row["name"], ticket_code=row["code"], event_title=event["title"],
        starts_at=as_utc(event["starts_at"]), ends_at=as_utc(event["ends_at"]),
        tz=event["timezone"],
        venue="\n".join(x for x in (event["venue_name"], event["address"]) if x) or event["online_url"],
        issued_at=as_utc(row["issued_at"]), invited_by=buyer["name"] if buyer else "",
        language="en" if language == "en" else "nl",
    )
    return render_ticket_pdf(ticket), filename(ticket)


async def my_ticket_pdf(actor: Principal, place_id: int, language: str = "nl") -> tuple[bytes, str] | None:
    """The member's own PDF ticket: one of their own places (as `list_my_tickets` finds them: a companion's only
    with a verified e-mail), never their partner's."""
    mine = {t.place_id for t in await list_my_tickets(actor)}
    if place_id not in mine:
        return None
    return await ticket_pdf_of_place(place_id, language)


async def place_calendar_event_ids(place_id: int) -> list[int]:
    """The event of one place for its calendar feed (a companion without an account): while its ticket is valid
    and paid, or once the event's cancellation voided it (the feed then shows the event cancelled)."""
    rows = await Ticket.select(
        Ticket.event, Ticket.status, Ticket.voided_at, Ticket.order.status.as_alias("order_status"),
        Ticket.event.status.as_alias("event_status"), Ticket.event.cancelled_at.as_alias("cancelled_at"),
    ).where(Ticket.attendee == place_id)
    return sorted({r["event"] for r in rows
                   if (r["status"] == rules.TicketStatus.VALID and r["order_status"] == rules.PAID)
                   or _voided_by_cancellation(r)})


async def my_live_place(actor: Principal, event_id: int) -> LivePlaceOut | None:
    """The member's live place (held or paid) at this event, as buyer or (address verified) as companion, or None:
    the event page then shows their ticket instead of offering another. Two indexed lookups (the member's own live
    order at the event, then a live place with their verified address), never an OR over joined tables. Reads
    only."""
    order = await TicketOrder.select(TicketOrder.id, TicketOrder.status).where(
        (TicketOrder.event == event_id) & (TicketOrder.buyer == actor.id)
        & TicketOrder.status.is_in(list(rules.SEAT_HOLDING))).first()
    if order is not None:
        return LivePlaceOut(order_id=order["id"], role=rules.PlaceRole.BUYER, paid=order["status"] == rules.PAID)
    email = await verified_email(actor.id)
    if email is None:
        return None
    place = await Attendee.select(Attendee.order, Attendee.role, Attendee.order.status).where(
        (Attendee.event == event_id) & (Attendee.email == email) & Attendee.live.eq(True)).first()
    if place is None:
        return None
    return LivePlaceOut(order_id=place["order"], role=place["role"], paid=place["order.status"] == rules.PAID)
