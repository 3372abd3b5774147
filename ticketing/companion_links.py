"""The companion's own page without an account (issue 15): the link in their mail, what it shows, what they may
change there, and the buyer's view of it.

The link carries a 256-bit token (`members.tokens.new_token`); only its SHA-256 is stored (`CompanionLink`), so a
database dump opens no page. Every companion confirmation mail makes a NEW token when it is composed (the mail is
the only copy), which replaces the old hash: a resent mail, or the companion's own "new link", makes every earlier
link stop working at once (rotation). The token is a bearer secret like the ticket code, so the page is served
`Cache-Control: no-store` and `Referrer-Policy: no-referrer` (frontend/pages/companion.py).

What the companion may do with the link: see their own ticket (code and QR code, never the buyer's), give their
experience level and organisation (their word then wins over what the buyer typed: `details_confirmed_at`), ask
for their own calendar feed (a token of its own, so a resent mail never breaks a subscription) and make a new
link. Ranking the themes and the published groups are pairing's (`pairing.rankings`, `pairing.publish`), reached
with the place this module finds for the token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core import ratelimit
from core.db import as_utc, utcnow, write_transaction
from core.errors import Forbidden, NotFound
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from events.rules import EventStatus
from events.tables import Event
from members.tokens import hash_token, new_token
from ticketing import access, rules, state
from ticketing.errors import OrderNotChangeable
from ticketing.tables import Attendee, CompanionLink, Ticket, TicketOrder

# A resend mails someone who did not ask for it: a few an hour per order is plenty to recover a lost mail.
RESENDS_PER_ORDER = ratelimit.Limit("companion_mail_resend", 3, 60 * 60)
# A page answers a guessed token with 404 like any other; guessing 256 bits is hopeless, but a client that keeps
# trying is slowed down all the same.
LINK_LOOKUPS = ratelimit.Limit("companion_link_lookup", 120, 10 * 60)


class CompanionLinkNotFound(NotFound):
    code = "companion_link_not_found"


@dataclass(frozen=True, slots=True)
class CompanionTicket:
    """What the companion's page shows: their own place, ticket and event, and who invited them (by name)."""

    place_id: int
    order_id: int
    name: str
    email: str
    organisation: str
    experience_level: int | None
    details_confirmed: bool
    buyer_name: str
    state: str  # valid | awaiting (not paid yet) | replaced (another companion) | ended (cancelled, refunded)
    ticket_code: str | None  # only while valid
    event: dict[str, Any]
    has_feed: bool
    can_change_details: bool


async def issue_link(place_id: int, now: datetime | None = None) -> str:
    """A new token for this companion place (its hash replaces any earlier one: the old link stops working)."""
    now = now or utcnow()
    token = new_token()
    digest = hash_token(token)
    updated = await CompanionLink.update({CompanionLink.token_hash: digest, CompanionLink.issued_at: now}).where(
        CompanionLink.attendee == place_id).returning(CompanionLink.id)
    if not updated:
        await CompanionLink.insert(CompanionLink(attendee=place_id, token_hash=digest, issued_at=now)).on_conflict(
            target=CompanionLink.attendee, action="DO UPDATE",
            values=[CompanionLink.token_hash, CompanionLink.issued_at])
    return token


async def _link(token: str, client: str | None) -> dict[str, Any]:
    await ratelimit.enforce(LINK_LOOKUPS, client)
    row = await CompanionLink.select().where(CompanionLink.token_hash == hash_token(token.strip())).first()
    if row is None:
        raise CompanionLinkNotFound(_l("Deze link werkt niet (meer). Gebruik de link uit je nieuwste mail."))
    return row


async def place_for_link(token: str, *, client: str | None = None) -> int:
    """The companion place the token opens (pairing ranks and shows groups for it)."""
    return int((await _link(token, client))["attendee"])


