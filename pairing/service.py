"""Pairing use-cases: theme rankings by ticket holders, and the facilitator's breakout workflow.

Who is a ticket holder: a live place of a paid duo with a valid ticket (`ticket_holders`, the one query
here that reads ticketing's tables). Rankings, placements and pins refer to that place.

What the grouping engine (`pairing.grouping`, pure) gets for each ticket holder:
- the buyer: experience level, industry and organisation from their member profile (matched by e-mail,
  else the order's buyer account);
- a companion: industry and organisation from their place on the order (what the buyer entered, checked
  by the companion rule), experience level from their member account once its e-mail address is verified
  (an unverified account could be anyone's), else 0 (starter);
- the duo partner: the other place of the same order; the ranking: their stored ranking (empty = neutral).

The engine runs in a worker thread, so a big event never blocks the event loop. A plan has one draft that
the facilitator edits (generate, move, swap, pin, regenerate, rooms) and a published snapshot per ticket
holder and round that attendees and their calendar feeds see. Group ids are the groups' identities:
moves keep them, and a regenerate matches new groups to the current ones by member overlap per round and
theme, so a re-publish changes the group (and the calendar SEQUENCE) only of people who really moved.
"""

from __future__ import annotations

import functools
import json
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import anyio

from core.db import as_utc, is_postgres, is_unique_violation, utcnow, write_transaction
from core.errors import Forbidden, InvalidInput, NotFound
from events import rules as event_rules
from events.calendar import CANCELLED_RETENTION, CalendarBreakout
from events.service import can_manage, can_view
from events.tables import AgendaSession, Event, Theme
from members.service import Principal, verified_email
from members.tables import Member
from pairing import grouping
from pairing.rules import normalise_email
from pairing.tables import (
    BreakoutGroup,
    BreakoutPin,
    BreakoutPlacement,
    BreakoutPlan,
    PublishedBreakout,
    ThemeRanking,
)
from ticketing.tables import Ticket

MIN_GROUP_SIZE, MAX_GROUP_SIZE = 2, 12
MAX_ROUNDS = 12
MAX_GROUP_NUMBER = 999
# A generate never holds a worker thread longer than this; the engine then returns its best so far.
GENERATE_TIME_LIMIT = 25.0
_CHUNK = 400  # rows per INSERT: far below SQLite's bound-parameter limit
_PAID = "paid"  # ticketing.rules.PAID


# --------------------------------------------------------------------------- errors


class NoTicket(Forbidden):
    code = "no_ticket"


class TicketNotFound(NotFound):
    code = "ticket_not_found"


class PlanNotFound(NotFound):
    code = "plan_not_found"


class PlanNotPublished(NotFound):
    code = "plan_not_published"


class PinNotFound(NotFound):
    code = "pin_not_found"


class InvalidRanking(InvalidInput):
    code = "invalid_ranking"


class InvalidBreakoutRequest(InvalidInput):
    code = "invalid_breakout_request"


class NoBreakoutRounds(InvalidInput):
    code = "no_breakout_rounds"


# --------------------------------------------------------------------------- ticket holders (ticketing's tables)


@dataclass(frozen=True, slots=True)
class Holder:
    """A ticket holder as pairing sees it (no birth date: pairing never needs it)."""

    id: int  # the place (ticketing Attendee id)
    event_id: int
    order_id: int
    buyer_id: int
    role: str  # buyer | companion
    name: str
    email: str
    industry: str
    organisation: str


async def ticket_holders(*, event_id: int | None = None, email: str | None = None,
                         code: str | None = None, member_id: int | None = None) -> list[Holder]:
    """Live places of paid duos with a valid ticket: of one event, of one e-mail address, of one ticket code, or of
    one member (`member_id`: the buyer places of their orders, plus places with their e-mail only when it is
    verified — see `members.service.verified_email`).

    The only query in pairing that reads ticketing's tables (read-only); everything else goes through
    pairing's own tables.
    """
    query = Ticket.select(
        Ticket.attendee.id.as_alias("id"),
        Ticket.event.as_alias("event_id"),
        Ticket.order.id.as_alias("order_id"),
        Ticket.order.buyer.as_alias("buyer_id"),
        Ticket.attendee.role.as_alias("role"),
        Ticket.attendee.name.as_alias("name"),
        Ticket.attendee.email.as_alias("email"),
        Ticket.attendee.industry.as_alias("industry"),
        Ticket.attendee.organisation.as_alias("organisation"),
    ).where(
        (Ticket.status == "valid") & (Ticket.attendee.live == True) & (Ticket.order.status == _PAID)  # noqa: E712
    )
    if event_id is not None:
        query = query.where(Ticket.event == event_id)
    if email is not None:
        query = query.where(Ticket.attendee.email == normalise_email(email))
    if code is not None:
        query = query.where(Ticket.code == code)
    if member_id is not None:
        mine = (Ticket.order.buyer == member_id) & (Ticket.attendee.role == "buyer")
        verified = await verified_email(member_id)
        if verified is not None:
            mine = mine | (Ticket.attendee.email == verified)
        query = query.where(mine)
    rows = await query.order_by(Ticket.attendee.id)
    return [Holder(**row) for row in rows]


# --------------------------------------------------------------------------- small helpers


