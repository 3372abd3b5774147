"""The member's calendar page (/mijn/agenda): subscribe to the community and personal feeds, download .ics,
make a new personal link (shown once), reminders, and one's own breakout group per round once published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from core.auth import requires_member
from core.errors import DomainError
from core.principal import Principal
from events import feeds
from frontend.forms import _
from frontend.i18n import gettext, request_language
from frontend.pages.account import verify_email_notice
from frontend.pages.common import FormBody, page, path_for, redirect, text
from members import feed_tokens
from pairing.errors import NoTicket, PlanNotPublished
from pairing.publish import my_breakouts
from pairing.schemas import MyBreakoutsOut
from settings import Settings
from ticketing.results import TicketEventOut
from ticketing.rules import OrderStatus, TicketStatus
from ticketing.tickets import list_my_tickets

# Minutes before each item; "" switches reminders off. English msgids.
REMINDER_CHOICES: list[tuple[str, str]] = [
    ("", _("No reminders")),
    ("15", _("15 minutes before")),
    ("30", _("30 minutes before")),
    ("60", _("1 hour before")),
    ("1440", _("1 day before")),
]


@dataclass(frozen=True)
class MyEvent:
    """An event on the member's calendar page: as ticketing listed it with their ticket, and their groups."""

    event: TicketEventOut
    breakouts: MyBreakoutsOut | None  # None until published (or when the place went since the list was read)


async def _my_events(user: Principal) -> list[MyEvent]:
    """Events the member holds a valid ticket for — as buyer, or as companion once their e-mail is verified
    (ticketing.tickets.list_my_tickets) — each with the member's published breakout groups (or None)."""
    out: dict[int, MyEvent] = {}
    for ticket in await list_my_tickets(user):
        event = ticket.event
        if (ticket.order_status != OrderStatus.PAID or ticket.ticket_status != TicketStatus.VALID
                or event.id in out):
            continue
        try:
            breakouts = await my_breakouts(user, event.slug)
        except (NoTicket, PlanNotPublished):  # not published yet, or the place went since the list was read
            breakouts = None
        out[event.id] = MyEvent(event, breakouts)
    return list(out.values())


async def calendar_page(request: Request[Any, Any, Any], user: Principal, settings: Settings, *,
                        token: str | None = None, replaced: bool = False, errors: dict[str, str] | None = None,
                        status_code: int = 200) -> Template:
    lang = request_language(request)
    feeds_of = await feeds.calendar_settings(settings, user.id, token or None)
    reminder = "" if feeds_of.reminder_minutes is None else str(feeds_of.reminder_minutes)
    choices = [(value, gettext(lang, label)) for value, label in REMINDER_CHOICES]
    if reminder not in {value for value, _label in choices}:
        choices.append((reminder, gettext(lang, _("%(num)s minutes before")) % {"num": reminder}))
    return page(request, "calendar/my_calendar.html", status_code=status_code,
                community=feeds_of.community, has_personal=feeds_of.personal.exists,
                personal=feeds_of.personal if feeds_of.personal.url else None, replaced=replaced,
                reminder=reminder, reminder_choices=choices, events=await _my_events(user),
                verify_email=await verify_email_notice(user, path_for(request, "my_calendar")),
                errors=errors or {}, active_nav="my_agenda")


class CalendarPages(Controller):
    path = "/mijn/agenda"
    include_in_schema = False
    guards = [requires_member]

    @get("/", name="my_calendar")
    async def show(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                   settings: NamedDependency[Settings]) -> Template:
        return await calendar_page(request, member, settings)

    @post("/nieuwe-link", name="my_calendar_rotate")
    async def rotate(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                     settings: NamedDependency[Settings]) -> Template:
        """A new personal feed URL, shown on this response only (only its hash is stored)."""
        had_one = (await feed_tokens.feed_settings(member.id)).has_personal_feed
        token = await feed_tokens.rotate_feed_token(member.id)
        return await calendar_page(request, member, settings, token=token, replaced=had_one)

    @post("/uitzetten", name="my_calendar_revoke")
    async def revoke(self, request: Request[Any, Any, Any], member: NamedDependency[Principal]) -> Redirect:
        await feed_tokens.revoke_feed_token(member.id)
        return redirect(path_for(request, "my_calendar"), "link-uit")

    @post("/herinnering", name="my_calendar_reminder")
    async def reminder(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], data: FormBody,
                       settings: NamedDependency[Settings]) -> Template | Redirect:
        raw = text(data, "reminder")
        try:
            minutes = int(raw) if raw else None
            await feed_tokens.set_feed_reminder(member.id, minutes)
        except (ValueError, DomainError):
            message = gettext(request_language(request),
                              _("Choose a reminder from the list: from 0 minutes up to a week before."))
            return await calendar_page(request, member, settings, errors={"reminder": message}, status_code=422)
        notice = "herinnering-aan" if minutes is not None else "herinnering-uit"
        return redirect(path_for(request, "my_calendar"), notice)
