"""Mails that say what happened (issue 15): one kind per situation, to one person, in their language, as plain
text and light HTML (with a viewport), each with the calendar part that keeps their imported copy true.

Pure: frozen data in, an `email.message.EmailMessage` out (no I/O, no clock; the outbox composes from the
database and passes the calendar bytes in, made by `events.calendar.scheduling_message`).

The kinds (`Situation`) and who gets them:

| situation | to | says | calendar |
|---|---|---|---|
| companion_changed | buyer | who the companion is now (and was), that the new one got their own ticket | REQUEST |
| ticket_voided | the former companion | the buyer chose someone else; the ticket no longer works | CANCEL |
| cancelled_by_buyer | buyer and companion | the buyer cancelled; to the buyer: the refund and how long | CANCEL |
| cancelled_by_organiser | buyer and companion | the organiser cancelled this duo; refund as above | CANCEL |
| cancelled_with_event | buyer and companion | the event is cancelled, and every duo with it; refund as above | CANCEL |
| refund_completed | buyer | the amount is on its way back, and how long the bank takes | none |
| event_moved | every ticket holder | the new time and place | REQUEST (higher SEQUENCE) |

Amounts are written as people read them ("€ 95,00", "€95.00"); money goes to the buyer only (the companion
paid nothing), so a companion's mail never names an amount.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from enum import StrEnum

from babel.numbers import format_currency

from notifications.layout import LOCALES as _LOCALES
from notifications.layout import Language, format_when
from notifications.layout import greeting as _greeting
from notifications.layout import one_line as _one_line
from notifications.layout import person as _person


class Situation(StrEnum):
    COMPANION_CHANGED = "companion_changed"
    TICKET_VOIDED = "ticket_voided"
    CANCELLED_BY_BUYER = "cancelled_by_buyer"
    CANCELLED_BY_ORGANISER = "cancelled_by_organiser"
    CANCELLED_WITH_EVENT = "cancelled_with_event"
    REFUND_COMPLETED = "refund_completed"
    EVENT_MOVED = "event_moved"


CANCELLATIONS = frozenset({Situation.CANCELLED_BY_BUYER, Situation.CANCELLED_BY_ORGANISER,
                           Situation.CANCELLED_WITH_EVENT})
# What the calendar part does to the copy the addressee imported (None: no calendar part).
CALENDAR_METHOD: dict[Situation, str | None] = {
    Situation.COMPANION_CHANGED: "REQUEST", Situation.TICKET_VOIDED: "CANCEL",
    Situation.CANCELLED_BY_BUYER: "CANCEL", Situation.CANCELLED_BY_ORGANISER: "CANCEL",
    Situation.CANCELLED_WITH_EVENT: "CANCEL", Situation.REFUND_COMPLETED: None, Situation.EVENT_MOVED: "REQUEST",
}
# How long a card or bank takes to show a Stripe refund (Stripe: 5–10 business days).
REFUND_DAYS: dict[Language, str] = {"nl": "5 tot 10 werkdagen", "en": "5 to 10 working days"}


@dataclass(frozen=True, slots=True)
class NoticeData:
    """Everything one situation mail says. Times are timezone-aware UTC; `tz` is the event's zone."""

    situation: Situation
    to_name: str
    to_email: str
    is_buyer: bool
    event_title: str
    starts_at: datetime
    ends_at: datetime
    venue: str
    tz: str
    buyer_name: str = ""
    companion_name: str = ""  # the (new) companion
    former_companion_name: str = ""
    amount_cents: int = 0  # paid, to be refunded or refunded (the buyer's mails only)
    refund_pending: bool = False  # a cancellation whose refund is on its way
    cancel_reason: str = ""  # the organiser's reason for cancelling the event
    manage_url: str | None = None
    language: Language = "nl"


def format_amount(cents: int, language: Language) -> str:
    return format_currency(cents / 100, "EUR", locale=_LOCALES[language])


