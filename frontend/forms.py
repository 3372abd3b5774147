"""Turning HTML form fields into what the services take, and service errors back into form errors.

Pure functions (no I/O): the page controllers parse a posted form with these, call one service
function, and on a ``DomainError`` put ``common.page_message(exc, lang)`` next to the form field that
``exc.field`` names.

Messages written here are English msgids marked with :func:`_` (so the i18n test demands a Dutch
translation); templates translate them when the page renders. Messages from the services are lazy messages
with Dutch msgids (``core.i18n``), rendered in the page language by ``page_message`` before the template sees
them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from events.rules import DEFAULT_HACKATHON_THEMES, DEFAULT_TIMEZONE, slugify
from events.views import EventDetails


def _(message: str) -> str:
    """Mark a msgid for extraction; it is translated when the template shows it."""
    return message


class FormError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- single values ---------------------------------------------------------------------------------

_THOUSANDS_DOT = re.compile(r"^\d{1,3}(\.\d{3})+$")


def parse_price_cents(raw: str) -> int:
    """Euros as people type them into cents: "95", "95,00", "95.5", "€ 1.250,00", "1250" -> int cents."""
    text = raw.replace("€", "").replace("\u00a0", "").replace(" ", "").strip()
    if text in ("", "-"):
        return 0
    if "," in text and "." in text:
        text = text.replace(".", "").replace(",", ".")  # Dutch: 1.250,00
    elif "," in text:
        text = text.replace(",", ".")
    elif _THOUSANDS_DOT.match(text):
        text = text.replace(".", "")  # "1.250" is twelve hundred and fifty euros in Dutch
    if text.endswith(".-"):
        text = text[:-2]
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise FormError(_("Enter an amount such as 95 or 95,00.")) from exc
    if not amount.is_finite() or amount < 0:
        raise FormError(_("Enter an amount such as 95 or 95,00."))
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise FormError(_("An amount has at most two decimals."))
    return int(cents)


def format_price_input(cents: int) -> str:
    """Cents as the price field shows them again: 9500 -> "95,00"."""
    return f"{cents // 100},{cents % 100:02d}"


def parse_int(raw: str, *, message: str) -> int:
    try:
        return int(raw.strip())
    except ValueError as exc:
        raise FormError(message) from exc


def parse_date(raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise FormError(_("Enter a date (day, month and year).")) from exc


def parse_time(raw: str) -> time:
    """"13:00" (what a time input sends), and what people type where it falls back to text: "9:05", "13.30", "1330"."""
    text = raw.strip().replace(".", ":")
    match = re.fullmatch(r"(\d{1,2}):?(\d{2})(?::\d{2})?", text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise FormError(_("Enter a time such as 13:00."))
    return time(int(match.group(1)), int(match.group(2)))


def optional_date(raw: str | None) -> date | None:
    return parse_date(raw) if raw and raw.strip() else None


# --- the event form ---------------------------------------------------------------------------------

# Service field -> form field id suffix (the macros give field "x" the id "f-x").
EVENT_FIELD_FOR: dict[str, str] = {
    "title": "title",
    "slug": "title",
    "description": "description",
    "starts_at": "start_time",
    "ends_at": "end_time",
    "venue_name": "venue_name",
    "address": "address",
    "online_url": "online_url",
    "capacity_duos": "capacity_duos",
    "price_cents": "price",
    "themes": "themes",
    "agenda": "agenda",
    "sales_start": "sales_start",
    "sales_end": "sales_end",
    "change_deadline": "change_deadline",
    "refund_deadline": "refund_deadline",
    "age_limit": "age_limit",
    "contact_email": "contact_email",
    "title_en": "title_en",
    "description_en": "description_en",
}
# The optional moments of the form (datetime-local inputs, in the event's zone): sales window and deadlines.
MOMENT_FIELDS = ("sales_start", "sales_end", "change_deadline", "refund_deadline")
_ROW = re.compile(r"^(themes|agenda)-([A-Za-z0-9]{1,12})-([a-z_]+)$")


@dataclass
class ThemeRow:
    index: str
    key: str = ""
    title: str = ""
    description: str = ""


@dataclass
class AgendaRow:
    index: str
    id: str = ""
    day: int = 0
    title: str = ""
    start: str = ""
    end: str = ""
    room: str = ""
    breakout: bool = False


@dataclass
class EventForm:
    """What the create/edit form shows: the raw strings, so a re-rendered form keeps what was typed."""

    title: str = ""
    description: str = ""
    date: str = ""
    end_date: str = ""
    start_time: str = ""
    end_time: str = ""
    venue_name: str = ""
    address: str = ""
    online_url: str = ""
    capacity_duos: str = ""
    price: str = ""
    sales_start: str = ""
    sales_end: str = ""
    change_deadline: str = ""
    refund_deadline: str = ""
    age_limit: str = "30"
    contact_email: str = ""
    title_en: str = ""
    description_en: str = ""
    themes: list[ThemeRow] = field(default_factory=list)
    agenda: list[AgendaRow] = field(default_factory=list)


def blank_event_form(agenda_rows: int = 4) -> EventForm:
    """A new hackathon: the three default themes with their descriptions, and a few empty agenda rows."""
    return EventForm(
        capacity_duos="40",
        price="95,00",
        themes=[ThemeRow(str(i), t.key, t.title, t.description) for i, t in enumerate(DEFAULT_HACKATHON_THEMES)],
        agenda=[AgendaRow(str(i)) for i in range(agenda_rows)],
    )


def event_form_from_view(details: EventDetails, spare_agenda_rows: int = 1) -> EventForm:
    """The edit form for an event as the service shows it (local times in the event's zone; the deadlines the
    organiser set, empty for the defaults)."""
    event = details.event
    starts = datetime.fromisoformat(event.starts_at_local)
    ends = datetime.fromisoformat(event.ends_at_local)
    agenda = []
    for i, s in enumerate(event.agenda):
        s_start = datetime.fromisoformat(s.starts_at_local)
        s_end = datetime.fromisoformat(s.ends_at_local)
        agenda.append(AgendaRow(str(i), str(s.id), (s_start.date() - starts.date()).days, s.title,
                                f"{s_start:%H:%M}", f"{s_end:%H:%M}", s.room, s.is_breakout_round))
    n = len(agenda)
    agenda += [AgendaRow(str(n + i)) for i in range(spare_agenda_rows)]
    tz = event.timezone or DEFAULT_TIMEZONE
    return EventForm(
        title=event.title,
        description=event.description,
        date=starts.date().isoformat(),
        end_date=ends.date().isoformat() if ends.date() != starts.date() else "",
        start_time=f"{starts:%H:%M}",
        end_time=f"{ends:%H:%M}",
        venue_name=event.venue_name,
        address=event.address,
        online_url=event.online_url,
        capacity_duos=str(event.capacity_duos),
        price=format_price_input(event.price_cents),
        sales_start=_moment_input(event.sales_start, tz),
        sales_end=_moment_input(event.sales_end, tz),
        change_deadline=_moment_input(details.own_change_deadline, tz),
        refund_deadline=_moment_input(details.own_refund_deadline, tz),
        age_limit=str(event.age_limit),
        contact_email=event.contact_email,
        title_en=event.title_en,
        description_en=event.description_en,
        themes=[ThemeRow(str(i), t.key, t.title, t.description) for i, t in enumerate(event.themes)],
        agenda=agenda,
    )


def _moment_input(value: datetime | None, tz: str) -> str:
    """A stored moment (UTC) as a datetime-local input shows it: "2027-03-12T18:00" in the event's zone."""
    return value.astimezone(ZoneInfo(tz)).strftime("%Y-%m-%dT%H:%M") if value else ""


