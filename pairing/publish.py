"""Publishing the plan, and what attendees see of it: their own group per round (`my_breakouts`) and the
breakout items of their calendar feed (`published_breakouts_for_member`, which events.feeds looks up).

A plan has one draft that the facilitator edits and a published snapshot per ticket holder and round that
attendees and their calendar feeds see. A person's snapshot (and its calendar SEQUENCE) changes only when
their group, theme, number or room changed since the last publication.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.db import as_utc, utcnow, write_transaction
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from events import rules as event_rules
from events.calendar import CANCELLED_RETENTION, CalendarBreakout
from events.tables import Event
from pairing.access import EventRef, breakout_sessions, event_ref, event_themes, visible_event
from pairing.board import edit_context, plan_view
from pairing.errors import PlanNotPublished
from pairing.holders import holder_of_place, member_place, ticket_holders
from pairing.schemas import MyBreakoutsOut, MyRoundOut, PlanOut, PublishPreviewOut
from pairing.states import PlanStatus
from pairing.store import find_plan, insert_rows, lock_plan, read_draft
from pairing.tables import BreakoutPlan, PublishedBreakout
from ticketing.state import enqueue_mail

# --------------------------------------------------------------------------- publishing


def _snapshot(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return (row["group_id"], row["theme_key"], row["theme_title"], row["group_number"], row["room"])


# The short mail to each person with their groups, rooms and times when the facilitator publishes (composed by
# pairing.mail when it is sent). One per person and publication, and only to people whose groups are new or
# changed since the last publication: a re-publish after a few moves mails the people who moved, not everyone.
PUBLISHED_MAIL = "breakout_published"


@dataclass(frozen=True, slots=True)
class _Publication:
    rows: list[tuple[Any, ...]]
    to_mail: list[int]  # places whose groups are new or changed since the last publication
    people: int  # places with a group in the plan


async def _publication(event: EventRef, plan: Mapping[str, Any], titles: Mapping[str, str],
                       live: set[int], now: datetime) -> _Publication:
    """What publishing the draft now would store: a row per person and round (SEQUENCE and update time bumped only
    where the group, theme, number or room changed), and who gets a mail. Reads only."""
    draft = await read_draft(plan["id"])
    old = {(r["attendee"], r["round_number"]): r for r in await PublishedBreakout.select().where(
        PublishedBreakout.plan == plan["id"])}
    rows: list[tuple[Any, ...]] = []
    changed: set[int] = set()
    people: set[int] = set()
    for (attendee, round_number), gid in sorted(draft.placement.items()):
        group = draft.groups.get(gid)
        if group is None or attendee not in live or round_number > plan["rounds"]:
            continue
        people.add(attendee)
        new = {"group_id": gid, "theme_key": group["theme_key"],
               "theme_title": titles.get(group["theme_key"], group["theme_key"]),
               "group_number": group["number"], "room": group["room"]}
        before = old.get((attendee, round_number))
        if before is None:
            sequence, updated_at = 0, now
            changed.add(attendee)
        elif _snapshot(before) == _snapshot(new):
            sequence, updated_at = before["sequence"], as_utc(before["updated_at"])
        else:
            sequence, updated_at = before["sequence"] + 1, now
            changed.add(attendee)
        rows.append((plan["id"], event.id, attendee, round_number, new["group_id"], new["theme_key"],
                     new["theme_title"], new["group_number"], new["room"], sequence, updated_at))
    return _Publication(rows, sorted(changed), len(people))


async def publish_preview(actor: Principal, slug: str) -> PublishPreviewOut:
    """What publishing now would do, for the confirmation before it: how many people are placed and how many get a
    mail (everyone the first time; on a re-publish the people whose group, theme, number or room changed)."""
    event, plan, _ = await edit_context(actor, slug)
    titles = {t.key: t.title for t in await event_themes(event.id)}
    live = {h.id for h in await ticket_holders(event_id=event.id)}
    publication = await _publication(event, plan, titles, live, utcnow())
    return PublishPreviewOut(event=event.slug, people=publication.people, rounds=plan["rounds"],
                             to_mail=len(publication.to_mail), republish=plan["published_at"] is not None,
                             changed_since_publish=bool(plan["changed_since_publish"]))


async def publish_plan(actor: Principal, slug: str, *, mail: bool = True) -> PlanOut:
    """Show the draft to the attendees. A person's published row (and its calendar SEQUENCE and update time)
    changes only when their group, theme, number or room changed since the last publication. With `mail`, each
    person whose groups are new or changed gets one short mail with their groups, rooms and times (queued in the
    same transaction; the update for who came mails the people it moved itself)."""
    event, plan, _ = await edit_context(actor, slug)
    titles = {t.key: t.title for t in await event_themes(event.id)}
    holders = {h.id: h for h in await ticket_holders(event_id=event.id)}
    now = utcnow()
    async with write_transaction():
        await lock_plan(plan["id"])
        publication = await _publication(event, plan, titles, set(holders), now)
        await PublishedBreakout.delete().where(PublishedBreakout.plan == plan["id"])
        await insert_rows(PublishedBreakout, ("plan", "event", "attendee", "round_number", "group_id", "theme_key",
                                               "theme_title", "group_number", "room", "sequence", "updated_at"),
                          publication.rows)
        counted = await BreakoutPlan.update({
            BreakoutPlan.status: PlanStatus.PUBLISHED, BreakoutPlan.changed_since_publish: False,
            BreakoutPlan.published_at: now, BreakoutPlan.updated_at: now,
            BreakoutPlan.publish_count: BreakoutPlan.publish_count + 1,
        }).where(BreakoutPlan.id == plan["id"]).returning(BreakoutPlan.publish_count)
        if mail:
            edition = counted[0]["publish_count"] if counted else 0
            for attendee in publication.to_mail:
                holder = holders[attendee]
                await enqueue_mail(PUBLISHED_MAIL, holder.order_id, attendee, holder.email,
                                   f"published:{plan['id']}:{attendee}:{edition}", now)
    return await plan_view(actor, slug)


# --------------------------------------------------------------------------- what attendees see


async def my_breakouts(actor: Principal, slug: str) -> MyBreakoutsOut:
    """Your own published group per round: theme, group number, room and the round's times from the agenda."""
    event = await visible_event(slug, actor)
    place = await member_place(actor, event)
    return await _breakouts_of(event, place.id)