def _state(order_status: str, place: dict[str, Any], ticket: dict[str, Any] | None) -> str:
    if place["voided_at"] is not None and order_status in rules.SEAT_HOLDING:
        return "replaced"
    if order_status == rules.PENDING and place["live"]:
        return "awaiting"
    if order_status == rules.PAID and ticket is not None and ticket["status"] == rules.TicketStatus.VALID:
        return "valid"
    return "ended"


async def companion_ticket(token: str, *, client: str | None = None, now: datetime | None = None
                           ) -> CompanionTicket:
    """The page's content for this token; the first visit marks the link opened (the buyer sees it)."""
    now = now or utcnow()
    link = await _link(token, client)
    place = await Attendee.select().where(Attendee.id == link["attendee"]).first()
    if place is None or place["role"] != rules.PlaceRole.COMPANION:
        raise CompanionLinkNotFound(_l("Deze link werkt niet (meer)."))
    if link["opened_at"] is None:
        await CompanionLink.update({CompanionLink.opened_at: now}).where(
            (CompanionLink.id == link["id"]) & CompanionLink.opened_at.is_null())
    order = await TicketOrder.select(TicketOrder.id, TicketOrder.status).where(
        TicketOrder.id == place["order"]).first()
    buyer = await Attendee.select(Attendee.name).where(
        (Attendee.order == place["order"]) & (Attendee.role == rules.PlaceRole.BUYER)).first()
    ticket = await Ticket.select(Ticket.code, Ticket.status).where(Ticket.attendee == place["id"]).first()
    event = await Event.select(
        Event.id, Event.slug, Event.title, Event.starts_at, Event.ends_at, Event.timezone, Event.status,
        Event.venue_name, Event.address,
    ).where(Event.id == place["event"]).first()
    assert order is not None
    assert event is not None
    state_ = _state(order["status"], place, ticket)
    return CompanionTicket(
        place_id=place["id"], order_id=place["order"], name=place["name"], email=place["email"],
        organisation=place["organisation"], experience_level=place["experience_level"],
        details_confirmed=place["details_confirmed_at"] is not None, buyer_name=buyer["name"] if buyer else "",
        state=state_, ticket_code=ticket["code"] if ticket and state_ == "valid" else None,
        event={**event, "starts_at": as_utc(event["starts_at"]), "ends_at": as_utc(event["ends_at"])},
        has_feed=link["feed_token_hash"] is not None,
        can_change_details=state_ in ("valid", "awaiting") and event["status"] != EventStatus.CANCELLED,
    )


async def confirm_details(token: str, experience_level: int | None, organisation: str, *,
                          client: str | None = None, now: datetime | None = None) -> CompanionTicket:
    """The companion gives their own experience level (None: they would rather not say) and organisation; from
    now on their word wins over the buyer's (pairing.context reads `details_confirmed_at`)."""
    now = now or utcnow()
    view = await companion_ticket(token, client=client, now=now)
    if not view.can_change_details:
        raise OrderNotChangeable(_l("Dit ticket kan niet meer worden gewijzigd."))
    async with write_transaction():
        await Attendee.update({
            Attendee.experience_level: experience_level, Attendee.organisation: " ".join(organisation.split()),
            Attendee.details_confirmed_at: now,
        }).where((Attendee.id == view.place_id) & Attendee.voided_at.is_null())
        await state.log_change(view.order_id, state.Actor(None, "companion"), "companion_details", now,
                               experience_level=experience_level)
    return await companion_ticket(token, client=client, now=now)


async def new_link(token: str, *, client: str | None = None, now: datetime | None = None) -> str:
    """The companion replaces their link (e.g. they forwarded the mail by mistake): the old one stops working."""
    place_id = await place_for_link(token, client=client)
    return await issue_link(place_id, now)


async def new_feed_token(token: str, *, client: str | None = None) -> str:
    """The companion's own calendar feed token (shown once; a new one replaces the old at once)."""
    link = await _link(token, client)
    feed = new_token()
    await CompanionLink.update({CompanionLink.feed_token_hash: hash_token(feed)}).where(
        CompanionLink.id == link["id"])
    return feed


