"""The layout every mail shares: languages, the greeting, names fit to go into a mail, dates in the event's zone,
and the short plain-text mail (greeting, body, signature) of notices and mailed links.

Pure: values in, an `email.message.EmailMessage` out; no I/O and no clock reads (notifications.mailer adds the
Date header when the mail leaves). Each domain writes its own mails with these pieces and registers a composer
with notifications.outbox.
"""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from typing import Literal
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from core.text import name_problem

Language = Literal["nl", "en"]

DEFAULT_TIMEZONE = "Europe/Amsterdam"
# English mails use British conventions (day before month, 24-hour clock), as on the English pages.
LOCALES: dict[Language, str] = {"nl": "nl_NL", "en": "en_GB"}
_DATE_PATTERN = "EEEE d MMMM y"
_TIME_PATTERN = "HH:mm"
_EN_DASH = "\u2013"
_GREETING: dict[Language, str] = {"nl": "Hallo {name},", "en": "Hello {name},"}
ORGANISATION = "Nieuw Geluid"


def one_line(value: str) -> str:
    # Names and titles come from forms: a stray newline would break a header (or inject one).
    return " ".join(value.split())


def person(name: str) -> str:
    """A person's name as typed by someone else (the buyer types the companion's), fit to go into a mail to a
    third person, or "" for one that could carry a link or markup. Names are checked when typed
    (members.rules.name_problem); this catches what was stored before that check."""
    return "" if name_problem(name) else one_line(name)


def format_when(starts_at: datetime, ends_at: datetime, tz: str, language: Language) -> str:
    """'zaterdag 13 maart 2027, 13:00–21:00' in the event's zone; both dates when it ends another day."""
    zone = ZoneInfo(tz)
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    locale = LOCALES[language]
    start_day = format_datetime(start, _DATE_PATTERN, locale=locale)
    start_time = format_datetime(start, _TIME_PATTERN, locale=locale)
    end_time = format_datetime(end, _TIME_PATTERN, locale=locale)
    if start.date() == end.date():
        return f"{start_day}, {start_time}{_EN_DASH}{end_time}"
    end_day = format_datetime(end, _DATE_PATTERN, locale=locale)
    return f"{start_day}, {start_time} {_EN_DASH} {end_day}, {end_time}"


def greeting(language: Language, name: str) -> str:
    """"Hallo Noor," (or "Hallo," for a name that cannot go into a mail)."""
    shown = person(name)
    return _GREETING[language].format(name=shown) if shown else _GREETING[language].format(name="").replace(
        " ,", ",")


def plain_mail(*, subject: str, body: str, to_name: str, to_email: str, language: Language,
               sender: Address | str, message_id: str, organisation: str = ORGANISATION) -> EmailMessage:
    """A short plain-text mail to one person: greeting, body, signature (notices and link mails)."""
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = Address(display_name=person(to_name), addr_spec=to_email.strip())
    message["Message-ID"] = message_id
    # RFC 3834: tells out-of-office responders not to answer a transactional message.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(f"{greeting(language, to_name)}\n\n{body}\n\n{organisation}\n")
    message["Content-Language"] = language
    return message