async def breakouts_of_place(place_id: int) -> MyBreakoutsOut:
    """The published groups of one place (the companion's own page found it by its link)."""
    holder = await holder_of_place(place_id)
    row = await Event.select().where(Event.id == holder.event_id).first()
    assert row is not None
    return await _breakouts_of(event_ref(row), holder.id)


async def _breakouts_of(event: EventRef, place_id: int) -> MyBreakoutsOut:
    plan = await find_plan(event.id)
    if plan is None or plan["published_at"] is None:
        raise PlanNotPublished(_l("De breakoutgroepen zijn nog niet bekendgemaakt."))
    rows = await PublishedBreakout.select().where(
        (PublishedBreakout.plan == plan["id"]) & (PublishedBreakout.attendee == place_id)
    ).order_by(PublishedBreakout.round_number)
    sessions = await breakout_sessions([event.id])
    tz = event.timezone
    rounds = []
    for row in rows:
        session = sessions.get((event.id, row["round_number"]))
        starts_at = as_utc(session["starts_at"]) if session else None
        ends_at = as_utc(session["ends_at"]) if session else None
        rounds.append(MyRoundOut(
            round=row["round_number"], group_id=row["group_id"], theme=row["theme_key"],
            theme_title=row["theme_title"], group_number=row["group_number"], room=row["room"],
            starts_at=starts_at, ends_at=ends_at,
            starts_at_local=event_rules.to_local(starts_at, tz).isoformat() if starts_at else None,
            ends_at_local=event_rules.to_local(ends_at, tz).isoformat() if ends_at else None,
            updated_at=as_utc(row["updated_at"]),
        ))
    return MyBreakoutsOut(event=event.slug, event_title=event.title, timezone=tz,
                          published_at=as_utc(plan["published_at"]), rounds=rounds)


