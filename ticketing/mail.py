"""The ticket confirmation e-mail for a paid DUO order: composed here, queued and sent by notifications/
(the layout it shares with every mail: notifications.layout).

Pure: plain dataclasses in, an `email.message.EmailMessage` out; no I/O and no clock reads (the caller
passes the .ics bytes in, and the mailer adds the Date header when it sends). Both people of a duo get
their own mail, addressed to them, in their own language (Dutch unless they prefer English), with their OWN
ticket code and QR code only: a door code is a bearer secret of one person, so the partner's never travels in
a mail (the partner is named, nothing more).

Shape of the message, chosen so that every client shows something sensible:

    multipart/mixed
    ├── multipart/alternative
    │   ├── text/plain                 (all facts, codes as text: for text-only clients and screen readers)
    │   └── multipart/related
    │       ├── text/html              (<img src="cid:…"> for the QR code)
    │       └── image/png  the addressee's own QR code (inline)
    └── text/calendar                  (the event as an .ics attachment)
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Literal

import segno
from babel.numbers import format_currency

from notifications.layout import (
    DEFAULT_TIMEZONE,
    LOCALES,
    Language,
    format_when,
    greeting,
    one_line,
    person,
    plain_mail,
)

Recipient = Literal["buyer", "companion"]


@dataclass(frozen=True, slots=True)
class Attendee:
    name: str
    email: str
    ticket_code: str


@dataclass(frozen=True, slots=True)
class TicketMailData:
    """Everything the confirmation shows. Times are timezone-aware UTC; `tz` is the event's own zone."""

    event_title: str
    starts_at: datetime
    ends_at: datetime
    venue: str
    buyer: Attendee
    companion: Attendee
    recipient: Recipient
    language: Language = "nl"
    tz: str = DEFAULT_TIMEZONE
    # Optional link to the ticket page, where the order can be changed or refunded.
    manage_url: str | None = None
    # What the buyer paid (None: not said; 0: a free event). Only the buyer's mail names it.
    amount_cents: int | None = None

    @property
    def addressee(self) -> Attendee:
        return self.buyer if self.recipient == "buyer" else self.companion


def qr_png(ticket_code: str) -> bytes:
    """The ticket code as a QR code (PNG). Error level M survives a cracked phone screen; scale 8 keeps
    each module a few pixels wide for door scanners, while the image stays ~1 KB."""
    buffer = io.BytesIO()
    segno.make(ticket_code, error="m", micro=False).save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


def _content_id(ticket_code: str, domain: str) -> str:
    # Derived from the code, not random, so that the same order always yields the same message body.
    local = re.sub(r"[^A-Za-z0-9.-]", "-", ticket_code) or "ticket"
    return f"<qr-{local}@{domain}>"


_TEXTS: dict[Language, dict[str, str]] = {
    "nl": {
        "subject_buyer": "Je duoticket voor {title}",
        "subject_companion": "{buyer} neemt je mee naar {title}",
        "intro_buyer": "Je betaling is binnen: jij en {companion} gaan samen naar {title}.",
        "intro_buyer_paid": "Je betaling van {amount} is binnen: jij en {companion} gaan samen naar {title}.",
        "intro_buyer_free": "Je duoticket is geboekt (gratis): jij en {companion} gaan samen naar {title}.",
        "intro_companion": "{buyer} heeft een duoticket gekocht voor {title} en neemt jou mee.",
        "when": "Wanneer",
        "where": "Waar",
        "ticket": "Je ticket",
        "ticket_of": "Ticket van {name}",
        "scan": "Laat deze QR-code bij de ingang zien. {partner} krijgt een eigen ticket met een eigen code.",
        "calendar": "In de bijlage vind je het evenement voor je agenda ({filename}).",
        "manage": "Je ticket bekijken of wijzigen: {url}",
        "manage_link": "Je ticket bekijken of wijzigen",
        "own_page": "Op je eigen ticketpagina zie je je QR-code, kies je welke thema's je het liefst doet en vul je "
                    "je ervaring in, zodat we goede breakoutgroepen kunnen maken. Geen account nodig; deel deze "
                    "link met niemand:",
        "own_page_link": "Naar je eigen ticketpagina",
        "closing": "Tot dan!",
        "ics_filename": "evenement.ics",
    },
    "en": {
        "subject_buyer": "Your duo ticket for {title}",
        "subject_companion": "{buyer} is taking you to {title}",
        "intro_buyer": "Your payment has arrived: you and {companion} are going to {title} together.",
        "intro_buyer_paid": "Your payment of {amount} has arrived: you and {companion} are going to {title} "
                            "together.",
        "intro_buyer_free": "Your duo ticket is booked (free): you and {companion} are going to {title} together.",
        "intro_companion": "{buyer} has bought a duo ticket for {title} and is taking you along.",
        "when": "When",
        "where": "Where",
        "ticket": "Your ticket",
        "ticket_of": "Ticket for {name}",
        "scan": "Show this QR code at the entrance. {partner} gets a ticket of their own, with its own code.",
        "calendar": "The event is attached for your calendar ({filename}).",
        "manage": "View or change your ticket: {url}",
        "manage_link": "View or change your ticket",
        "own_page": "On your own ticket page you see your QR code, choose the themes you like best and give your "
                    "experience, so that we can make good breakout groups. No account needed; share this link with "
                    "nobody:",
        "own_page_link": "Go to your own ticket page",
        "closing": "See you there!",
        "ics_filename": "event.ics",
    },
}


