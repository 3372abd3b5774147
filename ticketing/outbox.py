"""The mail outbox sender: claims queued mails atomically, composes them from the order's current state,
and sends them over SMTP (or into settings.mail_dir without SMTP_HOST).

Run by every worker at once: a mail is claimed by a conditional UPDATE (`pending` → `sending` with a
claim token and a deadline), so two workers never send it together; only the claimant marks it sent. A
worker that dies mid-send leaves the claim to time out and the mail is tried again, with the same
Message-ID (clients de-duplicate by it). Failures are retried with back-off; nothing is lost.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

import anyio

from core.db import as_utc, utcnow
from events.calendar import CalendarEvent, CalendarSession, event_uid, render_event_ics, scheduling_message
from events.tables import AgendaSession, Event
from members.tables import Member
from settings import Settings
from ticketing import hooks, rules
from ticketing.mail import Attendee as MailAttendee
from ticketing.mail import (
    Language,
    TicketMailData,
    _person,
    build_account_exists,
    build_email_verification,
    build_notice,
    build_password_reset,
    build_ticket_confirmation,
)
from ticketing.mailer import SmtpSettings, send_message, write_to_maildir
from ticketing.notices import CALENDAR_METHOD, NoticeData, Situation, build_situation_mail
from ticketing.tables import Attendee, OutboxMail, Refund, Ticket, TicketOrder

log = logging.getLogger("nieuw_geluid.outbox")
CLAIM_TIMEOUT = timedelta(minutes=2)
EMAIL_VERIFICATION = "email_verification"
PASSWORD_RESET = "password_reset"
ACCOUNT_EXISTS = "account_exists"
MAX_ATTEMPTS = 12


def _due(now: datetime) -> Any:
    return ((OutboxMail.status == "pending") & (OutboxMail.next_attempt_at <= now)) | (
        (OutboxMail.status == "sending") & (OutboxMail.claimed_until < now)
    )


async def _calendar_event(event: dict[str, Any], settings: Settings) -> bytes:
    sessions = await AgendaSession.select().where(AgendaSession.event == event["id"])
    cal = CalendarEvent(
        id=event["id"], slug=event["slug"], title=event["title"], start_utc=as_utc(event["starts_at"]),
        end_utc=as_utc(event["ends_at"]), updated_at=as_utc(event["updated_at"]),
        description=event["description"], timezone=event["timezone"], venue_name=event["venue_name"],
        venue_address=event["address"], online_url=event["online_url"],
        public_url=f"{settings.public_base_url}/e/{event['slug']}",
        cancelled=event["status"] == "cancelled", sequence=event["sequence"],
        sessions=tuple(CalendarSession(
            id=s["id"], title=s["title"], start_utc=as_utc(s["starts_at"]), end_utc=as_utc(s["ends_at"]),
            updated_at=as_utc(s["updated_at"]), room=s["room"], is_breakout_round=bool(s["is_breakout_round"]),
            sequence=s["sequence"],
        ) for s in sessions),
    )
    return render_event_ics(cal, settings.host)


async def queue_email_verification(member_id: int, to_email: str, dedupe_key: str, now: datetime) -> None:
    """Queue a verification mail for an account (members.accounts calls this at sign-up, members.verification on a
    resend).

    No order: the row names the address; the member and the token are looked up when it is composed."""
    await _queue_account_mail(EMAIL_VERIFICATION, to_email, dedupe_key, now)


async def _queue_account_mail(kind: str, to_email: str, dedupe_key: str, now: datetime) -> None:
    """An outbox row for a mail about an account rather than an order (once per dedupe key)."""
    from email.utils import make_msgid

    from settings import get_settings

    await OutboxMail.insert(OutboxMail(
        kind=kind, dedupe_key=dedupe_key[:120], order=None, attendee_id=None, to_email=to_email,
        message_id=make_msgid(domain=get_settings().host), status="pending", next_attempt_at=now, created_at=now,
    )).on_conflict(target=OutboxMail.dedupe_key, action="DO NOTHING")


async def queue_password_reset(member_id: int, to_email: str, dedupe_key: str, now: datetime) -> None:
    """Queue a password-reset mail for an account (members.password_reset.request_password_reset calls this).

    Like the verification mail: no order; the member and the token are looked up when it is composed."""
    await _queue_account_mail(PASSWORD_RESET, to_email, dedupe_key, now)


async def queue_account_exists(to_email: str, dedupe_key: str, now: datetime) -> None:
    """Queue the mail that tells an account's owner someone signed up with their address (members.accounts.signup
    calls this instead of answering "this address has an account")."""
    await _queue_account_mail(ACCOUNT_EXISTS, to_email, dedupe_key, now)


async def _compose_account_exists(mail: dict[str, Any], settings: Settings) -> EmailMessage | None:
    # With a fresh password-reset link (its hour starts now): the owner who forgot they had an account, or their
    # password, is one click from signing in; setting a password also confirms the address.
    from members.password_reset import PASSWORD_RESET_LIFETIME, issue_password_reset_token

    issued = await issue_password_reset_token(mail["to_email"])
    if issued is None:
        return None
    member, token = issued
    return build_account_exists(
        to_name=member["name"], to_email=mail["to_email"], login_url=f"{settings.public_base_url}/inloggen",
        reset_url=f"{settings.public_base_url}/wachtwoord-herstellen/{token}",
        valid_hours=max(1, int(PASSWORD_RESET_LIFETIME.total_seconds() // 3600)),
        language="en" if member["language"] == "en" else "nl", sender=settings.mail_from,
        message_id=mail["message_id"],
    )


async def _compose_password_reset(mail: dict[str, Any], settings: Settings) -> EmailMessage | None:
    # The token is made now (only its hash is stored), so its hour starts when the mail goes out. None once the
    # account is gone, anonymised or has another address.
    from members.password_reset import PASSWORD_RESET_LIFETIME, issue_password_reset_token

    issued = await issue_password_reset_token(mail["to_email"])
    if issued is None:
        return None
    member, token = issued
    return build_password_reset(
        to_name=member["name"], to_email=mail["to_email"],
        url=f"{settings.public_base_url}/wachtwoord-herstellen/{token}",
        valid_hours=max(1, int(PASSWORD_RESET_LIFETIME.total_seconds() // 3600)),
        language="en" if member["language"] == "en" else "nl", sender=settings.mail_from,
        message_id=mail["message_id"],
    )


async def _compose_verification(mail: dict[str, Any], settings: Settings) -> EmailMessage | None:
    # The token is made now (only its hash is stored): a retry after a failed send makes another one, and an
    # earlier one stays valid until it expires. None once the account is verified or has another address.
    from members.verification import VERIFICATION_LIFETIME, issue_verification_token

    issued = await issue_verification_token(mail["to_email"])
    if issued is None:
        return None
    member, token = issued
    return build_email_verification(
        to_name=member["name"], to_email=mail["to_email"],
        url=f"{settings.public_base_url}/e-mail-bevestigen/{token}",
        valid_hours=int(VERIFICATION_LIFETIME.total_seconds() // 3600),
        language="en" if member["language"] == "en" else "nl", sender=settings.mail_from,
        message_id=mail["message_id"],
    )


async def _manage_url(place: dict[str, Any], settings: Settings) -> str:
    """The buyer manages the order under My tickets; the companion gets their own page, with a link made now (the
    mail is its only copy: its hash replaces the old one, so an earlier mail's link stops working)."""
    if place["role"] != "companion":
        return f"{settings.public_base_url}/mijn/tickets"
    from ticketing.companion_links import issue_link

    return f"{settings.public_base_url}/partner/{await issue_link(place['id'])}"


SITUATIONS = frozenset(s.value for s in Situation)


async def _language_of(place: dict[str, Any], order: dict[str, Any]) -> Language:
    """The buyer's account language; a companion's own verified account's, else Dutch."""
    if place["role"] == "buyer":
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
                              attendee_name=_person(place["name"]), sequence_bump=sequence_bump)