async def published_breakouts_for_member(member_id: int, now: datetime | None = None) -> list[CalendarBreakout]:
    """The member's published breakout groups, for their calendar feed (events.feeds calls this).

    A round without a breakout session in the agenda has no time and is left out. SEQUENCE adds the
    row's own count (bumped when this person's group or room changed on a re-publish) to the agenda
    session's and the event's, and the update time is the newest of the three: all stored values, so
    the item is identical on every render until something really changes. A cancelled event's groups stay
    for 30 days after its cancellation, cancelled (its SEQUENCE went up with the event's), then leave.
    """
    now = now or utcnow()
    places = {h.id for h in await ticket_holders(member_id=member_id)}
    from ticketing.tickets import places_voided_by_cancellation  # cancelling an event voids every ticket

    places |= await places_voided_by_cancellation(member_id)
    return await _published_breakouts(places, now, member_id=member_id)


async def companion_feed(feed_token: str, now: datetime | None = None
                         ) -> tuple[int, list[int], list[CalendarBreakout]] | None:
    """A companion without an account's own calendar feed (events.feeds.companion_document): (place, the event
    while their ticket holds or the event was cancelled under it, their published groups), or None for an
    unknown token. The same items a member's personal feed has, keyed by the place."""
    from ticketing.companion_links import place_for_feed_token
    from ticketing.tickets import place_calendar_event_ids

    place_id = await place_for_feed_token(feed_token)
    if place_id is None:
        return None
    event_ids = await place_calendar_event_ids(place_id)
    if not event_ids:
        return place_id, [], []
    return place_id, event_ids, await _published_breakouts({place_id}, now or utcnow(), place_id=place_id)


async def _published_breakouts(places: set[int], now: datetime, *, member_id: int = 0,
                               place_id: int | None = None) -> list[CalendarBreakout]:
    if not places:
        return []
    rows = await PublishedBreakout.select().where(PublishedBreakout.attendee.is_in(sorted(places)))
    if not rows:
        return []
    event_ids = sorted({r["event"] for r in rows})
    events = {e["id"]: e for e in await Event.select(
        Event.id, Event.title, Event.timezone, Event.status, Event.sequence, Event.updated_at, Event.cancelled_at,
        Event.venue_name, Event.address,
    ).where(Event.id.is_in(event_ids))}
    sessions = await breakout_sessions(event_ids)
    out = []
    for row in sorted(rows, key=lambda r: (r["event"], r["round_number"])):
        event, session = events.get(row["event"]), sessions.get((row["event"], row["round_number"]))
        if event is None or session is None or event["status"] == event_rules.EventStatus.DRAFT:
            continue
        cancelled = event["status"] == event_rules.EventStatus.CANCELLED
        if cancelled and now - (as_utc(event["cancelled_at"]) or as_utc(event["updated_at"])) > CANCELLED_RETENTION:
            continue
        stamps = [as_utc(row["updated_at"]), as_utc(session["updated_at"]), as_utc(event["updated_at"])]
        out.append(CalendarBreakout(
            round_number=row["round_number"], member_id=member_id, event_id=row["event"],
            event_title=event["title"], theme_label=row["theme_title"], group_number=row["group_number"],
            room=row["room"], start_utc=as_utc(session["starts_at"]), end_utc=as_utc(session["ends_at"]),
            updated_at=max(s for s in stamps if s is not None),
            sequence=row["sequence"] + session["sequence"] + event["sequence"], session_id=session["id"],
            timezone=event["timezone"], cancelled=cancelled,
            venue=", ".join(part for part in (event["venue_name"], event["address"]) if part), place_id=place_id,
        ))
    return out
