"""The waiting list's mails to the member who joined (never to the companion, whose address someone else typed):
an offer (a place is held for you until …, pay here), a refusal when the duo's turn came, and the list closed.

`build_waitlist_mail` is pure (plain values in, a message out); `compose_waitlist_mail` reads the entry when the
outbox sends it, so a mail that no longer applies (an offer already paid or ended) is skipped.
"""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any

from babel.dates import format_datetime

from core.db import as_utc
from events.rules import EventStatus
from events.tables import Event
from members.tables import Member
from notifications.layout import Language
from notifications.layout import one_line as _one_line
from notifications.layout import person as _person
from notifications.layout import plain_mail as _plain_mail
from settings import Settings
from ticketing import rules
from ticketing.tables import TicketOrder, WaitingEntry

_LOCALES: dict[Language, str] = {"nl": "nl_NL", "en": "en_GB"}

_TEXTS: dict[str, dict[Language, tuple[str, str]]] = {
    "waitlist_offer": {
        "nl": ("Er is een plek voor jullie: {title}",
               "Goed nieuws: er is een duoplek vrijgekomen voor jou en {companion} bij {title}. We houden hem voor "
               "jullie vast tot {until}.\n\nBetaal hier om hem te nemen:\n{pay_url}\n\nKunnen jullie niet? Sla het "
               "aanbod dan af, zodat het volgende duo op de wachtlijst de plek krijgt:\n{manage_url}\n\n"
               "Betaal je niet op tijd, dan gaat de plek vanzelf naar het volgende duo."),
        "en": ("A place for you both: {title}",
               "Good news: a duo place has come free for you and {companion} at {title}. We hold it for you until "
               "{until}.\n\nPay here to take it:\n{pay_url}\n\nCan't make it? Decline the offer so that the next duo "
               "on the waiting list gets the place:\n{manage_url}\n\nIf you do not pay in time, the place goes to "
               "the next duo by itself."),
    },
    "waitlist_refused": {
        "nl": ("Geen plek van de wachtlijst: {title}",
               "Jullie waren aan de beurt op de wachtlijst van {title}, maar we konden de plek niet aanbieden: "
               "{reason}\n\nJullie staan daarom niet meer op de wachtlijst. Je kunt je opnieuw aanmelden met een "
               "andere partner: {event_url}"),
        "en": ("No place from the waiting list: {title}",
               "It was your turn on the waiting list of {title}, but we could not offer you the place: {reason}\n\n"
               "So you are no longer on the waiting list. You can join again with another companion: {event_url}"),
    },
    "waitlist_closed": {
        "nl": ("De wachtlijst is gesloten: {title}",
               "De kaartverkoop voor {title} is voorbij, en daarmee ook de wachtlijst. Er is helaas geen plek voor "
               "jou en {companion} vrijgekomen.\n\nBedankt voor je geduld, en hopelijk tot een volgende keer: "
               "{agenda_url}"),
        "en": ("The waiting list has closed: {title}",
               "Ticket sales for {title} have ended, and so has the waiting list. Unfortunately no place came free "
               "for you and {companion}.\n\nThank you for your patience; we hope to see you another time: "
               "{agenda_url}"),
    },
    "waitlist_cancelled": {
        "nl": ("{title} gaat niet door",
               "{title} is geannuleerd, en daarmee ook de wachtlijst waar jij en {companion} op stonden.\n\n"
               "Hopelijk tot een volgende keer: {agenda_url}"),
        "en": ("{title} has been cancelled",
               "{title} has been cancelled, and with it the waiting list you and {companion} were on.\n\n"
               "We hope to see you another time: {agenda_url}"),
    },
}


def build_waitlist_mail(kind: str, *, to_name: str, to_email: str, event_title: str, companion_name: str,
                        language: Language, sender: Address | str, message_id: str, base_url: str,
                        event_slug: str, order_id: int | None = None, until: datetime | None = None,
                        tz: str = "Europe/Amsterdam", reason: str = "") -> EmailMessage:
    """One of the list's plain-text mails (`kind`: waitlist_offer, waitlist_refused, waitlist_closed or
    waitlist_cancelled) in the member's language."""
    from zoneinfo import ZoneInfo

    subject, body = _TEXTS[kind][language]
    when = format_datetime(until.astimezone(ZoneInfo(tz)), "EEEE d MMMM, HH:mm", locale=_LOCALES[language]) \
        if until else ""
    values = {"title": _one_line(event_title), "companion": _person(companion_name) or
              ("je partner" if language == "nl" else "your companion"), "until": when,
              "pay_url": f"{base_url}/mijn/tickets/{order_id}/betalen", "manage_url": f"{base_url}/mijn/tickets",
              "event_url": f"{base_url}/e/{event_slug}", "agenda_url": f"{base_url}/", "reason": reason}
    return _plain_mail(subject=subject.format(**values), body=body.format(**values), to_name=to_name,
                       to_email=to_email, language=language, sender=sender, message_id=message_id,
                       organisation="Nieuw Geluid")


async def compose_waitlist_mail(mail: dict[str, Any], settings: Settings) -> EmailMessage | None:
    """The message for an outbox row of the waiting list, or None when it no longer applies."""
    entry = await WaitingEntry.select().where(WaitingEntry.id == mail["waiting_entry_id"]).first()
    if entry is None:
        return None  # the member's account (and with it the entry) is gone
    member = await Member.select().where(Member.id == entry["member"]).first()
    event = await Event.select().where(Event.id == entry["event"]).first()
    if member is None or event is None:
        return None
    kind = mail["kind"]
    until = None
    if kind == "waitlist_offer":
        order = await TicketOrder.select().where(TicketOrder.id == entry["order"]).first() \
            if entry["order"] else None
        if order is None or order["status"] != rules.PENDING:
            return None  # paid, declined or expired before the mail went out
        until = as_utc(order["expires_at"])
    if kind == "waitlist_closed" and event["status"] == EventStatus.CANCELLED:
        kind = "waitlist_cancelled"
    language: Language = "en" if member["language"] == "en" else "nl"
    return build_waitlist_mail(
        kind, to_name=member["name"], to_email=member["email"], event_title=event["title"],
        companion_name=entry["companion_name"], language=language, sender=settings.mail_from,
        message_id=mail["message_id"], base_url=settings.public_base_url, event_slug=event["slug"],
        order_id=entry["order"], until=until, tz=event["timezone"],
        reason=entry["reason_nl"] if language == "nl" else (entry["reason_en"] or entry["reason_nl"]))