async def place_for_feed_token(feed_token: str) -> int | None:
    """The companion place whose calendar feed this is (events.feeds looks this up), or None."""
    row = await CompanionLink.select(CompanionLink.attendee).where(
        CompanionLink.feed_token_hash == hash_token(feed_token)).first()
    return int(row["attendee"]) if row else None


async def resend_companion_mail(actor: Principal, order_id: int, now: datetime | None = None) -> None:
    """The buyer has the companion's confirmation mailed again, with a new link (the old one stops working). The
    buyer never sees the link or the code: only the companion's mailbox gets them."""
    now = now or utcnow()
    row, is_buyer = await access.visible_order(actor, order_id)
    if not is_buyer:
        raise Forbidden(_l("Alleen de koper kan de mail aan de partner opnieuw laten sturen."))
    if row["status"] != rules.PAID:
        raise OrderNotChangeable(_l("Alleen voor een betaald duoticket gaat er een ticket naar je partner."))
    await ratelimit.enforce(RESENDS_PER_ORDER, f"order:{order_id}")
    companion = await Attendee.select(Attendee.id, Attendee.email).where(
        (Attendee.order == order_id) & (Attendee.role == rules.PlaceRole.COMPANION)
        & Attendee.voided_at.is_null()).first()
    if companion is None:
        raise OrderNotChangeable(_l("Deze bestelling heeft geen partner met een geldig ticket."))
    await state.enqueue_mail("ticket_confirmation", order_id, companion["id"], companion["email"],
                             f"confirm-again:{order_id}:{companion['id']}:{now.isoformat()}", now)
    await state.log_change(order_id, state.Actor(actor.id, "member"), "companion_mail_resent", now)


@dataclass(frozen=True, slots=True)
class LinkState:
    """What the buyer may know of their companion's own page (never its code or link)."""

    opened: bool  # the companion opened their page from the mailed link
    details_confirmed: bool  # and gave their experience and organisation


async def link_states(place_ids: Sequence[int]) -> dict[int, LinkState]:
    """place id → whether the companion opened their page and gave their details (for the buyer's page)."""
    ids = list(place_ids)
    if not ids:
        return {}
    opened = {r["attendee"]: as_utc(r["opened_at"]) for r in await CompanionLink.select(
        CompanionLink.attendee, CompanionLink.opened_at).where(CompanionLink.attendee.is_in(ids))}
    confirmed = {r["id"]: r["details_confirmed_at"] is not None for r in await Attendee.select(
        Attendee.id, Attendee.details_confirmed_at).where(Attendee.id.is_in(ids))}
    return {pid: LinkState(opened=opened.get(pid) is not None, details_confirmed=confirmed.get(pid, False))
            for pid in ids}


async def make_account(token: str, password: str, *, language: str = "nl", client: str | None = None
                       ) -> str:
    """"Make this an account" in one step: an account with the companion's name, address, organisation and
    experience, VERIFIED at once — the link was mailed to this address and only its mailbox holds it, which is what
    a verification link proves. Returns the address, for the caller to sign in with the new password. AccountExists
    when the address has an account (then the companion signs in, and sees this ticket under My tickets)."""
    from members.accounts import NewMember, create_member

    view = await companion_ticket(token, client=client)
    place = await Attendee.select(Attendee.industry, Attendee.experience_level).where(
        Attendee.id == view.place_id).first()
    assert place is not None
    await create_member(NewMember(
        email=view.email, password=password, name=view.name, organisation=view.organisation,
        industry=place["industry"] or "customer_contact",
        # The account needs a level; an unknown one starts in the middle, as the groups count it, and the
        # profile page says it can be changed.
        experience_level=view.experience_level if view.experience_level is not None else 2,
        language="en" if language == "en" else "nl",
    ), verified=True)
    return view.email
