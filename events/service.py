"""Event use-cases: create, edit, publish, cancel, list and show events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NoReturn

from core.db import as_utc, is_unique_violation, utcnow, write_transaction
from core.errors import Forbidden, InvalidInput, NotFound
from core.i18n import LazyMessage
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from events import rules, views
from events.errors import EventNotEditable, SlugTaken
from events.schemas import AdminEventSummary, EventOut, EventSummary
from events.tables import AgendaSession, Event, EventImage, Theme
from events.views import EventDetails
from members.rules import INDUSTRIES_BY_CODE as INDUSTRIES
from members.rules import email_is_valid
from members.schemas import OrganisedEvent

# Changes to these make calendar clients re-read the event (RFC 5545 SEQUENCE).
_SIGNIFICANT = ("title", "starts_at", "ends_at", "venue_name", "address", "online_url", "status", "timezone")
# What an event is when the organiser says nothing more (the API schema carries the same defaults).
EVENT_DEFAULTS: dict[str, Any] = {
    "description": "", "kind": "hackathon", "timezone": rules.DEFAULT_TIMEZONE, "venue_name": "", "address": "",
    "online_url": "", "price_cents": 0, "sales_start": None, "sales_end": None, "change_deadline": None,
    "refund_deadline": None, "age_limit": 30, "home_industry": "customer_contact", "slug": None,
    "contact_email": "", "title_en": "", "description_en": "",
}
_TIME_FIELDS = ("starts_at", "ends_at", "sales_start", "sales_end", "change_deadline", "refund_deadline")


# Called with the event's id after its capacity was raised (after the commit): ticketing's waiting list registers
# here when it is imported at start-up, and offers the new seats (events may not import ticketing).
CapacityListener = Callable[[int], Awaitable[None]]
_seat_listeners: list[CapacityListener] = []


def on_capacity_raised(listener: CapacityListener) -> None:
    if listener not in _seat_listeners:
        _seat_listeners.append(listener)


# Called with the event's id and its new SEQUENCE after its time or place changed (after the commit): ticketing
# registers here at start-up and mails every ticket holder (events may not import ticketing).
MoveListener = Callable[[int, int], Awaitable[object]]  # what it returns is not used
_move_listeners: list[MoveListener] = []
# What makes an event "moved" for the people who hold a ticket: when and where.
_MOVES = ("starts_at", "ends_at", "venue_name", "address", "online_url", "timezone")


def on_event_moved(listener: MoveListener) -> None:
    if listener not in _move_listeners:
        _move_listeners.append(listener)


# Called with who cancelled and the event's id after the event was cancelled (after the commit, and again when it
# is cancelled again: listeners are idempotent): ticketing registers here at start-up (create_app), cancels every
# duo, refunds the paid ones and tells the waiting list (events may not import ticketing).
CancelListener = Callable[[Principal, int], Awaitable[object]]  # what it returns is not used
_cancel_listeners: list[CancelListener] = []


def on_event_cancelled(listener: CancelListener) -> None:
    if listener not in _cancel_listeners:
        _cancel_listeners.append(listener)


@contextmanager
def _rule_errors() -> Iterator[None]:
    try:
        yield
    except rules.EventRuleError as exc:
        raise InvalidInput(exc.message, field=exc.field) from exc


async def _row(slug: str) -> dict[str, Any]:
    row = await Event.select().where(Event.slug == slug).first()
    if row is None:
        raise NotFound(_l("Dit evenement bestaat niet."))
    return row


def can_manage(actor: Principal | None, row: dict[str, Any]) -> bool:
    """The event's own organiser (an event without one: every organiser). Administrators see every event but change
    only the team of another's (events.team)."""
    return actor is not None and actor.is_organiser and row["organiser"] in (actor.id, None)


def can_view(actor: Principal | None, row: dict[str, Any]) -> bool:
    """Published and cancelled events: everyone; a draft: its organiser and administrators."""
    return row["status"] != rules.EventStatus.DRAFT or can_manage(actor, row) or (actor is not None and actor.is_admin)


def _refuse(actor: Principal | None, row: dict[str, Any], message: LazyMessage) -> NoReturn:
    # A draft does not exist for anyone but its organiser: another organiser gets the same 404 as a reader
    # (a 403 would confirm that a draft with this slug exists).
    if not can_view(actor, row):
        raise NotFound(_l("Dit evenement bestaat niet."))
    raise Forbidden(message)


async def _full(row: dict[str, Any]) -> EventOut:
    themes = await Theme.select().where(Theme.event == row["id"])
    sessions = await AgendaSession.select().where(AgendaSession.event == row["id"])
    image = await EventImage.select(EventImage.digest).where(EventImage.event == row["id"]).first()
    return views.event_out(row, themes, sessions, utcnow(), image["digest"] if image else None)