def parse_moment(raw: str) -> datetime | None:
    """A datetime-local input ("2027-03-12T18:00"), or what people type where it falls back to text
    ("12-03-2027 18:00", "2027-03-12 18.00"); empty is None. A local time in the event's zone."""
    text = raw.strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})[T ](\S+)", text) or re.fullmatch(
        r"(\d{1,2})-(\d{1,2})-(\d{4})[T ](\S+)", text)
    if not match:
        raise FormError(_("Enter a date and time, such as 12-03-2027 18:00."))
    a, b, c, clock = match.groups()
    year, month, day = (int(a), int(b), int(c)) if len(a) == 4 else (int(c), int(b), int(a))
    try:
        return datetime.combine(date(year, month, day), parse_time(clock))
    except ValueError as exc:
        raise FormError(_("Enter a date and time, such as 12-03-2027 18:00.")) from exc


def event_form_from_post(form: Mapping[str, Any]) -> EventForm:
    """The posted fields, as typed; theme and agenda rows in the order the page sent them."""

    def text(name: str) -> str:
        value = form.get(name, "")
        if isinstance(value, list):
            value = value[-1] if value else ""
        return str(value).strip()

    themes: dict[str, ThemeRow] = {}
    agenda: dict[str, AgendaRow] = {}
    for name in form:
        match = _ROW.match(name)
        if not match:
            continue
        kind, index, part = match.groups()
        if kind == "themes":
            row = themes.setdefault(index, ThemeRow(index))
            if part in ("key", "title", "description"):
                setattr(row, part, text(name))
        else:
            arow = agenda.setdefault(index, AgendaRow(index))
            if part in ("id", "title", "start", "end", "room"):
                setattr(arow, part, text(name))
            elif part == "day":
                arow.day = int(text(name)) if text(name).isdigit() else 0
            elif part == "breakout":
                arow.breakout = bool(text(name))
    return EventForm(
        title=text("title"), description=text("description"), date=text("date"), end_date=text("end_date"),
        start_time=text("start_time"), end_time=text("end_time"), venue_name=text("venue_name"),
        address=text("address"), online_url=text("online_url"), capacity_duos=text("capacity_duos"),
        price=text("price"), sales_start=text("sales_start"), sales_end=text("sales_end"),
        change_deadline=text("change_deadline"), refund_deadline=text("refund_deadline"),
        age_limit=text("age_limit") or "30", contact_email=text("contact_email"), title_en=text("title_en"),
        description_en=text("description_en"), themes=list(themes.values()), agenda=list(agenda.values()),
    )


