"""The ticket confirmation e-mail for a paid DUO order: composed here, sent elsewhere (ticketing/mailer.py).

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
from zoneinfo import ZoneInfo

import segno
from babel.dates import format_datetime
from babel.numbers import format_currency

from members.rules import name_problem

Language = Literal["nl", "en"]
Recipient = Literal["buyer", "companion"]

DEFAULT_TIMEZONE = "Europe/Amsterdam"
# English mails use British conventions (day before month, 24-hour clock), as on the English pages.
_LOCALES: dict[Language, str] = {"nl": "nl_NL", "en": "en_GB"}
_DATE_PATTERN = "EEEE d MMMM y"
_TIME_PATTERN = "HH:mm"
_EN_DASH = "\u2013"


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


def _one_line(value: str) -> str:
    # Names and titles come from forms: a stray newline would break a header (or inject one).
    return " ".join(value.split())


def _person(name: str) -> str:
    """A person's name as typed by someone else (the buyer types the companion's), fit to go into a mail to a
    third person, or "" for one that could carry a link or markup. Names are checked when typed
    (members.rules.name_problem); this catches what was stored before that check."""
    return "" if name_problem(name) else _one_line(name)


def format_when(starts_at: datetime, ends_at: datetime, tz: str, language: Language) -> str:
    """'zaterdag 13 maart 2027, 13:00–21:00' in the event's zone; both dates when it ends another day."""
    zone = ZoneInfo(tz)
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    locale = _LOCALES[language]
    start_day = format_datetime(start, _DATE_PATTERN, locale=locale)
    start_time = format_datetime(start, _TIME_PATTERN, locale=locale)
    end_time = format_datetime(end, _TIME_PATTERN, locale=locale)
    if start.date() == end.date():
        return f"{start_day}, {start_time}{_EN_DASH}{end_time}"
    end_day = format_datetime(end, _DATE_PATTERN, locale=locale)
    return f"{start_day}, {start_time} {_EN_DASH} {end_day}, {end_time}"


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
        "greeting": "Hallo {name},",
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
        "greeting": "Hello {name},",
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
    title = _one_line(data.event_title)
    someone = _SOMEONE[data.language]
    buyer_name = _person(data.buyer.name) or someone["buyer"]
    companion_name = _person(data.companion.name) or someone["companion"]
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
                                                         locale=_LOCALES[data.language]))
    else:
        subject = texts["subject_companion"].format(buyer=buyer_name, title=title)
        intro = texts["intro_companion"].format(buyer=buyer_name, title=title)
    partner_name = companion_name if data.recipient == "buyer" else buyer_name
    scan = texts["scan"].format(partner=partner_name[:1].upper() + partner_name[1:])

    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = Address(display_name=_person(addressee.name), addr_spec=addressee.email.strip())
    message["Message-ID"] = message_id or make_msgid(domain=message_id_domain)
    # RFC 3834: tells out-of-office responders not to answer a transactional message.
    message["Auto-Submitted"] = "auto-generated"

    text_lines = [
        _greeting(data.language, addressee.name),
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
        f"<p style=\"margin:0 0 4px\"><strong>{esc(texts['ticket_of'].format(name=_person(addressee.name) or '-'))}"
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
<p>{esc(_greeting(data.language, addressee.name))}</p>
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


def _greeting(language: Language, name: str) -> str:
    person = _person(name)
    return _TEXTS[language]["greeting"].format(name=person) if person else _TEXTS[language]["greeting"].format(
        name="").replace(" ,", ",")


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
    values = {"title": _one_line(event_title), "buyer": _person(buyer_name) or _SOMEONE[language]["buyer"],
              "code": ticket_code or "-",
              "refund": _REFUND_LINE[language]}
    return _plain_mail(subject=subject.format(**values), body=body.format(**values), to_name=to_name,
                       to_email=to_email, language=language, sender=sender, message_id=message_id,
                       organisation=organisation)


def _plain_mail(*, subject: str, body: str, to_name: str, to_email: str, language: Language,
                sender: Address | str, message_id: str, organisation: str) -> EmailMessage:
    """A short plain-text mail to one person: greeting, body, signature (notices and link mails)."""
    greeting = _greeting(language, to_name)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = Address(display_name=_person(to_name), addr_spec=to_email.strip())
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(f"{greeting}\n\n{body}\n\n{organisation}\n")
    message["Content-Language"] = language
    return message


_VERIFICATION: dict[Language, tuple[str, str]] = {
    "nl": ("Bevestig je e-mailadres voor Nieuw Geluid",
           "Bevestig dat dit jouw e-mailadres is: open deze link (hij werkt {hours} uur en één keer):\n\n{url}\n\n"
           "Pas daarna zie je bij Mijn tickets de tickets die anderen voor je kochten, met je eigen code.\n\n"
           "Heb je geen account bij Nieuw Geluid gemaakt? Dan kun je deze mail negeren."),
    "en": ("Confirm your e-mail address for Nieuw Geluid",
           "Confirm that this is your e-mail address: open this link (it works for {hours} hours, once):\n\n{url}"
           "\n\nOnly then does My tickets show the tickets others bought for you, with your own code.\n\n"
           "Did you not make an account at Nieuw Geluid? Then you can ignore this e-mail."),
}


def build_email_verification(*, to_name: str, to_email: str, url: str, valid_hours: int,
                             language: Language = "nl", sender: Address | str, message_id: str,
                             organisation: str = "Nieuw Geluid") -> EmailMessage:
    """The plain-text mail with the link that verifies an account's e-mail address (Dutch unless the member
    chose English). The link holds a secret: it is the only copy of the token."""
    subject, body = _VERIFICATION[language]
    return _plain_mail(subject=subject, body=body.format(url=url, hours=valid_hours), to_name=to_name,
                       to_email=to_email, language=language, sender=sender, message_id=message_id,
                       organisation=organisation)


_PASSWORD_RESET: dict[Language, tuple[str, str]] = {
    "nl": ("Stel een nieuw wachtwoord in voor Nieuw Geluid",
           "Je vroeg om een nieuw wachtwoord. Open deze link om het in te stellen (hij werkt {hours} uur en één "
           "keer):\n\n{url}\n\nDaarna ben je overal uitgelogd: log opnieuw in met je nieuwe wachtwoord.\n\n"
           "Heb je dit niet zelf gevraagd? Dan kun je deze mail negeren: je wachtwoord blijft hetzelfde."),
    "en": ("Set a new password for Nieuw Geluid",
           "You asked for a new password. Open this link to set it (it works for {hours} hour(s), once):\n\n{url}"
           "\n\nAfterwards you are signed out everywhere: sign in again with your new password.\n\n"
           "Did you not ask for this? Then you can ignore this e-mail: your password stays the same."),
}


def build_password_reset(*, to_name: str, to_email: str, url: str, valid_hours: int,
                         language: Language = "nl", sender: Address | str, message_id: str,
                         organisation: str = "Nieuw Geluid") -> EmailMessage:
    """The plain-text mail with the link that sets a new password (Dutch unless the member chose English). The
    link holds a secret: it is the only copy of the token."""
    subject, body = _PASSWORD_RESET[language]
    return _plain_mail(subject=subject, body=body.format(url=url, hours=valid_hours), to_name=to_name,
                       to_email=to_email, language=language, sender=sender, message_id=message_id,
                       organisation=organisation)


_ACCOUNT_EXISTS: dict[Language, tuple[str, str]] = {
    "nl": ("Je hebt al een account bij Nieuw Geluid",
           "Iemand (misschien jij) wilde een nieuw account maken met dit e-mailadres, maar je hebt er al een. Er is "
           "niets veranderd.\n\nInloggen doe je hier: {login_url}\n\nWachtwoord vergeten? Met deze link stel je "
           "een nieuw in (hij werkt {hours} uur en één keer; daarna is je e-mailadres ook bevestigd):\n\n"
           "{reset_url}\n\nWas jij dit niet? Dan hoef je niets te doen: je account en je wachtwoord blijven zoals "
           "ze zijn."),
    "en": ("You already have an account at Nieuw Geluid",
           "Someone (perhaps you) tried to create a new account with this e-mail address, but you already have one. "
           "Nothing has changed.\n\nSign in here: {login_url}\n\nForgot your password? This link sets a new one "
           "(it works for {hours} hour(s), once; your e-mail address is then confirmed too):\n\n{reset_url}\n\n"
           "Was this not you? Then there is nothing to do: your account and password stay as they are."),
}


def build_account_exists(*, to_name: str, to_email: str, login_url: str, reset_url: str, valid_hours: int,
                         language: Language = "nl", sender: Address | str, message_id: str,
                         organisation: str = "Nieuw Geluid") -> EmailMessage:
    """The plain-text mail to an account's owner when someone signs up with their address: the sign-up page
    answers the same for every address, so this mail is the only place that says the account exists. Nothing
    typed by the person who signed up travels in it (the greeting is the account's own name)."""
    subject, body = _ACCOUNT_EXISTS[language]
    return _plain_mail(subject=subject, body=body.format(login_url=login_url, reset_url=reset_url,
                                                         hours=valid_hours),
                       to_name=to_name, to_email=to_email, language=language, sender=sender,
                       message_id=message_id, organisation=organisation)
