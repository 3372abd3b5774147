"""The cards of "my tickets": each wraps a result of ticketing as it came (an order, a ticket someone else bought for
the member) with what the page adds to it (the QR code, the theme ranking, the invoices, whether to poll for a
payment), so no page writes into a service's result.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from core.principal import Principal
from invoicing.documents import my_invoices
from invoicing.schemas import InvoiceOut
from pairing.errors import NoTicket
from pairing.rankings import ranked_places, ranking_of_member
from pairing.schemas import MyBreakoutsOut, RankingOut
from ticketing.companion_links import LinkState, link_states
from ticketing.mail import qr_png
from ticketing.payments import payment_started
from ticketing.results import MyTicketOut, OrderOut
from ticketing.rules import OrderStatus, TicketStatus


def qr_image(code: str) -> dict[str, Any]:
    """The ticket code as an inline PNG (the page policy allows ``img-src data:``), at its own pixel size."""
    png = qr_png(code)
    return {"src": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
            "size": int.from_bytes(png[16:20], "big")}  # the IHDR width; QR codes are square


def own_qr(order: OrderOut) -> dict[str, Any] | None:
    """The buyer's own QR code on their order card, once paid (the companion's code is theirs alone)."""
    buyer = order.buyer
    if order.status != OrderStatus.PAID or buyer.ticket_status != TicketStatus.VALID or not buyer.ticket_code:
        return None
    return qr_image(buyer.ticket_code)


async def event_ranking(user: Principal, slug: str) -> RankingOut | None:
    """The member's own theme ranking as the ticket holder of this event (None when there is nothing to rank)."""
    try:
        ranking = await ranking_of_member(user, slug)
    except NoTicket:  # the place went with a companion change since the list was read
        return None
    return ranking if ranking.available else None


@dataclass(frozen=True)
class OrderCard:
    """One of the buyer's orders on "my tickets" (tickets/_order.html): `order` as ticketing gave it, and beside it
    what the page shows with it."""

    order: OrderOut
    ranking: RankingOut | None = None  # the buyer's theme ranking, for a paid order
    qr: dict[str, Any] | None = None  # the buyer's own QR code, once paid
    polling: bool = False  # back from paying: the card asks every second until the payment has come in
    just_paid: bool = False
    # What the buyer may know of their companion's own page: opened, details given (never the companion's code or
    # link); None until the companion holds a valid ticket. And whether the companion ranked the themes.
    companion_link: LinkState | None = None
    companion_ranked: bool = False
    invoices: list[InvoiceOut] = field(default_factory=list)  # its invoice and credit note, for the links


async def order_cards(user: Principal, orders: Sequence[OrderOut], *, waiting: str = "",
                      typed: tuple[str, list[str]] | None = None, settled: bool = False) -> list[OrderCard]:
    """A card per order. `waiting`: the id of the order just paid for (its card polls while the payment is on its
    way); `typed`: (card id, themes) of a ranking that was refused, shown again as chosen; `settled`: the answer
    to polling (the payment has come in, or failed)."""
    ids = [o.companion.id for o in orders
           if o.status == OrderStatus.PAID and o.companion.ticket_status == TicketStatus.VALID]
    states, ranked = await link_states(ids), await ranked_places(ids)
    invoices = await my_invoices(user)
    cards = []
    for order in orders:
        place = order.companion.id
        ranking = await event_ranking(user, order.event.slug) if order.status == OrderStatus.PAID else None
        if ranking is not None and typed is not None and typed[0] == str(order.id):
            ranking = msgspec.structs.replace(ranking, themes=typed[1])
        polling = (order.status == OrderStatus.PENDING and waiting == str(order.id)
                   and await payment_started(order.id))
        cards.append(OrderCard(
            order=order, ranking=ranking, qr=own_qr(order), polling=polling,
            just_paid=settled and order.status == OrderStatus.PAID,
            companion_link=states.get(place), companion_ranked=place in ranked,
            invoices=invoices.get(order.id, [])))
    return cards


@dataclass(frozen=True)
class InvitationCard:
    """A ticket someone else bought for the member (tickets/_invitation.html): `ticket` as ticketing gave it, with
    its state in words, and once valid its QR code, the theme ranking and the published groups."""

    ticket: MyTicketOut
    state: str  # valid | awaiting | replaced | ended (invitation_state)
    state_label: str
    qr: dict[str, Any] | None = None
    ranking: RankingOut | None = None
    breakouts: MyBreakoutsOut | None = None


def invitation_state(ticket: MyTicketOut) -> str:
    """valid | awaiting (the buyer has not paid yet) | replaced (the buyer chose another companion) | ended."""
    if ticket.voided_at is not None:
        return "replaced"
    if ticket.order_status == OrderStatus.PENDING and ticket.live:
        return "awaiting"
    if ticket.order_status == OrderStatus.PAID and ticket.ticket_status == TicketStatus.VALID:
        return "valid"
    return "ended"