@dataclass
class ParsedEvent:
    """The service input, plus which form row each submitted agenda entry came from."""

    data: dict[str, Any]
    agenda_rows: list[str]  # agenda[i] in the service input came from form row agenda_rows[i]


_T = TypeVar("_T")


def _attempt(errors: dict[str, str], field_name: str, parse: Callable[[], _T]) -> _T | None:
    """parse()'s value, or None with the FormError's message put under errors[field_name]."""
    try:
        return parse()
    except FormError as exc:
        errors[field_name] = exc.message
        return None


def _parse_themes(ef: EventForm, errors: dict[str, str]) -> list[dict[str, Any]]:
    """The filled-in theme rows, each with a key unique within the event."""
    themes = []
    for row in ef.themes:
        if not row.title:
            if row.description:
                errors[f"themes-{row.index}-title"] = _("Give this theme a title, or empty both fields.")
            continue
        key = row.key or slugify(row.title)[:40].strip("-") or "thema"
        themes.append({"key": key, "title": row.title[:120], "description": row.description})
    seen: dict[str, int] = {}
    for theme in themes:  # two new themes with the same title would collide on their key
        n = seen.get(theme["key"], 0)
        seen[theme["key"]] = n + 1
        if n:
            theme["key"] = f"{theme['key'][:36]}-{n + 1}"
    return themes


