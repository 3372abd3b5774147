"""The short breakout mails: to each person when the facilitator publishes the groups (`pairing.publish.publish_plan`
queues it: their groups, rooms and times; a re-publish mails only the people whose groups changed, marking what
changed), and to someone whose group changed when the groups were updated for who came
(`pairing.regroup.publish_regroup`). The outbox (notifications.outbox) sends them and asks this module to compose
them, from the groups as published when they are sent: a later publication never mails an older one."""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from typing import Any

from babel.dates import format_date

from core.db import as_utc
from events import rules as event_rules
from events.tables import Event
from members.rules import name_problem
from members.tables import Member
from notifications import outbox
from notifications.tables import OutboxMail
from pairing.access import breakout_sessions
from pairing.errors import NoTicket
from pairing.holders import holder_of_place
from pairing.publish import PUBLISHED_MAIL
from pairing.regroup import MOVED_MAIL
from pairing.store import find_plan
from pairing.tables import PublishedBreakout

_TEXTS: dict[str, dict[str, Any]] = {
    "nl": {
        MOVED_MAIL: {
            "subject": "Je breakoutgroep is gewijzigd: {title}",
            "body": "De groepen van {title} zijn bijgewerkt voor wie er vandaag is. Jouw groepen nu:",
        },
        PUBLISHED_MAIL: {
            "subject": "Je breakoutgroepen voor {title}",
            "body": "De breakoutgroepen van {title} ({date}) zijn bekend. Jouw groepen:",
        },
        "changed": {
            "subject": "Je breakoutgroepen zijn gewijzigd: {title}",
            "body": "De breakoutgroepen van {title} ({date}) zijn aangepast. Jouw groepen nu; wat veranderde staat "
                    "erbij:",
        },
        "greeting": "Hallo {name},",
        "round": "Breakoutronde {round}{time}: {theme}, groep {number}{room}",
        "room": ", zaal {room}",
        "new": " (gewijzigd)",
        "agenda": "Je ziet ze ook in Mijn agenda: {url}",
    },
    "en": {
        MOVED_MAIL: {
            "subject": "Your breakout group changed: {title}",
            "body": "The groups of {title} were updated for the people who came today. Your groups now:",
        },
        PUBLISHED_MAIL: {
            "subject": "Your breakout groups for {title}",
            "body": "The breakout groups of {title} ({date}) are out. Your groups:",
        },
        "changed": {
            "subject": "Your breakout groups changed: {title}",
            "body": "The breakout groups of {title} ({date}) were changed. Your groups now, with what changed marked:",
        },
        "greeting": "Hello {name},",
        "round": "Breakout round {round}{time}: {theme}, group {number}{room}",
        "room": ", room {room}",
        "new": " (changed)",
        "agenda": "They are in My agenda too: {url}",
    },
}


async def compose_moved(mail: dict[str, Any], settings: Any) -> EmailMessage | None:
    """The mail for one moved person, or None when they no longer hold a ticket or nothing is published."""
    return await _compose(mail, settings, MOVED_MAIL)


async def compose_published(mail: dict[str, Any], settings: Any) -> EmailMessage | None:
    """The mail for one person when the facilitator published the groups: their groups, rooms and times. To someone
    who had such a mail before it says the groups changed and marks the rounds the latest publication changed. None
    when a later publication queued another mail for them (that one tells the plan as it is), when they no longer
    hold a ticket or nothing is published."""
    return await _compose(mail, settings, PUBLISHED_MAIL)


async def _compose(mail: dict[str, Any], settings: Any, kind: str) -> EmailMessage | None:
    """From the groups as published when the mail is sent: a later publication never mails an older one."""
    try:
        holder = await holder_of_place(mail["attendee_id"])
    except NoTicket:
        return None
    event = await Event.select().where(Event.id == holder.event_id).first()
    plan = await find_plan(holder.event_id)
    if event is None or plan is None or plan["published_at"] is None:
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
    changed: set[int] = set()
    if kind == PUBLISHED_MAIL:
        mine = (OutboxMail.kind == PUBLISHED_MAIL) & (OutboxMail.attendee_id == mail["attendee_id"])
        if await OutboxMail.exists().where(mine & (OutboxMail.id > mail["id"])):
            return None  # a later publication queued another mail for them: that one says how things are now
        if await OutboxMail.exists().where(mine & (OutboxMail.id < mail["id"]) & (OutboxMail.status == "sent")):
            # They had the groups before: mark the rounds the latest publication changed (bumped at that moment).
            published_at = as_utc(plan["published_at"])
            changed = {row["round_number"] for row in rows
                       if row["sequence"] > 0 and as_utc(row["updated_at"]) == published_at}
    variant = texts["changed"] if changed else texts[kind]
    sessions = await breakout_sessions([event["id"]])
    title = " ".join(event["title"].split())
    tz = event["timezone"]
    day = format_date(event_rules.to_local(as_utc(event["starts_at"]), tz).date(), format="long", locale=language)
    lines = []
    for row in rows:
        session = sessions.get((event["id"], row["round_number"]))
        starts = as_utc(session["starts_at"]) if session else None
        ends = as_utc(session["ends_at"]) if session else None
        time = ""
        if starts is not None:
            time = f" ({event_rules.to_local(starts, tz):%H:%M}"
            time += f"–{event_rules.to_local(ends, tz):%H:%M})" if ends is not None else ")"
        room = texts["room"].format(room=row["room"]) if row["room"] else ""
        line = texts["round"].format(round=row["round_number"], time=time, theme=row["theme_title"],
                                     number=row["group_number"], room=room)
        if row["round_number"] in changed:
            line += texts["new"]
        lines.append(line)
    name = "" if name_problem(holder.name) else " ".join(holder.name.split())
    greeting = texts["greeting"].format(name=name).replace(" ,", ",")
    body = "\n".join([greeting, "", variant["body"].format(title=title, date=day), "", *lines, "",
                      texts["agenda"].format(url=f"{settings.public_base_url}/mijn/agenda"), "", "Nieuw Geluid"])
    message = EmailMessage()
    message["Subject"] = variant["subject"].format(title=title)
    message["From"] = settings.mail_from
    message["To"] = Address(display_name=name, addr_spec=mail["to_email"].strip())
    message["Message-ID"] = mail["message_id"]
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body + "\n")
    message["Content-Language"] = language
    return message


def install() -> None:
    """Register the composers with the outbox (idempotent)."""
    outbox.register_composer(MOVED_MAIL, compose_moved)
    outbox.register_composer(PUBLISHED_MAIL, compose_published)