def build_ticket_confirmation(
    data: TicketMailData,
    *,
    sender: Address | str,
    message_id_domain: str,
    ics: bytes,
    organisation: str = "Nieuw Geluid",
    message_id: str | None = None,
    calendar_method: str = "PUBLISH",
) -> EmailMessage:
    """The confirmation for `data.recipient`: both names, the addressee's own code (text and QR) and the .ics.

    `message_id` may be passed to make the message reproducible (the outbox stores it, so a resend
    keeps the same Message-ID and clients can de-duplicate); by default a fresh one is made.
    """
    texts = _TEXTS[data.language]
    title = one_line(data.event_title)
    someone = _SOMEONE[data.language]
    buyer_name = person(data.buyer.name) or someone["buyer"]
    companion_name = person(data.companion.name) or someone["companion"]
    addressee = data.addressee
    when = format_when(data.starts_at, data.ends_at, data.tz, data.language)
    venue_lines = [line.strip() for line in data.venue.splitlines() if line.strip()]
    ics_filename = texts["ics_filename"]

    if data.recipient == "buyer":
        subject = texts["subject_buyer"].format(title=title)
        key = "intro_buyer" if data.amount_cents is None else "intro_buyer_paid" if data.amount_cents else \
            "intro_buyer_free"
        intro = texts[key].format(companion=companion_name, title=title,
                                  amount=format_currency((data.amount_cents or 0) / 100, "EUR",
                                                         locale=LOCALES[data.language]))
    else:
        subject = texts["subject_companion"].format(buyer=buyer_name, title=title)
        intro = texts["intro_companion"].format(buyer=buyer_name, title=title)
    partner_name = companion_name if data.recipient == "buyer" else buyer_name
    scan = texts["scan"].format(partner=partner_name[:1].upper() + partner_name[1:])

    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = Address(display_name=person(addressee.name), addr_spec=addressee.email.strip())
    message["Message-ID"] = message_id or make_msgid(domain=message_id_domain)
    # RFC 3834: tells out-of-office responders not to answer a transactional message.
    message["Auto-Submitted"] = "auto-generated"

    text_lines = [
        greeting(data.language, addressee.name),
        "",
        intro,
        "",
        f"{texts['when']}: {when}",
        f"{texts['where']}: {', '.join(venue_lines)}",
        "",
        f"{texts['ticket']}: {addressee.ticket_code}",
        "",
        scan,
        texts["calendar"].format(filename=ics_filename),
    ]
    if data.manage_url and data.recipient == "companion":
        text_lines += ["", texts["own_page"], data.manage_url]
    elif data.manage_url:
        text_lines += ["", texts["manage"].format(url=data.manage_url)]
    text_lines += ["", texts["closing"], organisation]
    message.set_content("\n".join(text_lines) + "\n")

    esc = html.escape
    ticket_block = (
        f'<div style="display:inline-block;margin:0 16px 16px 0;text-align:center">'
        f"<p style=\"margin:0 0 4px\"><strong>{esc(texts['ticket_of'].format(name=person(addressee.name) or '-'))}"
        f"</strong></p>"
        f'<img src="cid:{_content_id(addressee.ticket_code, message_id_domain)[1:-1]}" width="240" height="240" '
        f'alt="QR {esc(addressee.ticket_code)}">'
        f'<p style="margin:4px 0 0;font-family:monospace;font-size:16px">{esc(addressee.ticket_code)}</p></div>'
    )
    manage_html = ""
    if data.manage_url and data.recipient == "companion":
        manage_html = (f"<p>{esc(texts['own_page'])}</p>"
                       f'<p><a href="{esc(data.manage_url, quote=True)}">{esc(texts["own_page_link"])}</a></p>')
    elif data.manage_url:
        manage_html = f'<p><a href="{esc(data.manage_url, quote=True)}">{esc(texts["manage_link"])}</a></p>'

    html_body = f"""<!DOCTYPE html>
<html lang="{data.language}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(subject)}</title></head>
<body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1a1a1a;max-width:40em">
<p>{esc(greeting(data.language, addressee.name))}</p>
<p>{esc(intro)}</p>
<table role="presentation" style="border-collapse:collapse">
<tr><th style="text-align:left;padding-right:1em">{esc(texts['when'])}</th><td>{esc(when)}</td></tr>
<tr><th style="text-align:left;padding-right:1em;vertical-align:top">{esc(texts['where'])}</th>
<td>{'<br>'.join(esc(line) for line in venue_lines)}</td></tr>
</table>
<h2 style="font-size:1.1em">{esc(texts['ticket'])}</h2>
{ticket_block}
<p>{esc(scan)}</p>
<p>{esc(texts['calendar'].format(filename=ics_filename))}</p>
{manage_html}
<p>{esc(texts['closing'])}<br>{esc(organisation)}</p>
</body>
</html>
"""
    message.add_alternative(html_body, subtype="html")
    html_part = next(part for part in message.iter_parts() if part.get_content_type() == "text/html")
    # add_related turns the HTML part into multipart/related with the images beside it.
    html_part.add_related(
        qr_png(addressee.ticket_code),
        maintype="image",
        subtype="png",
        cid=_content_id(addressee.ticket_code, message_id_domain),
        disposition="inline",
        filename=f"qr-{re.sub(r'[^A-Za-z0-9.-]', '-', addressee.ticket_code)}.png",
    )

    # Added as bytes (base64) so the CRLF line endings iCalendar requires survive untouched;
    # `calendar_method` is PUBLISH for a plain .ics, REQUEST for the addressee's own scheduling message (the outbox
    # passes events.calendar.scheduling_message: later mails update or cancel the same UID, RFC 5546).
    message.add_attachment(
        ics,
        maintype="text",
        subtype="calendar",
        filename=ics_filename,
        params={"method": calendar_method, "charset": "utf-8"},
    )
    # Set last: set_content/add_alternative/add_attachment move or drop Content-* headers of the root.
    message["Content-Language"] = data.language
    return message