def _json_list(text: str | None) -> list[str]:
    try:
        value = json.loads(text or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


async def _event_row(slug: str) -> dict[str, Any]:
    row = await Event.select().where(Event.slug == slug).first()
    if row is None:
        raise NotFound("Dit evenement bestaat niet.")
    return row


async def _visible_event(slug: str, viewer: Principal | None) -> dict[str, Any]:
    row = await _event_row(slug)
    if not can_view(viewer, row):
        raise NotFound("Dit evenement bestaat niet.")
    return row


def may_plan_breakouts(actor: Principal | None, event: Mapping[str, Any]) -> bool:
    """Facilitators (for any event) and the event's own organiser."""
    return actor is not None and (actor.is_facilitator or can_manage(actor, dict(event)))


async def _planned_event(actor: Principal, slug: str) -> dict[str, Any]:
    row = await _event_row(slug)
    if not may_plan_breakouts(actor, row):
        raise Forbidden("Alleen facilitatoren en de organisator van dit evenement mogen de breakouts plannen.")
    return row


async def _themes(event_id: int) -> list[dict[str, Any]]:
    rows = await Theme.select(Theme.key, Theme.title, Theme.position).where(Theme.event == event_id)
    return sorted(rows, key=lambda t: (t["position"], t["key"]))


async def _breakout_sessions(event_ids: Sequence[int]) -> dict[tuple[int, int], dict[str, Any]]:
    """(event id, round number) → the agenda's breakout-round session."""
    if not event_ids:
        return {}
    rows = await AgendaSession.select(
        AgendaSession.id, AgendaSession.event, AgendaSession.round_number, AgendaSession.starts_at,
        AgendaSession.ends_at, AgendaSession.sequence, AgendaSession.updated_at,
    ).where(AgendaSession.event.is_in(list(event_ids)) & (AgendaSession.is_breakout_round == True))  # noqa: E712
    return {(r["event"], r["round_number"]): r for r in rows if r["round_number"] is not None}


async def _insert_rows(table: Any, columns: Sequence[str], rows: Sequence[tuple[Any, ...]],
                       returning: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Many rows in a few multi-row INSERTs. Piccolo's `insert()` renders every row column by column
    (~0.2 ms a row); a raw statement per chunk is about five times faster, which matters at thousands of
    placements. Values are still bound parameters."""
    quoted = ", ".join(f'"{c}"' for c in columns)
    head = f'INSERT INTO "{table._meta.tablename}" ({quoted}) VALUES '
    tail = f" RETURNING {', '.join(returning)}" if returning else ""
    row_sql = "(" + ", ".join(["{}"] * len(columns)) + ")"
    out: list[dict[str, Any]] = []
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start:start + _CHUNK]
        result = await table.raw(head + ", ".join([row_sql] * len(chunk)) + tail, *[v for row in chunk for v in row])
        out.extend(result or [])
    return out


def _normalise_organisation(value: str) -> str:
    return " ".join(value.split()).casefold()


# --------------------------------------------------------------------------- theme rankings


def check_ranking(themes: Sequence[str], known: Sequence[str]) -> tuple[str, ...]:
    """A ranking is a permutation or a prefix of the event's theme keys: known keys, each at most once."""
    seen: set[str] = set()
    for i, key in enumerate(themes):
        if key not in known:
            raise InvalidRanking(f"Onbekend thema '{key}'; kies uit: {', '.join(known)}.", field=f"themes[{i}]")
        if key in seen:
            raise InvalidRanking(f"Thema '{key}' staat twee keer in je rangorde.", field=f"themes[{i}]")
        seen.add(key)
    return tuple(themes)


async def _stored_rankings(attendee_ids: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    ids = list(attendee_ids)
    for start in range(0, len(ids), 5000):
        rows = await ThemeRanking.select(ThemeRanking.attendee, ThemeRanking.themes).where(
            ThemeRanking.attendee.is_in(ids[start:start + 5000])
        )
        out.update({r["attendee"]: _json_list(r["themes"]) for r in rows})
    return out


def _current(ranking: Iterable[str], known: Sequence[str]) -> tuple[str, ...]:
    """A stored ranking against today's themes: keys the organiser removed since are skipped."""
    out: list[str] = []
    for key in ranking:
        if key in known and key not in out:
            out.append(key)
    return tuple(out)


async def _save_ranking(holder: Holder, themes: Sequence[str]) -> dict[str, Any]:
    known = [t["key"] for t in await _themes(holder.event_id)]
    ranking = check_ranking(themes, known)
    now = utcnow()
    text = json.dumps(list(ranking))
    for attempt in range(2):
        try:
            async with write_transaction():
                if not ranking:  # an empty ranking: back to neutral
                    await ThemeRanking.delete().where(ThemeRanking.attendee == holder.id)
                    break
                updated = await ThemeRanking.update({ThemeRanking.themes: text, ThemeRanking.updated_at: now}).where(
                    ThemeRanking.attendee == holder.id
                ).returning(ThemeRanking.id)
                if not updated:
                    await ThemeRanking.insert(ThemeRanking(event=holder.event_id, attendee=holder.id, themes=text,
                                                           updated_at=now))
            break
        except Exception as exc:
            # Two saves of the same place at once: the loser retries as an update.
            if attempt or not is_unique_violation(exc):
                raise
    return await _ranking_view(holder)


async def _ranking_view(holder: Holder) -> dict[str, Any]:
    themes = await _themes(holder.event_id)
    known = [t["key"] for t in themes]
    row = await ThemeRanking.select(ThemeRanking.themes, ThemeRanking.updated_at).where(
        ThemeRanking.attendee == holder.id
    ).first()
    event = await Event.select(Event.slug).where(Event.id == holder.event_id).first()
    return {
        "event": event["slug"] if event else "",
        "themes": list(_current(_json_list(row["themes"]), known)) if row else [],
        "available": [{"key": t["key"], "title": t["title"]} for t in themes],
        "updated_at": as_utc(row["updated_at"]) if row else None,
    }


async def _member_place(actor: Principal, event: Mapping[str, Any]) -> Holder:
    # A companion's place only through a verified e-mail: else whoever signed up first with the address would
    # rank for them and read their groups.
    places = await ticket_holders(event_id=event["id"], member_id=actor.id)
    if not places:
        raise NoTicket("Je hebt geen geldig ticket voor dit evenement.")
    return places[0]


async def rank_themes_as_member(actor: Principal, slug: str, themes: Sequence[str]) -> dict[str, Any]:
    """A signed-in member ranks the themes as the ticket holder of their own order, or (verified e-mail only) as
    the companion with their account's e-mail address."""
    event = await _visible_event(slug, actor)
    return await _save_ranking(await _member_place(actor, event), themes)


async def ranking_of_member(actor: Principal, slug: str) -> dict[str, Any]:
    event = await _visible_event(slug, actor)
    return await _ranking_view(await _member_place(actor, event))


async def _ticket_place(code: str) -> Holder:
    places = await ticket_holders(code=code.strip().upper())
    if not places:
        raise TicketNotFound("Geen geldig ticket met deze code.")
    return places[0]


async def rank_themes_with_ticket(code: str, themes: Sequence[str]) -> dict[str, Any]:
    """A companion without an account ranks through the code on their ticket (a bearer secret)."""
    return await _save_ranking(await _ticket_place(code), themes)


async def ranking_of_ticket(code: str) -> dict[str, Any]:
    return await _ranking_view(await _ticket_place(code))


def borda_points(position: int, theme_count: int) -> int:
    """One point for every theme ranked below: m−1 for a first place … 0 for the last; unranked themes 0."""
    return max(0, theme_count - 1 - position)


async def ranking_figures(slug: str, viewer: Principal | None = None) -> dict[str, Any]:
    """The community's priorities, openly: per theme how often it was ranked 1st/2nd/3rd and its Borda
    score, plus how many ticket holders never ranked (neutral in grouping). No personal data."""
    event = await _visible_event(slug, viewer)
    themes = await _themes(event["id"])
    known = [t["key"] for t in themes]
    holders = await ticket_holders(event_id=event["id"])
    rankings = [r for r in (_current(v, known) for v in (await _stored_rankings([h.id for h in holders])).values())
                if r]
    places: dict[str, Counter[int]] = {key: Counter() for key in known}
    for ranking in rankings:
        for position, key in enumerate(ranking):
            places[key][position] += 1
    figures = [
        {
            "key": t["key"],
            "title": t["title"],
            "first": places[t["key"]][0],
            "second": places[t["key"]][1],
            "third": places[t["key"]][2],
            "borda": sum(borda_points(p, len(known)) * n for p, n in places[t["key"]].items()),
        }
        for t in themes
    ]
    return {
        "event": event["slug"],
        "ticket_holders": len(holders),
        "ranked": len(rankings),
        "neutral": len(holders) - len(rankings),
        "themes": sorted(figures, key=lambda f: (-f["borda"], known.index(f["key"]))),
    }


# --------------------------------------------------------------------------- the engine's input


@dataclass(frozen=True, slots=True)
class BreakoutSettings:
    rounds: int | None = None  # None: the number of breakout rounds in the agenda
    min_size: int = 4
    max_size: int = 6
    duo_policy: str = "apart"
    mode: str = "rotate"
    seed: int = 0


@dataclass(frozen=True, slots=True)
class _Context:
    """Everything about one event the engine and the views need, read once per request."""

    event: dict[str, Any]
    themes: list[dict[str, Any]]
    holders: dict[int, Holder]
    people: tuple[grouping.Attendee, ...]
    experience: dict[int, int]
    industry: dict[int, str]
    organisation: dict[int, str]
    partner: dict[int, int | None]
    sessions: dict[tuple[int, int], dict[str, Any]]

    @property
    def theme_keys(self) -> tuple[str, ...]:
        return tuple(t["key"] for t in self.themes)

    @property
    def theme_titles(self) -> dict[str, str]:
        return {t["key"]: t["title"] for t in self.themes}


async def _context(event: dict[str, Any]) -> _Context:
    themes = await _themes(event["id"])
    known = [t["key"] for t in themes]
    holders = await ticket_holders(event_id=event["id"])
    emails = sorted({h.email for h in holders})
    buyer_ids = sorted({h.buyer_id for h in holders})
    profiles: dict[str, dict[str, Any]] = {}
    by_id: dict[int, dict[str, Any]] = {}
    columns = (Member.id, Member.email, Member.experience_level, Member.industry, Member.organisation)
    for start in range(0, len(emails), 5000):
        # Only verified accounts speak for an address: an unverified one could be anyone's.
        for row in await Member.select(*columns).where(Member.email.is_in(emails[start:start + 5000])
                                                       & Member.email_verified_at.is_not_null()):
            profiles[normalise_email(row["email"])] = row
    for start in range(0, len(buyer_ids), 5000):
        for row in await Member.select(*columns).where(Member.id.is_in(buyer_ids[start:start + 5000])):
            by_id[row["id"]] = row
    rankings = await _stored_rankings([h.id for h in holders])
    places_of_order: dict[int, list[int]] = defaultdict(list)
    for h in holders:
        places_of_order[h.order_id].append(h.id)
    people, experience, industry, organisation = [], {}, {}, {}
    for h in holders:
        profile = profiles.get(h.email) or (by_id.get(h.buyer_id) if h.role == "buyer" else None)
        if h.role == "buyer" and profile is not None:
            ind, org = profile["industry"], profile["organisation"]
        else:
            ind = h.industry or (profile["industry"] if profile else "")
            org = h.organisation or (profile["organisation"] if profile else "")
        exp = min(4, max(0, int(profile["experience_level"]))) if profile else 0
        partner = next((p for p in places_of_order[h.order_id] if p != h.id), None)
        experience[h.id], industry[h.id], organisation[h.id] = exp, ind, org
        people.append(grouping.Attendee(
            id=h.id, ranking=_current(rankings.get(h.id, ()), known), experience=exp, industry=ind,
            organisation=_normalise_organisation(org), duo_partner=partner,
        ))
    sessions = await _breakout_sessions([event["id"]])
    return _Context(event, themes, {h.id: h for h in holders}, tuple(people), experience, industry, organisation,
                    {p.id: p.duo_partner for p in people}, sessions)


def _grouping_input(ctx: _Context, plan: Mapping[str, Any],
                    pins: Sequence[Mapping[str, Any]]) -> grouping.GroupingInput:
    return grouping.GroupingInput(
        attendees=ctx.people,
        themes=ctx.theme_keys,
        rounds=plan["rounds"],
        min_size=plan["min_size"],
        max_size=plan["max_size"],
        duo_policy=grouping.DuoPolicy(plan["duo_policy"]),
        preference_mode=grouping.PreferenceMode(plan["preference_mode"]),
        pins=tuple(
            grouping.Pin(p["attendee"], p["round_number"] - 1, p["theme_key"], p["group_number"]) for p in pins
        ),
        seed=plan["seed"],
    )


def _check_settings(settings: BreakoutSettings, agenda_rounds: int) -> dict[str, Any]:
    rounds = settings.rounds if settings.rounds is not None else agenda_rounds
    if rounds == 0:
        raise NoBreakoutRounds("De agenda heeft geen breakoutrondes: geef het aantal rondes op.", field="rounds")
    if not 1 <= rounds <= MAX_ROUNDS:
        raise InvalidBreakoutRequest(f"Kies 1 tot {MAX_ROUNDS} rondes.", field="rounds")
    if not MIN_GROUP_SIZE <= settings.min_size <= MAX_GROUP_SIZE:
        raise InvalidBreakoutRequest(f"Een groep heeft minstens {MIN_GROUP_SIZE} en hoogstens {MAX_GROUP_SIZE} "
                                     "mensen.", field="min_size")
    if not settings.min_size <= settings.max_size <= MAX_GROUP_SIZE:
        raise InvalidBreakoutRequest(f"De grootste groep ligt tussen {settings.min_size} en {MAX_GROUP_SIZE}.",
                                     field="max_size")
    if settings.duo_policy not in {p.value for p in grouping.DuoPolicy}:
        raise InvalidBreakoutRequest("Kies apart, together of either.", field="duo_policy")
    if settings.mode not in {m.value for m in grouping.PreferenceMode}:
        raise InvalidBreakoutRequest("Kies rotate of stay.", field="mode")
    if not 0 <= settings.seed < 2**31:
        raise InvalidBreakoutRequest("Het seed is een geheel getal van 0 tot 2³¹.", field="seed")
    return {"rounds": rounds, "min_size": settings.min_size, "max_size": settings.max_size,
            "duo_policy": settings.duo_policy, "preference_mode": settings.mode, "seed": settings.seed}


# --------------------------------------------------------------------------- the stored plan


async def _plan(event_id: int) -> dict[str, Any] | None:
    return await BreakoutPlan.select().where(BreakoutPlan.event == event_id).first()


async def _existing_plan(event_id: int) -> dict[str, Any]:
    plan = await _plan(event_id)
    if plan is None:
        raise PlanNotFound("Er is nog geen breakoutplan voor dit evenement: genereer er eerst een.")
    return plan


async def _lock_plan(plan_id: int) -> None:
    """Serialise changes to one plan (SQLite already does: its write transactions take the lock at BEGIN)."""
    if is_postgres():
        await BreakoutPlan.select(BreakoutPlan.id).where(BreakoutPlan.id == plan_id).lock_rows()


async def _pins(plan_id: int) -> list[dict[str, Any]]:
    return await BreakoutPin.select().where(BreakoutPin.plan == plan_id).order_by(BreakoutPin.round_number).order_by(
        BreakoutPin.attendee
    )


@dataclass(frozen=True, slots=True)
class _Draft:
    groups: dict[int, dict[str, Any]]  # active groups by id
    members: dict[int, list[int]]  # group id → attendee ids
    placement: dict[tuple[int, int], int]  # (attendee, round number) → group id

    def assignment(self) -> grouping.Assignment:
        return grouping.Assignment(tuple(
            grouping.Group(g["round_number"] - 1, g["theme_key"], g["number"], tuple(sorted(self.members[gid])))
            for gid, g in sorted(self.groups.items(), key=lambda kv: (kv[1]["round_number"], kv[1]["theme_key"],
                                                                      kv[1]["number"], kv[0]))
            if self.members.get(gid)
        ))


async def _draft(plan_id: int) -> _Draft:
    groups = {g["id"]: g for g in await BreakoutGroup.select().where(
        (BreakoutGroup.plan == plan_id) & (BreakoutGroup.active == True)  # noqa: E712
    )}
    members: dict[int, list[int]] = defaultdict(list)
    placement: dict[tuple[int, int], int] = {}
    rows = await BreakoutPlacement.select(
        BreakoutPlacement.attendee, BreakoutPlacement.round_number, BreakoutPlacement.breakout_group
    ).where(BreakoutPlacement.plan == plan_id)
    for row in rows:
        members[row["breakout_group"]].append(row["attendee"])
        placement[(row["attendee"], row["round_number"])] = row["breakout_group"]
    return _Draft(groups, dict(members), placement)


def match_groups(old: Mapping[int, frozenset[int]], new: Sequence[frozenset[int]]) -> dict[int, int]:
    """New group index → old group id, pairing the largest member overlaps first (greedy maximum overlap).

    Call it per (round, theme). Groups without any overlap stay unmatched: they are new groups.
    """
    pairs = sorted(
        ((len(members & new[i]), gid, i) for gid, members in old.items() for i in range(len(new))
         if members & new[i]),
        key=lambda p: (-p[0], p[1], p[2]),
    )
    taken_old: set[int] = set()
    out: dict[int, int] = {}
    for _, gid, i in pairs:
        if gid in taken_old or i in out:
            continue
        taken_old.add(gid)
        out[i] = gid
    return out


async def _store_assignment(plan_id: int, assignment: grouping.Assignment, now: datetime) -> None:
    """Replace the draft by `assignment`, keeping the id (and room) of every group that lives on."""
    current = await _draft(plan_id)
    old_by_slot: dict[tuple[int, str], dict[int, frozenset[int]]] = defaultdict(dict)
    for gid, g in current.groups.items():
        old_by_slot[(g["round_number"], g["theme_key"])][gid] = frozenset(current.members.get(gid, ()))
    new_by_slot: dict[tuple[int, str], list[grouping.Group]] = defaultdict(list)
    for group in assignment.groups:
        if group.members:
            new_by_slot[(group.round_index + 1, group.theme)].append(group)
    kept: dict[tuple[int, str, int], int] = {}  # (round, theme, number) → surviving group id
    renumber: list[tuple[int, int]] = []
    for slot, groups in new_by_slot.items():
        matched = match_groups(old_by_slot.get(slot, {}), [frozenset(g.members) for g in groups])
        for i, gid in matched.items():
            kept[(slot[0], slot[1], groups[i].number)] = gid
            if current.groups[gid]["number"] != groups[i].number:
                renumber.append((gid, groups[i].number))
    retired = sorted(set(current.groups) - set(kept.values()))
    fresh = [(plan_id, g.round_index + 1, g.theme, g.number, "", True, now, now)
             for g in assignment.groups
             if g.members and (g.round_index + 1, g.theme, g.number) not in kept]
    await BreakoutPlacement.delete().where(BreakoutPlacement.plan == plan_id)
    if retired:
        await BreakoutGroup.update({BreakoutGroup.active: False, BreakoutGroup.updated_at: now}).where(
            BreakoutGroup.id.is_in(retired)
        )
    for gid, number in renumber:
        await BreakoutGroup.update({BreakoutGroup.number: number, BreakoutGroup.updated_at: now}).where(
            BreakoutGroup.id == gid
        )
    ids = dict(kept)
    inserted = await _insert_rows(
        BreakoutGroup, ("plan", "round_number", "theme_key", "number", "room", "active", "created_at", "updated_at"),
        fresh, returning=("id", "round_number", "theme_key", "number"),
    )
    ids.update({(row["round_number"], row["theme_key"], row["number"]): row["id"] for row in inserted})
    placements = [
        (plan_id, a, g.round_index + 1, ids[(g.round_index + 1, g.theme, g.number)])
        for g in assignment.groups if g.members for a in g.members
    ]
    await _insert_rows(BreakoutPlacement, ("plan", "attendee", "round_number", "breakout_group"), placements)


async def _run_engine(inp: grouping.GroupingInput, previous: grouping.Assignment | None) -> grouping.GroupingResult:
    deadline = time.monotonic() + GENERATE_TIME_LIMIT
    run = functools.partial(grouping.generate_breakouts, inp, previous, out_of_time=lambda: time.monotonic() > deadline)
    return await anyio.to_thread.run_sync(run)


async def generate_plan(actor: Principal, slug: str, settings: BreakoutSettings) -> dict[str, Any]:
    """Generate the draft plan from scratch with these settings (pins already set are kept)."""
    event = await _planned_event(actor, slug)
    ctx = await _context(event)
    values = _check_settings(settings, len({r for (_, r) in ctx.sessions}))
    plan = await _plan(event["id"])
    pins = await _pins(plan["id"]) if plan else []
    inp = _grouping_input(ctx, values, [p for p in pins if p["round_number"] <= values["rounds"]])
    result = await _run_engine(inp, None)
    await _save_generated(actor, event, values, result)
    return await plan_view(actor, slug)


async def regenerate_plan(actor: Principal, slug: str, seed: int | None = None) -> dict[str, Any]:
    """Generate again with the plan's settings, keeping pins and warm-starting from the current draft."""
    event = await _planned_event(actor, slug)
    plan = await _existing_plan(event["id"])
    ctx = await _context(event)
    values = {k: plan[k] for k in ("rounds", "min_size", "max_size", "duo_policy", "preference_mode", "seed")}
    if seed is not None:
        values = _check_settings(BreakoutSettings(values["rounds"], values["min_size"], values["max_size"],
                                                  values["duo_policy"], values["preference_mode"], seed), 0)
    inp = _grouping_input(ctx, values, await _pins(plan["id"]))
    result = await _run_engine(inp, (await _draft(plan["id"])).assignment())
    await _save_generated(actor, event, values, result)
    return await plan_view(actor, slug)


async def _save_generated(actor: Principal, event: Mapping[str, Any], values: dict[str, Any],
                          result: grouping.GroupingResult) -> None:
    now = utcnow()
    columns = {getattr(BreakoutPlan, k): v for k, v in values.items()}
    columns.update({
        BreakoutPlan.infeasibility: json.dumps(list(result.report.infeasibility)),
        BreakoutPlan.generated_by: actor.id,
        BreakoutPlan.generated_at: now,
        BreakoutPlan.updated_at: now,
    })
    for attempt in range(2):
        try:
            async with write_transaction():
                plan = await _plan(event["id"])
                if plan is None:
                    plan_id = (await BreakoutPlan.insert(BreakoutPlan(
                        event=event["id"], status="draft", **values, generated_at=now, updated_at=now,
                    )).returning(BreakoutPlan.id))[0]["id"]
                else:
                    plan_id = plan["id"]
                    await _lock_plan(plan_id)
                    columns[BreakoutPlan.changed_since_publish] = plan["status"] == "published"
                await BreakoutPlan.update(columns).where(BreakoutPlan.id == plan_id)
                # Pins of rounds the new settings no longer have would only ever be flagged: drop them.
                await BreakoutPin.delete().where((BreakoutPin.plan == plan_id)
                                                 & (BreakoutPin.round_number > values["rounds"]))
                await _store_assignment(plan_id, result.assignment, now)
            return
        except Exception as exc:
            if attempt or not is_unique_violation(exc):
                raise
            # Another facilitator created the plan at the same moment: store ours over it.


# --------------------------------------------------------------------------- views


def _report_view(report: grouping.Report, names: Mapping[int, str]) -> dict[str, Any]:
    return {
        "hard_violations": report.hard_violations,
        "violation_counts": {str(rule): n for rule, n in report.violation_counts},
        "violations": [
            {
                "rule": str(v.rule),
                "explanation": v.explanation,
                "round": v.round_index + 1 if v.round_index is not None else None,
                "theme": v.theme,
                "group": v.group_number,
                "attendees": [{"id": a, "name": names.get(a, "")} for a in v.attendee_ids],
            }
            for v in report.violations
        ],
        "preferences": [
            {"round": p.round_index + 1, "first": p.first, "second": p.second, "third": p.third, "other": p.other,
             "neutral": p.neutral, "as_planned": p.as_planned}
            for p in report.preferences
        ],
        "diversity": round(report.diversity, 3),
        "diversity_bound": round(report.diversity_bound, 3),
        "gap_percent": round(report.gap_percent, 3),
        "bound_without_rules": round(report.bound_without_rules, 3),
        "bound_with_sizes": round(report.bound_with_sizes, 3),
        "bound_method": str(report.bound_method),
        "optimal": report.optimal,
        "infeasibility": list(report.infeasibility),
    }


def _person(ctx: _Context, attendee_id: int) -> dict[str, Any]:
    holder = ctx.holders.get(attendee_id)
    if holder is None:  # the place was voided or refunded after the plan was made
        return {"id": attendee_id, "name": "", "role": "", "experience_level": None, "industry": "",
                "organisation": "", "duo_partner": None, "has_ticket": False}
    partner = ctx.partner.get(attendee_id)
    return {"id": attendee_id, "name": holder.name, "role": holder.role,
            "experience_level": ctx.experience[attendee_id], "industry": ctx.industry[attendee_id],
            "organisation": ctx.organisation[attendee_id], "duo_partner": partner, "has_ticket": True}


def _round_times(ctx: _Context, round_number: int) -> dict[str, Any]:
    session = ctx.sessions.get((ctx.event["id"], round_number))
    if session is None:
        return {"starts_at": None, "ends_at": None, "session_id": None}
    return {"starts_at": as_utc(session["starts_at"]), "ends_at": as_utc(session["ends_at"]),
            "session_id": session["id"]}


async def _evaluate(ctx: _Context, plan: Mapping[str, Any], pins: Sequence[Mapping[str, Any]],
                    draft: _Draft) -> grouping.Report:
    inp = _grouping_input(ctx, plan, pins)
    stored = tuple(_json_list(plan["infeasibility"]))

    def run() -> grouping.Report:
        fresh = grouping.check_feasibility(inp)
        return grouping.evaluate(inp, draft.assignment(), fresh + tuple(s for s in stored if s not in fresh))

    return await anyio.to_thread.run_sync(run)


async def plan_view(actor: Principal, slug: str) -> dict[str, Any]:
    """The current draft with every group, its members (no e-mail, no birth date), pins and the report."""
    event = await _planned_event(actor, slug)
    plan = await _existing_plan(event["id"])
    ctx = await _context(event)
    pins = await _pins(plan["id"])
    draft = await _draft(plan["id"])
    report = await _evaluate(ctx, plan, pins, draft)
    titles = ctx.theme_titles
    people = {a: _person(ctx, a) for members in draft.members.values() for a in members}
    by_round: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for gid, g in sorted(draft.groups.items(), key=lambda kv: (kv[1]["theme_key"], kv[1]["number"], kv[0])):
        members = sorted(draft.members.get(gid, ()))
        by_round[g["round_number"]].append({
            "id": gid, "theme": g["theme_key"], "theme_title": titles.get(g["theme_key"], g["theme_key"]),
            "number": g["number"], "room": g["room"], "size": len(members),
            "members": [people[a] for a in members],
        })
    order = {key: i for i, key in enumerate(ctx.theme_keys)}
    placed = {a for a, _ in draft.placement}
    names = {a: p["name"] for a, p in people.items()}
    names.update({h.id: h.name for h in ctx.holders.values()})
    return {
        "event": event["slug"],
        "status": plan["status"],
        "changed_since_publish": bool(plan["changed_since_publish"]),
        "generated_at": as_utc(plan["generated_at"]),
        "updated_at": as_utc(plan["updated_at"]),
        "published_at": as_utc(plan["published_at"]),
        "settings": {"rounds": plan["rounds"], "min_size": plan["min_size"], "max_size": plan["max_size"],
                     "duo_policy": plan["duo_policy"], "mode": plan["preference_mode"], "seed": plan["seed"]},
        "ticket_holders": len(ctx.holders),
        "unplaced": [_person(ctx, h) for h in sorted(set(ctx.holders) - placed)],
        "rounds": [
            {"round": r, **_round_times(ctx, r),
             "groups": sorted(by_round.get(r, []), key=lambda g: (order.get(g["theme"], len(order)), g["number"]))}
            for r in range(1, plan["rounds"] + 1)
        ],
        "pins": [{"attendee": p["attendee"], "round": p["round_number"], "theme": p["theme_key"],
                  "group": p["group_number"]} for p in pins],
        "report": _report_view(report, names),
    }


# --------------------------------------------------------------------------- edits by the facilitator


def _check_slot(plan: Mapping[str, Any], theme_keys: Sequence[str], round_number: int, theme: str | None,
                group: int | None) -> None:
    if not 1 <= round_number <= plan["rounds"]:
        raise InvalidBreakoutRequest(f"Dit plan heeft ronde 1 tot {plan['rounds']}.", field="round")
    if theme is not None and theme not in theme_keys:
        raise InvalidBreakoutRequest(f"Onbekend thema '{theme}'.", field="theme")
    if group is not None and not 1 <= group <= MAX_GROUP_NUMBER:
        raise InvalidBreakoutRequest(f"Groepsnummers lopen van 1 tot {MAX_GROUP_NUMBER}.", field="group")


async def _edit_context(actor: Principal, slug: str) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    event = await _planned_event(actor, slug)
    plan = await _existing_plan(event["id"])
    return event, plan, [t["key"] for t in await _themes(event["id"])]


async def _mark_changed(plan: Mapping[str, Any], now: datetime) -> None:
    await BreakoutPlan.update({
        BreakoutPlan.updated_at: now,
        BreakoutPlan.changed_since_publish: plan["status"] == "published",
    }).where(BreakoutPlan.id == plan["id"])


async def _group_at(plan_id: int, round_number: int, theme: str, number: int, now: datetime, *,
                    create: bool) -> int | None:
    row = await BreakoutGroup.select(BreakoutGroup.id).where(
        (BreakoutGroup.plan == plan_id) & (BreakoutGroup.round_number == round_number)
        & (BreakoutGroup.theme_key == theme) & (BreakoutGroup.number == number)
        & (BreakoutGroup.active == True)  # noqa: E712
    ).first()
    if row is not None:
        return int(row["id"])
    if not create:
        return None
    inserted = await BreakoutGroup.insert(BreakoutGroup(
        plan=plan_id, round_number=round_number, theme_key=theme, number=number, room="", active=True,
        created_at=now, updated_at=now,
    )).returning(BreakoutGroup.id)
    return int(inserted[0]["id"])


async def _retire_if_empty(group_ids: Iterable[int], now: datetime) -> None:
    for gid in set(group_ids):
        if not await BreakoutPlacement.exists().where(BreakoutPlacement.breakout_group == gid):
            await BreakoutGroup.update({BreakoutGroup.active: False, BreakoutGroup.updated_at: now}).where(
                BreakoutGroup.id == gid
            )


async def move_attendee(actor: Principal, slug: str, attendee_id: int, round_number: int, theme: str,
                        group_number: int) -> dict[str, Any]:
    """Put one person in (theme, group) for a round — a new group number opens a new group. A move that breaks
    a hard rule is allowed: the report flags it and the facilitator decides."""
    event, plan, theme_keys = await _edit_context(actor, slug)
    _check_slot(plan, theme_keys, round_number, theme, group_number)
    now = utcnow()
    async with write_transaction():
        await _lock_plan(plan["id"])
        current = await BreakoutPlacement.select(BreakoutPlacement.id, BreakoutPlacement.breakout_group).where(
            (BreakoutPlacement.plan == plan["id"]) & (BreakoutPlacement.attendee == attendee_id)
            & (BreakoutPlacement.round_number == round_number)
        ).first()
        if current is None and attendee_id not in {h.id for h in await ticket_holders(event_id=event["id"])}:
            raise InvalidBreakoutRequest("Deze persoon heeft geen ticket voor dit evenement.", field="attendee")
        target = await _group_at(plan["id"], round_number, theme, group_number, now, create=True)
        if current is None:
            await BreakoutPlacement.insert(BreakoutPlacement(plan=plan["id"], attendee=attendee_id,
                                                             round_number=round_number, breakout_group=target))
        elif current["breakout_group"] != target:
            await BreakoutPlacement.update({BreakoutPlacement.breakout_group: target}).where(
                BreakoutPlacement.id == current["id"]
            )
            await _retire_if_empty([current["breakout_group"]], now)
        await _mark_changed(plan, now)
    return await plan_view(actor, slug)


async def swap_attendees(actor: Principal, slug: str, first: int, second: int, round_number: int) -> dict[str, Any]:
    """Exchange the groups of two people in one round (group sizes stay the same)."""
    _, plan, theme_keys = await _edit_context(actor, slug)
    _check_slot(plan, theme_keys, round_number, None, None)
    if first == second:
        raise InvalidBreakoutRequest("Kies twee verschillende mensen.", field="other")
    now = utcnow()
    async with write_transaction():
        await _lock_plan(plan["id"])
        rows = {r["attendee"]: r for r in await BreakoutPlacement.select().where(
            (BreakoutPlacement.plan == plan["id"]) & (BreakoutPlacement.round_number == round_number)
            & BreakoutPlacement.attendee.is_in([first, second])
        )}
        for field, who in (("attendee", first), ("other", second)):
            if who not in rows:
                raise InvalidBreakoutRequest(f"Deelnemer {who} heeft geen groep in ronde {round_number}.",
                                             field=field)
        a, b = rows[first], rows[second]
        if a["breakout_group"] != b["breakout_group"]:
            await BreakoutPlacement.update({BreakoutPlacement.breakout_group: b["breakout_group"]}).where(
                BreakoutPlacement.id == a["id"])
            await BreakoutPlacement.update({BreakoutPlacement.breakout_group: a["breakout_group"]}).where(
                BreakoutPlacement.id == b["id"])
            await _mark_changed(plan, now)
    return await plan_view(actor, slug)


async def pin_attendee(actor: Principal, slug: str, attendee_id: int, round_number: int, theme: str,
                       group_number: int | None) -> dict[str, Any]:
    """Fix a person to a theme (and group) in a round. Generate and regenerate always honour pins; until then
    the report flags a pin the draft does not meet."""
    event, plan, theme_keys = await _edit_context(actor, slug)
    _check_slot(plan, theme_keys, round_number, theme, group_number)
    if attendee_id not in {h.id for h in await ticket_holders(event_id=event["id"])}:
        raise InvalidBreakoutRequest("Deze persoon heeft geen ticket voor dit evenement.", field="attendee")
    now = utcnow()
    async with write_transaction():
        await _lock_plan(plan["id"])
        await BreakoutPin.delete().where((BreakoutPin.plan == plan["id"]) & (BreakoutPin.attendee == attendee_id)
                                         & (BreakoutPin.round_number == round_number))
        await BreakoutPin.insert(BreakoutPin(plan=plan["id"], attendee=attendee_id, round_number=round_number,
                                             theme_key=theme, group_number=group_number, created_by=actor.id,
                                             created_at=now))
    return await plan_view(actor, slug)


async def unpin_attendee(actor: Principal, slug: str, attendee_id: int, round_number: int) -> dict[str, Any]:
    _, plan, _ = await _edit_context(actor, slug)
    gone = await BreakoutPin.delete().where(
        (BreakoutPin.plan == plan["id"]) & (BreakoutPin.attendee == attendee_id)
        & (BreakoutPin.round_number == round_number)
    ).returning(BreakoutPin.id)
    if not gone:
        raise PinNotFound(f"Deelnemer {attendee_id} is in ronde {round_number} niet vastgezet.")
    return await plan_view(actor, slug)


@dataclass(frozen=True, slots=True)
class RoomAssignment:
    theme: str
    group: int
    room: str
    round: int | None = None  # None: this theme and group number in every round


async def assign_rooms(actor: Principal, slug: str, rooms: Sequence[RoomAssignment]) -> dict[str, Any]:
    _, plan, theme_keys = await _edit_context(actor, slug)
    now = utcnow()
    async with write_transaction():
        await _lock_plan(plan["id"])
        changed = False
        for i, item in enumerate(rooms):
            try:
                _check_slot(plan, theme_keys, item.round or 1, item.theme, item.group)
            except InvalidInput as exc:
                raise InvalidBreakoutRequest(exc.message, field=f"rooms[{i}].{exc.field}") from exc
            room = " ".join(item.room.split())
            if len(room) > 120:
                raise InvalidBreakoutRequest("Hoogstens 120 tekens.", field=f"rooms[{i}].room")
            where = ((BreakoutGroup.plan == plan["id"]) & (BreakoutGroup.theme_key == item.theme)
                     & (BreakoutGroup.number == item.group) & (BreakoutGroup.active == True))  # noqa: E712
            if item.round is not None:
                where &= BreakoutGroup.round_number == item.round
            hit = await BreakoutGroup.select(BreakoutGroup.id, BreakoutGroup.room).where(where)
            if not hit:
                where_text = f"ronde {item.round}" if item.round else "geen enkele ronde"
                raise InvalidBreakoutRequest(f"Groep {item.theme} #{item.group} bestaat niet in {where_text}.",
                                             field=f"rooms[{i}]")
            ids = [r["id"] for r in hit if r["room"] != room]
            if ids:
                changed = True
                await BreakoutGroup.update({BreakoutGroup.room: room, BreakoutGroup.updated_at: now}).where(
                    BreakoutGroup.id.is_in(ids))
        if changed:
            await _mark_changed(plan, now)
    return await plan_view(actor, slug)


# --------------------------------------------------------------------------- publishing


def _snapshot(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return (row["group_id"], row["theme_key"], row["theme_title"], row["group_number"], row["room"])


async def publish_plan(actor: Principal, slug: str) -> dict[str, Any]:
    """Show the draft to the attendees. A person's published row (and its calendar SEQUENCE and update time)
    changes only when their group, theme, number or room changed since the last publication."""
    event, plan, _ = await _edit_context(actor, slug)
    titles = {t["key"]: t["title"] for t in await _themes(event["id"])}
    live = {h.id for h in await ticket_holders(event_id=event["id"])}
    now = utcnow()
    async with write_transaction():
        await _lock_plan(plan["id"])
        draft = await _draft(plan["id"])
        old = {(r["attendee"], r["round_number"]): r for r in await PublishedBreakout.select().where(
            PublishedBreakout.plan == plan["id"])}
        rows = []
        for (attendee, round_number), gid in sorted(draft.placement.items()):
            group = draft.groups.get(gid)
            if group is None or attendee not in live or round_number > plan["rounds"]:
                continue
            new = {"group_id": gid, "theme_key": group["theme_key"],
                   "theme_title": titles.get(group["theme_key"], group["theme_key"]),
                   "group_number": group["number"], "room": group["room"]}
            before = old.get((attendee, round_number))
            if before is None:
                sequence, updated_at = 0, now
            elif _snapshot(before) == _snapshot(new):
                sequence, updated_at = before["sequence"], as_utc(before["updated_at"])
            else:
                sequence, updated_at = before["sequence"] + 1, now
            rows.append((plan["id"], event["id"], attendee, round_number, new["group_id"], new["theme_key"],
                         new["theme_title"], new["group_number"], new["room"], sequence, updated_at))
        await PublishedBreakout.delete().where(PublishedBreakout.plan == plan["id"])
        await _insert_rows(PublishedBreakout, ("plan", "event", "attendee", "round_number", "group_id", "theme_key",
                                               "theme_title", "group_number", "room", "sequence", "updated_at"), rows)
        await BreakoutPlan.update({
            BreakoutPlan.status: "published", BreakoutPlan.changed_since_publish: False,
            BreakoutPlan.published_at: now, BreakoutPlan.updated_at: now,
            BreakoutPlan.publish_count: BreakoutPlan.publish_count + 1,
        }).where(BreakoutPlan.id == plan["id"])
    return await plan_view(actor, slug)


# --------------------------------------------------------------------------- what attendees see


async def my_breakouts(actor: Principal, slug: str) -> dict[str, Any]:
    """Your own published group per round: theme, group number, room and the round's times from the agenda."""
    event = await _visible_event(slug, actor)
    place = await _member_place(actor, event)
    plan = await _plan(event["id"])
    if plan is None or plan["published_at"] is None:
        raise PlanNotPublished("De breakoutgroepen zijn nog niet bekendgemaakt.")
    rows = await PublishedBreakout.select().where(
        (PublishedBreakout.plan == plan["id"]) & (PublishedBreakout.attendee == place.id)
    ).order_by(PublishedBreakout.round_number)
    sessions = await _breakout_sessions([event["id"]])
    tz = event["timezone"]
    rounds = []
    for row in rows:
        session = sessions.get((event["id"], row["round_number"]))
        starts_at = as_utc(session["starts_at"]) if session else None
        ends_at = as_utc(session["ends_at"]) if session else None
        rounds.append({
            "round": row["round_number"], "group_id": row["group_id"], "theme": row["theme_key"],
            "theme_title": row["theme_title"], "group_number": row["group_number"], "room": row["room"],
            "starts_at": starts_at, "ends_at": ends_at,
            "starts_at_local": event_rules.to_local(starts_at, tz).isoformat() if starts_at else None,
            "ends_at_local": event_rules.to_local(ends_at, tz).isoformat() if ends_at else None,
            "updated_at": as_utc(row["updated_at"]),
        })
    return {"event": event["slug"], "event_title": event["title"], "timezone": tz,
            "published_at": as_utc(plan["published_at"]), "rounds": rounds}


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
    from ticketing.service import places_voided_by_cancellation  # cancelling an event voids every ticket

    places |= await places_voided_by_cancellation(member_id)
    if not places:
        return []
    rows = await PublishedBreakout.select().where(PublishedBreakout.attendee.is_in(sorted(places)))
    if not rows:
        return []
    event_ids = sorted({r["event"] for r in rows})
    events = {e["id"]: e for e in await Event.select(
        Event.id, Event.title, Event.timezone, Event.status, Event.sequence, Event.updated_at, Event.cancelled_at,
    ).where(Event.id.is_in(event_ids))}
    sessions = await _breakout_sessions(event_ids)
    out = []
    for row in sorted(rows, key=lambda r: (r["event"], r["round_number"])):
        event, session = events.get(row["event"]), sessions.get((row["event"], row["round_number"]))
        if event is None or session is None or event["status"] == "draft":
            continue
        cancelled = event["status"] == "cancelled"
        if cancelled and now - (as_utc(event["cancelled_at"]) or as_utc(event["updated_at"])) > CANCELLED_RETENTION:  # type: ignore[operator]
            continue
        stamps = [as_utc(row["updated_at"]), as_utc(session["updated_at"]), as_utc(event["updated_at"])]
        out.append(CalendarBreakout(
            round_number=row["round_number"], member_id=member_id, event_id=row["event"],
            event_title=event["title"], theme_label=row["theme_title"], group_number=row["group_number"],
            room=row["room"], start_utc=as_utc(session["starts_at"]), end_utc=as_utc(session["ends_at"]),
            updated_at=max(s for s in stamps if s is not None),
            sequence=row["sequence"] + session["sequence"] + event["sequence"], session_id=session["id"],
            timezone=event["timezone"], cancelled=cancelled,
        ))
    return out