_T: dict[Language, dict[str, str]] = {
    "nl": {
        "companion_changed.subject": "Je partner voor {title} is gewijzigd",
        "companion_changed.body": "Je hebt {old} vervangen door {new} als partner voor {title}. {new} krijgt een "
                                  "eigen ticket met een eigen code per mail; het ticket van {old} werkt niet meer. "
                                  "Je eigen ticket blijft hetzelfde.",
        "companion_changed.body_first": "{new} is nu je partner voor {title} en krijgt een eigen ticket met een "
                                        "eigen code per mail. Je eigen ticket blijft hetzelfde.",
        "ticket_voided.subject": "Je ticket voor {title} werkt niet meer",
        "ticket_voided.body": "{buyer} heeft een andere partner gekozen voor {title}. Je ticket is daarom "
                              "vervallen en werkt niet meer bij de ingang. We hebben het uit je agenda gehaald.",
        "cancelled_by_buyer.subject": "Je duoticket voor {title} is geannuleerd",
        "cancelled_by_buyer.body_buyer": "Je hebt je duoticket voor {title} geannuleerd. Beide tickets werken niet "
                                         "meer.",
        "cancelled_by_buyer.body_companion": "{buyer} heeft het duoticket voor {title} geannuleerd. Je ticket werkt "
                                             "niet meer.",
        "cancelled_by_organiser.subject": "De organisator heeft je duoticket voor {title} geannuleerd",
        "cancelled_by_organiser.body_buyer": "De organisator heeft je duoticket voor {title} geannuleerd. Beide "
                                             "tickets werken niet meer.",
        "cancelled_by_organiser.body_companion": "De organisator heeft het duoticket van {buyer} voor {title} "
                                                 "geannuleerd. Je ticket werkt niet meer.",
        "cancelled_with_event.subject": "{title} gaat niet door",
        "cancelled_with_event.body_buyer": "{title} is door de organisator geannuleerd, en daarmee je duoticket.",
        "cancelled_with_event.body_companion": "{title} is door de organisator geannuleerd, en daarmee het "
                                               "duoticket van {buyer}.",
        "reason": "De organisator schrijft: {reason}",
        "refund_coming": "We betalen {amount} terug op de rekening of kaart waarmee je betaalde. Dat staat er "
                         "meestal binnen {days}; je krijgt een mail zodra het is overgemaakt.",
        "nothing_paid": "Er was nog niets betaald, dus er wordt ook niets afgeschreven.",
        "refund_completed.subject": "{amount} voor {title} is teruggestort",
        "refund_completed.body": "We hebben {amount} teruggestort voor je duoticket voor {title}. Het staat meestal "
                                 "binnen {days} op de rekening of kaart waarmee je betaalde.",
        "event_moved.subject": "{title} is verplaatst",
        "event_moved.body": "De tijd of plaats van {title} is gewijzigd. Dit is hoe het nu is; je ticket blijft "
                            "geldig. De agenda-bijlage werkt je agenda bij.",
        "calendar_request": "De bijlage werkt het evenement in je agenda bij.",
        "calendar_cancel": "De bijlage haalt het evenement uit je agenda.",
        "when": "Wanneer", "where": "Waar", "manage": "Bekijk je tickets: {url}", "manage_link": "Bekijk je tickets",
        "closing": "Groeten,",
    },
    "en": {
        "companion_changed.subject": "Your companion for {title} has changed",
        "companion_changed.body": "You replaced {old} with {new} as your companion for {title}. {new} gets a ticket "
                                  "of their own, with its own code, by e-mail; the ticket of {old} no longer works. "
                                  "Your own ticket stays the same.",
        "companion_changed.body_first": "{new} is now your companion for {title} and gets a ticket of their own, "
                                        "with its own code, by e-mail. Your own ticket stays the same.",
        "ticket_voided.subject": "Your ticket for {title} no longer works",
        "ticket_voided.body": "{buyer} has chosen another companion for {title}, so your ticket has been cancelled "
                              "and no longer works at the entrance. We have taken it out of your calendar.",
        "cancelled_by_buyer.subject": "Your duo ticket for {title} has been cancelled",
        "cancelled_by_buyer.body_buyer": "You cancelled your duo ticket for {title}. Both tickets no longer work.",
        "cancelled_by_buyer.body_companion": "{buyer} has cancelled the duo ticket for {title}. Your ticket no "
                                             "longer works.",
        "cancelled_by_organiser.subject": "The organiser has cancelled your duo ticket for {title}",
        "cancelled_by_organiser.body_buyer": "The organiser has cancelled your duo ticket for {title}. Both tickets "
                                             "no longer work.",
        "cancelled_by_organiser.body_companion": "The organiser has cancelled the duo ticket of {buyer} for {title}. "
                                                 "Your ticket no longer works.",
        "cancelled_with_event.subject": "{title} is cancelled",
        "cancelled_with_event.body_buyer": "The organiser has cancelled {title}, and your duo ticket with it.",
        "cancelled_with_event.body_companion": "The organiser has cancelled {title}, and the duo ticket of {buyer} "
                                               "with it.",
        "reason": "The organiser writes: {reason}",
        "refund_coming": "We refund {amount} to the account or card you paid with. It usually shows within {days}; "
                         "you get an e-mail once it has been sent.",
        "nothing_paid": "Nothing had been paid yet, so nothing will be charged.",
        "refund_completed.subject": "{amount} for {title} has been refunded",
        "refund_completed.body": "We have refunded {amount} for your duo ticket for {title}. It usually shows within "
                                 "{days} on the account or card you paid with.",
        "event_moved.subject": "{title} has moved",
        "event_moved.body": "The time or place of {title} has changed. This is how it is now; your ticket stays "
                            "valid. The calendar attachment updates your calendar.",
        "calendar_request": "The attachment updates the event in your calendar.",
        "calendar_cancel": "The attachment removes the event from your calendar.",
        "when": "When", "where": "Where", "manage": "See your tickets: {url}", "manage_link": "See your tickets",
        "closing": "Kind regards,",
    },
}
_SOMEONE: dict[Language, dict[str, str]] = {
    "nl": {"buyer": "Een deelnemer", "companion": "je partner", "former": "je vorige partner"},
    "en": {"buyer": "A participant", "companion": "your companion", "former": "your former companion"},
}


