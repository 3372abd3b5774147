"""Ticketing's mails: the ticket confirmation (with the addressee's own scheduling message), the notices that say
what happened (ticketing.notices) and the waiting list's mails (ticketing.waitlist_mail), composed when the outbox
sends them, from the order's state at that moment.

Ticketing queues them (ticketing.state.enqueue_mail); `install()`, called by create_app, registers `compose` with
notifications.outbox for every kind ticketing queues. A mail that no longer applies (an order cancelled since, a
place voided) is composed as None and skipped.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

from core.db import as_utc
from events.calendar import CalendarEvent, CalendarSession, event_uid, render_event_ics, scheduling_message
from events.rules import EventStatus
from events.tables import AgendaSession, Event
from members.tables import Member
from notifications import outbox
from notifications.layout import Language, person
from settings import Settings
from ticketing import hooks, rules
from ticketing.mail import Attendee as MailAttendee
from ticketing.mail import TicketMailData, build_notice, build_ticket_confirmation
from ticketing.notices import CALENDAR_METHOD, NoticeData, Situation, build_situation_mail
from ticketing.rules import PlaceRole, RefundStatus
from ticketing.tables import Attendee, Refund, Ticket, TicketOrder
from ticketing.waitlist import CLOSED_MAIL, OFFER_MAIL, REFUSED_MAIL


async def _calendar_event(event: dict[str, Any], settings: Settings) -> bytes:
    sessions = await AgendaSession.select().where(AgendaSession.event == event["id"])
    cal = CalendarEvent(
        id=event["id"], slug=event["slug"], title=event["title"], start_utc=as_utc(event["starts_at"]),
        end_utc=as_utc(event["ends_at"]), updated_at=as_utc(event["updated_at"]),
        description=event["description"], timezone=event["timezone"], venue_name=event["venue_name"],
        venue_address=event["address"], online_url=event["online_url"],
        public_url=f"{settings.public_base_url}/e/{event['slug']}",
        cancelled=event["status"] == EventStatus.CANCELLED, sequence=event["sequence"],
        sessions=tuple(CalendarSession(
            id=s["id"], title=s["title"], start_utc=as_utc(s["starts_at"]), end_utc=as_utc(s["ends_at"]),
            updated_at=as_utc(s["updated_at"]), room=s["room"], is_breakout_round=bool(s["is_breakout_round"]),
            sequence=s["sequence"],
        ) for s in sessions),
    )
    return render_event_ics(cal, settings.host)


async def _manage_url(place: dict[str, Any], settings: Settings) -> str:
    """The buyer manages the order under My tickets; the companion gets their own page, with a link made now (the
    mail is its only copy: its hash replaces the old one, so an earlier mail's link stops working)."""
    if place["role"] != PlaceRole.COMPANION:
        return f"{settings.public_base_url}/mijn/tickets"
    from ticketing.companion_links import issue_link

    return f"{settings.public_base_url}/partner/{await issue_link(place['id'])}"


SITUATIONS = frozenset(s.value for s in Situation)


async def _language_of(place: dict[str, Any], order: dict[str, Any]) -> Language:
    """The buyer's account language; a companion's own verified account's, else Dutch."""
    if place["role"] == PlaceRole.BUYER:
        member = await Member.select(Member.language).where(Member.id == order["buyer"]).first()
    else:
        member = await Member.select(Member.language).where(
            (Member.email == place["email"]) & Member.email_verified_at.is_not_null()).first()
    return "en" if member and member["language"] == "en" else "nl"


async def _scheduling(event: dict[str, Any], place: dict[str, Any], method: str, settings: Settings,
                      sequence_bump: int = 0) -> bytes:
    """The addressee's own calendar part (RFC 5546): the feeds' UID, REQUEST or CANCEL."""
    organizer = parseaddr(str(settings.mail_from))[1] or f"tickets@{settings.host}"
    return scheduling_message(await _calendar_event(event, settings), event_uid(event["id"], settings.host),
                              method=method, organizer=organizer, attendee=place["email"],
                              attendee_name=person(place["name"]), sequence_bump=sequence_bump)


async def _compose_situation(situation: Situation, mail: dict[str, Any], order: dict[str, Any],
                             place: dict[str, Any], places: list[dict[str, Any]], event: dict[str, Any],
                             language: Language, settings: Settings) -> EmailMessage | None:
    """A mail that says what happened (ticketing.notices), from the order's state when it is sent."""
    buyer = next(p for p in places if p["role"] == PlaceRole.BUYER)
    companions = [p for p in places if p["role"] == PlaceRole.COMPANION]
    current = next((p for p in companions if p["voided_at"] is None), companions[-1] if companions else None)
    former = [p for p in companions if p is not current and p["voided_at"] is not None]
    refund = await Refund.select(Refund.id, Refund.amount_cents, Refund.status).where(
        Refund.order == order["id"]).order_by(Refund.id, ascending=False).first()
    is_buyer = place["role"] == PlaceRole.BUYER
    if situation is Situation.EVENT_MOVED and (order["status"] != rules.PAID or place["voided_at"] is not None):
        return None  # cancelled since: the cancellation mail said so
    if situation is Situation.REFUND_COMPLETED and (refund is None or refund["status"] != RefundStatus.SUCCEEDED):
        return None
    manage_url = None
    if is_buyer:
        manage_url = f"{settings.public_base_url}/mijn/tickets"
    elif situation is Situation.EVENT_MOVED:
        manage_url = await _manage_url(place, settings)
    data = NoticeData(
        situation=situation, to_name=place["name"], to_email=place["email"], is_buyer=is_buyer,
        event_title=event["title"], starts_at=as_utc(event["starts_at"]), ends_at=as_utc(event["ends_at"]),
        venue="\n".join(x for x in (event["venue_name"], event["address"]) if x) or event["online_url"],
        tz=event["timezone"], buyer_name=buyer["name"], companion_name=current["name"] if current else "",
        former_companion_name=former[-1]["name"] if former else "",
        amount_cents=refund["amount_cents"] if refund else 0, refund_pending=refund is not None,
        cancel_reason=event["cancel_reason"] or "", manage_url=manage_url, language=language,
    )
    calendar = None
    method = CALENDAR_METHOD[situation]
    if method is not None:
        # A person's own cancellation while the event goes on outranks the REQUEST they imported; a cancelled
        # event's SEQUENCE rose with its cancellation already.
        bump = 1 if method == "CANCEL" and situation is not Situation.CANCELLED_WITH_EVENT else 0
        calendar = await _scheduling(event, place, method, settings, bump)
    return build_situation_mail(data, sender=settings.mail_from, message_id=mail["message_id"], calendar=calendar)


async def compose(mail: dict[str, Any], settings: Settings) -> EmailMessage | None:
    """The message for an outbox row, or None when it no longer applies (e.g. the order was cancelled)."""
    if mail["kind"].startswith("waitlist_"):
        from ticketing.waitlist_mail import compose_waitlist_mail

        return await compose_waitlist_mail(mail, settings)
    order = await TicketOrder.select().where(TicketOrder.id == mail["order"]).first()
    place = await Attendee.select().where(Attendee.id == mail["attendee_id"]).first()
    if order is None or place is None:
        return None
    event = await Event.select().where(Event.id == order["event"]).first()
    assert event is not None
    places = await Attendee.select().where(Attendee.order == order["id"]).order_by(Attendee.id)
    buyer = next(p for p in places if p["role"] == PlaceRole.BUYER)
    language = await _language_of(place, order)
    tickets = {t["attendee"]: t for t in await Ticket.select().where(Ticket.order == order["id"])}
    if mail["kind"] in SITUATIONS:
        return await _compose_situation(Situation(mail["kind"]), mail, order, place, places, event, language,
                                        settings)
    if mail["kind"] == "ticket_confirmation":
        companion = next((p for p in places if p["role"] == PlaceRole.COMPANION and p["voided_at"] is None), None)
        if order["status"] != rules.PAID or place["voided_at"] is not None or companion is None:
            return None
        if buyer["id"] not in tickets or companion["id"] not in tickets:
            return None
        data = TicketMailData(
            event_title=event["title"], starts_at=as_utc(event["starts_at"]), ends_at=as_utc(event["ends_at"]),
            venue="\n".join(x for x in (event["venue_name"], event["address"]) if x) or event["online_url"],
            buyer=MailAttendee(buyer["name"], buyer["email"], tickets[buyer["id"]]["code"]),
            companion=MailAttendee(companion["name"], companion["email"], tickets[companion["id"]]["code"]),
            recipient="buyer" if place["role"] == PlaceRole.BUYER else "companion", language=language,
            tz=event["timezone"], manage_url=await _manage_url(place, settings),
            amount_cents=order["amount_cents"] if place["role"] == PlaceRole.BUYER else None,
        )
        message = build_ticket_confirmation(data, sender=settings.mail_from, message_id_domain=settings.host,
                                            ics=await _scheduling(event, place, "REQUEST", settings),
                                            message_id=mail["message_id"], calendar_method="REQUEST")
        for extra in await hooks.attachments(mail["kind"], order["id"], place["role"]):  # the invoice PDF
            message.add_attachment(extra.content, maintype=extra.maintype, subtype=extra.subtype,
                                   filename=extra.filename)
        return message
    ticket = tickets.get(place["id"])
    return build_notice(
        mail["kind"], to_name=place["name"], to_email=place["email"], event_title=event["title"],
        buyer_name=buyer["name"], ticket_code=ticket["code"] if ticket else "", language=language,
        sender=settings.mail_from, message_id=mail["message_id"],
    )




# Every kind ticketing queues: the confirmation, the notices (older rows may still say order_cancelled), the
# situations, and the waiting list's mails.
KINDS = frozenset({"ticket_confirmation", "ticket_voided", "order_cancelled", *SITUATIONS,
                   OFFER_MAIL, REFUSED_MAIL, CLOSED_MAIL})


def install() -> None:
    """Register ticketing's composer with the outbox for each of its kinds (create_app calls this; idempotent)."""
    for kind in KINDS:
        outbox.register_composer(kind, compose)