# Stand-ins for a name that cannot go into a mail (see _person).
_SOMEONE: dict[Language, dict[str, str]] = {
    "nl": {"buyer": "Een deelnemer", "companion": "je partner"},
    "en": {"buyer": "A participant", "companion": "your companion"},
}


_NOTICES: dict[str, dict[Language, tuple[str, str]]] = {
    "ticket_voided": {
        "nl": ("Je ticket voor {title} is vervallen",
               "{buyer} heeft een andere partner gekozen voor {title}. Je ticket ({code}) is daarom vervallen."),
        "en": ("Your ticket for {title} has been cancelled",
               "{buyer} has chosen another companion for {title}, so your ticket ({code}) is no longer valid."),
    },
    "order_cancelled": {
        "nl": ("Je duoticket voor {title} is geannuleerd",
               "Het duoticket van {buyer} voor {title} is geannuleerd. {refund}"),
        "en": ("Your duo ticket for {title} has been cancelled",
               "The duo ticket of {buyer} for {title} has been cancelled. {refund}"),
    },
}
_REFUND_LINE: dict[Language, str] = {
    "nl": "Een betaald bedrag wordt teruggestort op de rekening waarmee betaald is.",
    "en": "Any amount paid is refunded to the account it was paid from.",
}


def build_notice(
    kind: Literal["ticket_voided", "order_cancelled"],
    *,
    to_name: str,
    to_email: str,
    event_title: str,
    buyer_name: str,
    ticket_code: str = "",
    language: Language = "nl",
    sender: Address | str,
    message_id: str,
    organisation: str = "Nieuw Geluid",
) -> EmailMessage:
    """A short plain-text notice: a companion's ticket voided, or a duo cancelled (and refunded)."""
    subject, body = _NOTICES[kind][language]
    values = {"title": one_line(event_title), "buyer": person(buyer_name) or _SOMEONE[language]["buyer"],
              "code": ticket_code or "-",
              "refund": _REFUND_LINE[language]}
    return plain_mail(subject=subject.format(**values), body=body.format(**values), to_name=to_name,
                       to_email=to_email, language=language, sender=sender, message_id=message_id,
                       organisation=organisation)