async def get_event(slug: str, viewer: Principal | None) -> EventOut:
    row = await _row(slug)
    if not can_view(viewer, row):
        raise NotFound(_l("Dit evenement bestaat niet."))
    return await _full(row)


async def get_event_details(slug: str, viewer: Principal | None) -> EventDetails:
    """`get_event` with who organises it and the organiser's own deadlines (the back office's pages)."""
    row = await _row(slug)
    if not can_view(viewer, row):
        raise NotFound(_l("Dit evenement bestaat niet."))
    return views.event_details(row, await _full(row))


async def get_managed_event(slug: str, actor: Principal) -> EventDetails:
    """The event for its own organiser's pages (the edit form, the preview, cancelling)."""
    row = await _row(slug)
    if not can_manage(actor, row):
        raise Forbidden(_l("Alleen de organisator van dit evenement kan dit doen."))
    return views.event_details(row, await _full(row))


def _without_agenda(rows: Sequence[dict[str, Any]], now: datetime) -> list[EventOut]:
    """Events as lists show them: without themes and agenda (empty), nor their banner."""
    return [views.event_out(r, (), (), now) for r in rows]


async def list_published(now: datetime | None = None, include_past: bool = False) -> list[EventOut]:
    """The agenda: published events, and cancelled ones until they would have ended; past ones on request."""
    now = now or utcnow()
    query = Event.select().where(Event.status.is_in([rules.EventStatus.PUBLISHED, rules.EventStatus.CANCELLED]))
    rows = await query.order_by(Event.starts_at)
    return [
        e for e in _without_agenda(rows, now)
        if (e.status == rules.EventStatus.PUBLISHED or e.ends_at >= now) and (include_past or e.ends_at >= now)
    ]


async def published_summaries(include_past: bool = False) -> list[EventSummary]:
    """`list_published` as the API lists it."""
    return [views.summary_of(e) for e in await list_published(include_past=include_past)]


async def list_managed(actor: Principal) -> list[EventOut]:
    """The events the member organises, drafts included, earliest first."""
    rows = await Event.select().where(Event.organiser == actor.id).order_by(Event.starts_at)
    return _without_agenda(rows, utcnow())


async def managed_summaries(actor: Principal) -> list[EventSummary]:
    """`list_managed` as the API lists it."""
    return [views.summary_of(e) for e in await list_managed(actor)]


async def organised_for_export(actor: Principal) -> list[OrganisedEvent]:
    """The events a member organises, as their personal data export lists them (registered with
    members.personal_data by create_app)."""
    return [OrganisedEvent(slug=e.slug, title=e.title, status=e.status) for e in await list_managed(actor)]


async def list_all_events(actor: Principal) -> list[AdminEventSummary]:
    """Every event, drafts included, with its organiser's name and address (administrators only)."""
    from members.roles import require_admin

    require_admin(actor)
    rows = await Event.select(*Event.all_columns(), Event.organiser.name, Event.organiser.email).order_by(
        Event.starts_at, ascending=False)
    now = utcnow()
    return [views.admin_summary_of(views.event_out(r, (), (), now), r["organiser.name"] or "",
                                   r["organiser.email"] or "") for r in rows]


async def events_by_ids(event_ids: Sequence[int]) -> list[EventOut]:
    """These events (any status, without themes and agenda), earliest first."""
    if not event_ids:
        return []
    rows = await Event.select().where(Event.id.is_in(list(event_ids))).order_by(Event.starts_at)
    return _without_agenda(rows, utcnow())


def _normalise_times(values: dict[str, Any], tz: str) -> dict[str, Any]:
    out = dict(values)
    with _rule_errors():
        for name in _TIME_FIELDS:
            if out.get(name) is not None:
                out[name] = rules.to_utc(out[name], tz, name)
    return out


def _check_event(values: dict[str, Any], seats_taken: int = 0) -> None:
    with _rule_errors():
        rules.zone(values["timezone"])
        rules.check_slug(values["slug"])
        rules.check_times(values["starts_at"], values["ends_at"])
        rules.check_capacity(values["capacity_duos"], seats_taken)
        rules.check_price(values["price_cents"])
        rules.check_sales_window(values.get("sales_start"), values.get("sales_end"), values["ends_at"])
        rules.check_deadlines(values.get("change_deadline"), values.get("refund_deadline"), values["ends_at"])
    if values.get("contact_email") and not email_is_valid(values["contact_email"].strip().lower()):
        raise InvalidInput(_l("Vul een geldig e-mailadres in, bijvoorbeeld info@organisatie.nl."),
                           field="contact_email")
    if values["home_industry"] not in INDUSTRIES:
        raise InvalidInput(_l("Onbekende sector '%(industry)s'.", industry=values["home_industry"]),
                           field="home_industry")