async def _compose_situation(situation: Situation, mail: dict[str, Any], order: dict[str, Any],
                             place: dict[str, Any], places: list[dict[str, Any]], event: dict[str, Any],
                             language: Language, settings: Settings) -> EmailMessage | None:
    """A mail that says what happened (ticketing.notices), from the order's state when it is sent."""
    buyer = next(p for p in places if p["role"] == "buyer")
    companions = [p for p in places if p["role"] == "companion"]
    current = next((p for p in companions if p["voided_at"] is None), companions[-1] if companions else None)
    former = [p for p in companions if p is not current and p["voided_at"] is not None]
    refund = await Refund.select(Refund.id, Refund.amount_cents, Refund.status).where(
        Refund.order == order["id"]).order_by(Refund.id, ascending=False).first()
    is_buyer = place["role"] == "buyer"
    if situation is Situation.EVENT_MOVED and (order["status"] != rules.PAID or place["voided_at"] is not None):
        return None  # cancelled since: the cancellation mail said so
    if situation is Situation.REFUND_COMPLETED and (refund is None or refund["status"] != "succeeded"):
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
    if mail["kind"] == EMAIL_VERIFICATION:
        return await _compose_verification(mail, settings)
    if mail["kind"] == PASSWORD_RESET:
        return await _compose_password_reset(mail, settings)
    if mail["kind"] == ACCOUNT_EXISTS:
        return await _compose_account_exists(mail, settings)
    if mail["kind"].startswith("waitlist_"):
        from ticketing.waitlist_mail import compose_waitlist_mail

        return await compose_waitlist_mail(mail, settings)
    other = hooks.composer(mail["kind"])
    if other is not None:  # a mail a higher folder queued (an invoice, a credit note): it composes it
        return await other(mail, settings)
    order = await TicketOrder.select().where(TicketOrder.id == mail["order"]).first()
    place = await Attendee.select().where(Attendee.id == mail["attendee_id"]).first()
    if order is None or place is None:
        return None
    event = await Event.select().where(Event.id == order["event"]).first()
    assert event is not None
    places = await Attendee.select().where(Attendee.order == order["id"]).order_by(Attendee.id)
    buyer = next(p for p in places if p["role"] == "buyer")
    language = await _language_of(place, order)
    tickets = {t["attendee"]: t for t in await Ticket.select().where(Ticket.order == order["id"])}
    if mail["kind"] in SITUATIONS:
        return await _compose_situation(Situation(mail["kind"]), mail, order, place, places, event, language,
                                        settings)
    if mail["kind"] == "ticket_confirmation":
        companion = next((p for p in places if p["role"] == "companion" and p["voided_at"] is None), None)
        if order["status"] != rules.PAID or place["voided_at"] is not None or companion is None:
            return None
        if buyer["id"] not in tickets or companion["id"] not in tickets:
            return None
        data = TicketMailData(
            event_title=event["title"], starts_at=as_utc(event["starts_at"]), ends_at=as_utc(event["ends_at"]),
            venue="\n".join(x for x in (event["venue_name"], event["address"]) if x) or event["online_url"],
            buyer=MailAttendee(buyer["name"], buyer["email"], tickets[buyer["id"]]["code"]),
            companion=MailAttendee(companion["name"], companion["email"], tickets[companion["id"]]["code"]),
            recipient="buyer" if place["role"] == "buyer" else "companion", language=language,
            tz=event["timezone"], manage_url=await _manage_url(place, settings),
            amount_cents=order["amount_cents"] if place["role"] == "buyer" else None,
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


async def deliver(message: EmailMessage, settings: Settings) -> None:
    if settings.smtp_host:
        await send_message(message, SmtpSettings(
            host=settings.smtp_host, port=settings.smtp_port, username=settings.smtp_username,
            password=settings.smtp_password, start_tls=True if settings.smtp_starttls else None,
        ))
    else:
        await anyio.to_thread.run_sync(write_to_maildir, message, settings.mail_dir)


async def send_outbox(settings: Settings, now: datetime | None = None, limit: int = 50) -> int:
    """Send what is due. Returns how many mails this call sent."""
    now = now or utcnow()
    due = await OutboxMail.select(OutboxMail.id).where(_due(now)).order_by(OutboxMail.id).limit(limit)
    sent = 0
    for row in due:
        token = secrets.token_hex(16)
        claimed = await OutboxMail.update({
            OutboxMail.status: "sending", OutboxMail.claim_token: token,
            OutboxMail.claimed_until: now + CLAIM_TIMEOUT, OutboxMail.attempts: OutboxMail.attempts + 1,
        }).where((OutboxMail.id == row["id"]) & _due(now)).returning(*OutboxMail.all_columns())
        if not claimed:
            continue  # another worker has it
        mail = claimed[0]
        mine = (OutboxMail.id == mail["id"]) & (OutboxMail.claim_token == token)
        try:
            message = await compose(mail, settings)
            if message is None:
                await OutboxMail.update({OutboxMail.status: "skipped", OutboxMail.claim_token: None}).where(mine)
                continue
            await deliver(message, settings)
        except Exception as exc:  # a mail server outage must not lose the mail: retry later
            attempts = mail["attempts"]
            give_up = attempts >= MAX_ATTEMPTS
            await OutboxMail.update({
                OutboxMail.status: "failed" if give_up else "pending", OutboxMail.claim_token: None,
                OutboxMail.last_error: f"{type(exc).__name__}: {exc}"[:2000],
                OutboxMail.next_attempt_at: utcnow() + timedelta(seconds=min(3600, 15 * 2 ** attempts)),
            }).where(mine)
            log.warning("Mail %s to %s failed (attempt %s): %s", mail["id"], mail["to_email"], attempts, exc)
            continue
        await OutboxMail.update({OutboxMail.status: "sent", OutboxMail.sent_at: utcnow(),
                                 OutboxMail.claim_token: None}).where(mine)
        sent += 1
    return sent