def _capital(value: str) -> str:
    return value[:1].upper() + value[1:]


def paragraphs(data: NoticeData) -> tuple[str, list[str]]:
    """(subject, the body's paragraphs) for this situation and addressee."""
    lang = data.language
    t, someone = _T[lang], _SOMEONE[lang]
    values = {
        "title": _one_line(data.event_title),
        "buyer": _person(data.buyer_name) or someone["buyer"],
        "new": _person(data.companion_name) or someone["companion"],
        "old": _person(data.former_companion_name) or someone["former"],
        "amount": format_amount(data.amount_cents, lang),
        "days": REFUND_DAYS[lang],
        "reason": _one_line(data.cancel_reason),
    }
    kind = data.situation.value
    subject = t[f"{kind}.subject"].format(**values)
    body: list[str] = []
    if data.situation is Situation.COMPANION_CHANGED:
        body.append(t["companion_changed.body" if data.former_companion_name else "companion_changed.body_first"]
                    .format(**values))
    elif data.situation in CANCELLATIONS:
        body.append(t[f"{kind}.body_{'buyer' if data.is_buyer else 'companion'}"].format(**values))
        if data.situation is Situation.CANCELLED_WITH_EVENT and values["reason"]:
            body.append(t["reason"].format(**values))
        if data.is_buyer:
            body.append(t["refund_coming" if data.refund_pending and data.amount_cents else "nothing_paid"]
                        .format(**values))
    else:
        body.append(t[f"{kind}.body"].format(**values))
    body = [_capital(p) for p in body]
    method = CALENDAR_METHOD[data.situation]
    if method is not None:
        body.append(t["calendar_request" if method == "REQUEST" else "calendar_cancel"])
    return subject, body


def build_situation_mail(data: NoticeData, *, sender: Address | str, message_id: str,
                         calendar: bytes | None = None, organisation: str = "Nieuw Geluid") -> EmailMessage:
    """The mail for one situation: plain text and HTML alternatives, and the calendar part (iTIP) when given."""
    t = _T[data.language]
    subject, body = paragraphs(data)
    when = format_when(data.starts_at, data.ends_at, data.tz, data.language)
    venue = ", ".join(line.strip() for line in data.venue.splitlines() if line.strip())
    greeting = _greeting(data.language, data.to_name)
    facts = [(t["when"], when)] + ([(t["where"], venue)] if venue else [])

    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = Address(display_name=_person(data.to_name), addr_spec=data.to_email.strip())
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies

    text = [greeting, "", *[line for p in body for line in (p, "")], *[f"{k}: {v}" for k, v in facts]]
    if data.manage_url:
        text += ["", t["manage"].format(url=data.manage_url)]
    text += ["", t["closing"], organisation]
    message.set_content("\n".join(text) + "\n")
    message.add_alternative(html_page(subject, greeting, body, facts, data.language, organisation,
                                      link=(data.manage_url, t["manage_link"]) if data.manage_url else None),
                            subtype="html")
    method = CALENDAR_METHOD[data.situation]
    if calendar is not None and method is not None:
        # As bytes, so the CRLF line endings iCalendar requires survive; method= tells clients what to do.
        message.add_attachment(calendar, maintype="text", subtype="calendar", filename="invite.ics",
                               params={"method": method, "charset": "utf-8"})
    message["Content-Language"] = data.language
    return message


def html_page(subject: str, greeting: str, paragraphs_: list[str], facts: list[tuple[str, str]], language: str,
              organisation: str, link: tuple[str, str] | None = None) -> str:
    """The light, branded HTML of every situation mail: one column, system fonts, a viewport for phones."""
    esc = html.escape
    rows = "".join(f'<tr><th style="text-align:left;padding:2px 12px 2px 0;vertical-align:top">{esc(k)}</th>'
                   f"<td>{esc(v)}</td></tr>" for k, v in facts)
    link_html = (f'<p><a href="{esc(link[0], quote=True)}" style="color:#0b5c52">{esc(link[1])}</a></p>'
                 if link else "")
    body = "".join(f"<p>{esc(p)}</p>" for p in paragraphs_)
    return f"""<!DOCTYPE html>
<html lang="{language}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(subject)}</title></head>
<body style="margin:0;padding:0;background:#f6f7f5">
<div style="max-width:40em;margin:0 auto;padding:16px;font-family:system-ui,-apple-system,'Segoe UI',sans-serif;
line-height:1.5;color:#1a1a1a;background:#ffffff">
<p style="margin:0 0 16px;font-weight:700;color:#0b5c52;border-bottom:3px solid #0b5c52;padding-bottom:8px">
{esc(organisation)}</p>
<p>{esc(greeting)}</p>
{body}
<table role="presentation" style="border-collapse:collapse;margin:12px 0">{rows}</table>
{link_html}
<p style="color:#555">{esc(_T["nl" if language == "nl" else "en"]["closing"])}<br>{esc(organisation)}</p>
</div>
</body>
</html>
"""