def _parse_agenda(ef: EventForm, day: date | None, errors: dict[str, str]) -> tuple[list[dict[str, Any]], list[str]]:
    """The agenda entries (empty rows skipped) and the form row each came from."""
    agenda, agenda_rows = [], []
    for item in ef.agenda:
        if not (item.title or item.start or item.end or item.room):
            continue
        if not item.title:
            errors[f"agenda-{item.index}-title"] = _("Give this part of the agenda a title.")
        start = _attempt(errors, f"agenda-{item.index}-start", partial(parse_time, item.start))
        end = _attempt(errors, f"agenda-{item.index}-end", partial(parse_time, item.end))
        if start is not None and end is not None and day is not None and item.title:
            session_day = day + timedelta(days=item.day)
            entry: dict[str, Any] = {
                "title": item.title[:160],
                "starts_at": datetime.combine(session_day, start),
                "ends_at": datetime.combine(session_day, end),
                "room": item.room[:120],
                "is_breakout_round": item.breakout,
            }
            if item.id.isdigit():
                entry["id"] = int(item.id)
            agenda.append(entry)
            agenda_rows.append(item.index)
    return agenda, agenda_rows


def _parse_age_limit(value: str) -> int:
    age = parse_int(value, message=_("Enter an age in whole years, such as 30."))
    if not 16 <= age <= 120:
        raise FormError(_("Enter an age between 16 and 120."))
    return age


def parse_event_form(ef: EventForm) -> tuple[ParsedEvent | None, dict[str, str]]:
    """Check what a person can get wrong in a form; the service checks the rules (end after start, …)."""
    errors: dict[str, str] = {}
    if not ef.title:
        errors["title"] = _("Enter a title.")
    day = _attempt(errors, "date", lambda: parse_date(ef.date))
    end_day = _attempt(errors, "end_date", lambda: optional_date(ef.end_date))
    start_t = _attempt(errors, "start_time", lambda: parse_time(ef.start_time))
    end_t = _attempt(errors, "end_time", lambda: parse_time(ef.end_time))
    data: dict[str, Any] = {
        "capacity_duos": _attempt(errors, "capacity_duos", lambda: parse_int(
            ef.capacity_duos, message=_("Enter a whole number of duos, such as 40."))),
        "price_cents": _attempt(errors, "price", lambda: parse_price_cents(ef.price)),
    }
    for name in MOMENT_FIELDS:
        data[name] = _attempt(errors, name, partial(parse_moment, getattr(ef, name)))
    data["age_limit"] = _attempt(errors, "age_limit", partial(_parse_age_limit, ef.age_limit))
    themes = _parse_themes(ef, errors)
    agenda, agenda_rows = _parse_agenda(ef, day, errors)

    if errors or day is None or start_t is None or end_t is None:
        return None, errors
    data.update({
        "title": ef.title[:160],
        "description": ef.description,
        "starts_at": datetime.combine(day, start_t),
        "ends_at": datetime.combine(end_day or day, end_t),
        "venue_name": ef.venue_name[:300],
        "address": ef.address[:300],
        "online_url": ef.online_url[:500],
        "contact_email": ef.contact_email[:254],
        "title_en": ef.title_en[:160],
        "description_en": ef.description_en,
        "themes": themes,
        "agenda": agenda,
    })
    return ParsedEvent(data, agenda_rows), {}


_AGENDA_FIELD = re.compile(r"^agenda\[(\d+)\]\.(starts_at|ends_at|title)$")
_AGENDA_PART = {"starts_at": "start", "ends_at": "end", "title": "title"}


def event_error_field(service_field: str | None, agenda_rows: list[str]) -> str:
    """Where a service error about an event goes on the form ("" = the top of the form)."""
    if not service_field:
        return ""
    match = _AGENDA_FIELD.match(service_field)
    if match:
        i, part = int(match.group(1)), match.group(2)
        if i < len(agenda_rows):
            return f"agenda-{agenda_rows[i]}-{_AGENDA_PART[part]}"
        return "agenda"
    return EVENT_FIELD_FOR.get(service_field, "")
