"""Ticket holders: who pairing groups, read from ticketing.

A ticket holder is a live place of a paid duo with a valid ticket. Rankings, placements and pins refer to
that place (`Holder.id`, ticketing's Attendee id), so a new companion on an order starts with a clean slate.
`ticket_holders` is the one query in pairing that reads ticketing's tables (read-only); everything else goes
through pairing's own tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.i18n import lazy_gettext as _l
from core.principal import Principal
from members.rules import normalise_email
from members.verification import verified_email
from pairing.access import EventRef
from pairing.errors import NoTicket, TicketNotFound
from ticketing.rules import PAID, PlaceRole, TicketStatus
from ticketing.tables import Attendee, Ticket


@dataclass(frozen=True, slots=True)
class Holder:
    """A ticket holder as pairing sees it (no birth date: pairing never needs it)."""

    id: int  # the place (ticketing Attendee id)
    event_id: int
    order_id: int
    buyer_id: int
    role: str  # PlaceRole: buyer | companion
    name: str
    email: str
    industry: str
    organisation: str
    experience_level: int | None = None  # as given on the order for a companion; None: unknown
    details_confirmed: bool = False  # the companion gave experience and organisation on their own page


async def ticket_holders(*, event_id: int | None = None, email: str | None = None,
                         code: str | None = None, member_id: int | None = None,
                         place_id: int | None = None) -> list[Holder]:
    """Live places of paid duos with a valid ticket: of one event, of one e-mail address, of one ticket code, or of
    one member (`member_id`: the buyer places of their orders, plus places with their e-mail only when it is
    verified — see `members.verification.verified_email`)."""
    query = Ticket.select(
        Ticket.attendee.id.as_alias("id"),
        Ticket.event.as_alias("event_id"),
        Ticket.order.id.as_alias("order_id"),
        Ticket.order.buyer.as_alias("buyer_id"),
        Ticket.attendee.role.as_alias("role"),
        Ticket.attendee.name.as_alias("name"),
        Ticket.attendee.email.as_alias("email"),
        Ticket.attendee.industry.as_alias("industry"),
        Ticket.attendee.organisation.as_alias("organisation"),
        Ticket.attendee.experience_level.as_alias("experience_level"),
        Ticket.attendee.details_confirmed_at.as_alias("details_confirmed_at"),
    ).where(
        (Ticket.status == TicketStatus.VALID) & Ticket.attendee._.live.eq(True)
        & (Ticket.order.status == PAID)
    )
    if event_id is not None:
        query = query.where(Ticket.event == event_id)
    if email is not None:
        query = query.where(Ticket.attendee.email == normalise_email(email))
    if code is not None:
        query = query.where(Ticket.code == code)
    if place_id is not None:
        query = query.where(Ticket.attendee == place_id)
    if member_id is not None:
        places = await _member_places(member_id, await verified_email(member_id), event_id)
        if not places:
            return []
        query = query.where(Ticket.attendee.is_in(places))
    rows = await query.order_by(Ticket.attendee.id)
    return [Holder(**{k: v for k, v in row.items() if k != "details_confirmed_at"},
                   details_confirmed=row["details_confirmed_at"] is not None) for row in rows]


# A member's live places: as buyer of their orders, and by their verified address. Found first through two indexed
# lookups (the order's buyer, the place's e-mail), so the ticket query then reads only those places by their unique
# ticket index. Written as one OR over the joined tables, the planner of a freshly filled event (statistics not yet
# gathered) chose nested loops over every ticket of the event: 48 ms per vote cast at 1,000 holders, 0.3 ms so
# (bench/vote_profile.py).
_BUYER_PLACES = ('SELECT a.id FROM ticket_attendee a JOIN ticket_order o ON o.id = a."order" '
                 "WHERE o.buyer = {} AND a.role = {} AND a.live")
_ADDRESS_PLACES = "SELECT a.id FROM ticket_attendee a WHERE a.email = {} AND a.live"


async def _member_places(member_id: int, verified: str | None, event_id: int | None) -> list[int]:
    parts: list[tuple[str, list[Any]]] = [(_BUYER_PLACES, [member_id, str(PlaceRole.BUYER)])]
    if verified is not None:
        parts.append((_ADDRESS_PLACES, [verified]))
    if event_id is not None:
        parts = [(sql + " AND a.event = {}", [*args, event_id]) for sql, args in parts]
    rows = await Attendee.raw(" UNION ".join(sql for sql, _ in parts), *[a for _, args in parts for a in args])
    return [r["id"] for r in rows]


async def member_place(actor: Principal, event: EventRef) -> Holder:
    """The signed-in member's own place at the event: as the buyer of their order, or as the companion with
    their account's e-mail address once it is verified."""
    # A companion's place only through a verified e-mail: else whoever signed up first with the address would
    # rank for them and read their groups.
    places = await ticket_holders(event_id=event.id, member_id=actor.id)
    if not places:
        raise NoTicket(_l("Je hebt geen geldig ticket voor dit evenement."))
    return places[0]


async def holder_of_place(place_id: int) -> Holder:
    """A place as a ticket holder (the companion's own page found it by its link)."""
    places = await ticket_holders(place_id=place_id)
    if not places:
        raise NoTicket(_l("Je hebt geen geldig ticket voor dit evenement."))
    return places[0]


async def ticket_place(code: str) -> Holder:
    """The place a ticket code belongs to (the code is a bearer secret)."""
    places = await ticket_holders(code=code.strip().upper())
    if not places:
        raise TicketNotFound(_l("Geen geldig ticket met deze code."))
    return places[0]