def _theme_rows(themes: Sequence[dict[str, Any]] | None, kind: str) -> list[dict[str, Any]]:
    if themes is None:
        specs = rules.DEFAULT_HACKATHON_THEMES if kind == "hackathon" else ()
        themes = [{"key": s.key, "title": s.title, "description": s.description} for s in specs]
    keys = [t["key"] for t in themes]
    if len(set(keys)) != len(keys):
        raise InvalidInput(_l("Elk thema heeft een eigen sleutel (key)."), field="themes")
    if len(themes) > 12:
        raise InvalidInput(_l("Hoogstens 12 thema's per evenement."), field="themes")
    return [{**t, "position": i} for i, t in enumerate(themes)]


def _session_rows(agenda: Sequence[dict[str, Any]], values: dict[str, Any]) -> list[dict[str, Any]]:
    tz = values["timezone"]
    out = []
    with _rule_errors():
        for i, s in enumerate(agenda):
            starts_at = rules.to_utc(s["starts_at"], tz, f"agenda[{i}].starts_at")
            ends_at = rules.to_utc(s["ends_at"], tz, f"agenda[{i}].ends_at")
            rules.check_session(starts_at, ends_at, values["starts_at"], values["ends_at"], i)
            out.append({**s, "starts_at": starts_at, "ends_at": ends_at})
    if len(out) > 100:
        raise InvalidInput(_l("Hoogstens 100 sessies per agenda."), field="agenda")
    out.sort(key=lambda s: s["starts_at"])
    round_number = 0
    for position, s in enumerate(out):
        s["position"] = position
        if s.get("is_breakout_round"):
            round_number += 1
            s["round_number"] = round_number
        else:
            s["round_number"] = None
    return out


async def create_event(actor: Principal, data: dict[str, Any]) -> EventOut:
    if not actor.is_organiser:
        raise Forbidden(_l("Alleen organisatoren kunnen evenementen aanmaken."))
    data = {**EVENT_DEFAULTS, **data}
    tz = data["timezone"]
    with _rule_errors():
        rules.zone(tz)
    values = _normalise_times({k: v for k, v in data.items() if k not in ("themes", "agenda")}, tz)
    values["slug"] = values.get("slug") or rules.slugify(values["title"])
    _check_event(values)
    themes = _theme_rows(data.get("themes"), values["kind"])
    sessions = _session_rows(data.get("agenda") or [], values)
    now = utcnow()
    try:
        async with write_transaction():
            inserted = await Event.insert(
                Event(**values, status=rules.EventStatus.DRAFT, organiser=actor.id, created_at=now, updated_at=now)
            ).returning(Event.id)
            event_id = inserted[0]["id"]
            await _write_themes(event_id, themes)
            await _write_sessions(event_id, sessions, [], now)
    except Exception as exc:
        if is_unique_violation(exc):
            raise SlugTaken(_l("Er is al een evenement met deze slug."), field="slug") from exc
        raise
    return await _full(await _row(values["slug"]))


async def _write_themes(event_id: int, themes: Sequence[dict[str, Any]]) -> None:
    await Theme.delete().where(Theme.event == event_id)
    if themes:
        await Theme.insert(*[Theme(event=event_id, **t) for t in themes])


async def _write_sessions(event_id: int, sessions: Sequence[dict[str, Any]], existing: Sequence[dict[str, Any]],
                          now: datetime) -> None:
    """Keep session ids (calendar UIDs) stable: update by id, insert new ones, delete the rest."""
    by_id = {s["id"]: s for s in existing}
    kept: set[int] = set()
    for s in sessions:
        fields = {k: v for k, v in s.items() if k != "id"}
        old = by_id.get(s.get("id")) if s.get("id") is not None else None
        if s.get("id") is not None and old is None:
            raise InvalidInput(_l("Sessie %(session)s hoort niet bij dit evenement.", session=s["id"]), field="agenda")
        if old is None:
            await AgendaSession.insert(AgendaSession(event=event_id, **fields, sequence=0, updated_at=now))
            continue
        kept.add(old["id"])
        changed = any(
            (as_utc(old[k]) if k in ("starts_at", "ends_at") else old[k]) != fields[k]
            for k in ("title", "starts_at", "ends_at", "room")
        )
        await AgendaSession.update({
            **{getattr(AgendaSession, k): v for k, v in fields.items()},
            AgendaSession.sequence: old["sequence"] + (1 if changed else 0),
            AgendaSession.updated_at: now if changed or old["position"] != fields["position"] else old["updated_at"],
        }).where(AgendaSession.id == old["id"])
    gone = [i for i in by_id if i not in kept]
    if gone:
        await AgendaSession.delete().where(AgendaSession.id.is_in(gone))


