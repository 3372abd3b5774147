"""The short mail to someone whose breakout group changed when the groups were updated for who came
(`pairing.regroup.publish_regroup` queues it; ticketing's outbox sends it and asks this module to compose it,
from the groups as published when it is sent: a later update never mails an older one)."""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any

from core.db import as_utc
from events import rules as event_rules
from events.tables import Event
from members.rules import name_problem
from members.tables import Member
from pairing.access import breakout_sessions
from pairing.errors import NoTicket
from pairing.holders import holder_of_place
from pairing.regroup import MOVED_MAIL
from pairing.store import find_plan
from pairing.tables import PublishedBreakout
from ticketing import hooks

_TEXTS = {
    "nl": {
        "subject": "Je breakoutgroep is gewijzigd: {title}",
        "greeting": "Hallo {name},",
        "body": "De groepen van {title} zijn bijgewerkt voor wie er vandaag is. Jouw groepen nu:",
        "round": "Ronde {round}{time}: {theme}, groep {number}{room}",
        "room": ", zaal {room}",
        "agenda": "Je ziet ze ook in Mijn agenda: {url}",
    },
    "en": {
        "subject": "Your breakout group changed: {title}",
        "greeting": "Hello {name},",
        "body": "The groups of {title} were updated for the people who came today. Your groups now:",
        "round": "Round {round}{time}: {theme}, group {number}{room}",
        "room": ", room {room}",
        "agenda": "They are in My agenda too: {url}",
    },
}


async def compose_moved(mail: dict[str, Any], settings: Any) -> EmailMessage | None:
    """The mail for one moved person, or None when they no longer hold a ticket or nothing is published."""
    try:
        holder = await holder_of_place(mail["attendee_id"])
    except NoTicket:
        return None
    event = await Event.select().where(Event.id == holder.event_id).first()
    plan = await find_plan(holder.event_id)
    if event is None or plan is None:
        return None
    rows = await PublishedBreakout.select().where(
        (PublishedBreakout.plan == plan["id"]) & (PublishedBreakout.attendee == holder.id)
    ).order_by(PublishedBreakout.round_number)
    if not rows:
        return None
    member = await Member.select(Member.language).where(
        (Member.email == holder.email) & Member.email_verified_at.is_not_null()).first()
    language = "en" if member and member["language"] == "en" else "nl"
    texts = _TEXTS[language]
    sessions = await breakout_sessions([event["id"]])
    title = " ".join(event["title"].split())
    lines = []
    for row in rows:
        session = sessions.get((event["id"], row["round_number"]))
        starts = as_utc(session["starts_at"]) if session else None
        time = f" ({event_rules.to_local(starts, event['timezone']):%H:%M})" if starts else ""
        room = texts["room"].format(room=row["room"]) if row["room"] else ""
        lines.append(texts["round"].format(round=row["round_number"], time=time, theme=row["theme_title"],
                                           number=row["group_number"], room=room))
    name = "" if name_problem(holder.name) else " ".join(holder.name.split())
    greeting = texts["greeting"].format(name=name).replace(" ,", ",")
    body = "\n".join([greeting, "", texts["body"].format(title=title), "", *lines, "",
                      texts["agenda"].format(url=f"{settings.public_base_url}/mijn/agenda"), "", "Nieuw Geluid"])
    message = EmailMessage()
    message["Subject"] = texts["subject"].format(title=title)
    message["From"] = settings.mail_from
    message["To"] = Address(display_name=name, addr_spec=mail["to_email"].strip())
    message["Message-ID"] = mail["message_id"]
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body + "\n")
    message["Content-Language"] = language
    return message


def install() -> None:
    """Register the composer with ticketing's outbox (idempotent)."""
    hooks.register_composer(MOVED_MAIL, compose_moved)