async def update_event(actor: Principal, slug: str, changes: dict[str, Any]) -> EventOut:
    now = utcnow()
    try:
        async with write_transaction():
            row = await _row(slug)
            if not can_manage(actor, row):
                _refuse(actor, row, _l("Alleen de organisator van dit evenement kan dit wijzigen."))
            if row["status"] == rules.EventStatus.CANCELLED:
                raise EventNotEditable(_l("Een geannuleerd evenement kan niet meer worden gewijzigd."))
            current = {k: (as_utc(v) if k in _TIME_FIELDS else v) for k, v in row.items()}
            tz = changes.get("timezone") or row["timezone"]
            with _rule_errors():
                rules.zone(tz)
            plain = _normalise_times({k: v for k, v in changes.items() if k not in ("themes", "agenda")}, tz)
            merged = {**current, **plain}
            _check_event(merged, row["seats_taken"])
            significant = any(k in plain and plain[k] != current[k] for k in _SIGNIFICANT)
            values: dict[Any, Any] = {getattr(Event, k): v for k, v in plain.items()}
            values[Event.updated_at] = now
            if significant:
                values[Event.sequence] = row["sequence"] + 1
            if "capacity_duos" in plain:
                # Guarded in the database too: a ticket sold meanwhile must not push capacity below sales.
                done = await Event.update(values).where(
                    (Event.id == row["id"]) & (Event.seats_taken <= plain["capacity_duos"])
                ).returning(Event.id)
                if not done:
                    raise InvalidInput(_l("De capaciteit kan niet lager dan het aantal verkochte duo's."),
                                       field="capacity_duos")
            else:
                await Event.update(values).where(Event.id == row["id"])
            if "themes" in changes:
                await _write_themes(row["id"], _theme_rows(changes["themes"], merged["kind"]))
            if "agenda" in changes or "starts_at" in plain or "ends_at" in plain:
                existing = await AgendaSession.select().where(AgendaSession.event == row["id"])
                agenda = changes.get("agenda")
                if agenda is None:
                    agenda = [{"id": s["id"], "title": s["title"], "starts_at": as_utc(s["starts_at"]),
                               "ends_at": as_utc(s["ends_at"]), "room": s["room"],
                               "is_breakout_round": bool(s["is_breakout_round"])} for s in existing]
                await _write_sessions(row["id"], _session_rows(agenda, merged), existing, now)
    except Exception as exc:
        if is_unique_violation(exc):
            raise SlugTaken(_l("Er is al een evenement met deze slug."), field="slug") from exc
        raise
    if merged["capacity_duos"] > row["capacity_duos"]:
        for listener in _seat_listeners:
            await listener(row["id"])
    if row["status"] == rules.EventStatus.PUBLISHED and any(k in plain and plain[k] != current[k] for k in _MOVES):
        for moved in _move_listeners:
            await moved(row["id"], row["sequence"] + 1)
    return await _full(await _row(merged["slug"]))


async def publish_event(actor: Principal, slug: str) -> EventOut:
    row = await _row(slug)
    if not can_manage(actor, row):
        _refuse(actor, row, _l("Alleen de organisator van dit evenement kan het publiceren."))
    if row["status"] == rules.EventStatus.CANCELLED:
        raise EventNotEditable(_l("Een geannuleerd evenement kan niet worden gepubliceerd."))
    if row["status"] == rules.EventStatus.DRAFT:
        now = utcnow()
        async with write_transaction():
            await Event.update({
                Event.status: rules.EventStatus.PUBLISHED, Event.published_at: now, Event.updated_at: now,
                Event.sequence: Event.sequence + 1,
            }).where((Event.id == row["id"]) & (Event.status == rules.EventStatus.DRAFT))
    return await _full(await _row(slug))


async def cancel_event(actor: Principal, slug: str, reason: str) -> EventOut:
    """Cancel the event, then tell the listeners (ticketing cancels and refunds every duo, and closes the waiting
    list). Idempotent: cancelling again changes nothing, and the listeners refund nothing twice; they run again, so
    a duo a failed earlier attempt left behind is cancelled now. The API and the pages both call this."""
    row = await _row(slug)
    if not can_manage(actor, row):
        _refuse(actor, row, _l("Alleen de organisator van dit evenement kan het annuleren."))
    if row["status"] != rules.EventStatus.CANCELLED:
        now = utcnow()
        async with write_transaction():
            await Event.update({
                Event.status: rules.EventStatus.CANCELLED, Event.cancelled_at: now, Event.cancel_reason: reason,
                Event.updated_at: now, Event.sequence: Event.sequence + 1,
            }).where((Event.id == row["id"]) & (Event.status != rules.EventStatus.CANCELLED))
    view = await _full(await _row(slug))
    for listener in _cancel_listeners:
        await listener(actor, row["id"])
    return view
