"""The waiting list of a sold-out event: a duo joins (the companion rule checked as when ordering), waits in line,
and gets an OFFER when a seat comes free; the organiser sees the list and may send the next offer by hand.

An offer is an order. When a seat is free and a duo waits, `offer_free_seats` takes the seat with the same
conditional UPDATE as ordering (`… WHERE seats_taken < capacity_duos`) and, in that transaction, makes the first
waiting duo a held order (`pending_payment` until the offer expires, ticketing.rules.offer_duration) with
`orders.insert_duo`, the function ordering uses. So an offered seat is a held seat: counted in `seats_taken`,
never oversold, expired by the same job as any hold, paid on the usual payment page, cancelled (declined) like
any hold. What became of an offer is read from its order (rules.offer_outcome); when it expires, is declined
or its payment fails, the seat is freed and offered to the next duo.

Who gets a seat is decided under the event's row lock: the seat UPDATE locks it on PostgreSQL (SQLite's
`BEGIN IMMEDIATE` serialises all writers), and joining and ordering take the same lock, so two workers freeing
seats at once make their offers one after the other, each to the first duo still waiting (no duo twice, none
skipped); and ordering refuses a free seat while a duo waits (ticketing.orders.reserve_duo). For that the event
row counts the duos waiting (`Event.waiting_duos`): every change of who waits happens in `_changing_the_line`,
which takes the event's row lock first and sets the count before COMMIT, so ordering's seat UPDATE
(`… AND waiting_duos = 0`) decides in one statement, on the newest row, whether a free seat is its to take.

Seats are offered from every place that frees one (expired holds: ticketing.jobs; cancellations:
ticketing.cancellation; failed payments: ticketing.payments; a raised capacity: the hook below) and by the
`ticketing.waiting_lists` job, which also closes the lists of events whose sales ended. One person has at most
one place per event across tickets, holds, offers and the list (matched by normalised e-mail address).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import msgspec

from core import ratelimit
from core.db import as_utc, unique_violation_raises, utcnow, write_transaction
from core.errors import NotFound
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from events import rules as event_rules
from events import service as events_service
from events.rules import EventStatus, SalesState
from events.tables import Event
from members.rules import normalise_email
from members.tables import Member
from ticketing import access, orders, rules, state
from ticketing.companions import CompanionIn, check_no_live_place, check_not_waiting, judge_companion
from ticketing.errors import (
    AlreadyWaiting,
    CompanionRefused,
    NobodyWaiting,
    NoFreeSeat,
    SeatsAvailable,
    WaitingEntryNotFound,
)
from ticketing.results import (
    OrganiserWaitingEntryOut,
    WaitingEntryOut,
    WaitingEventRef,
    WaitingListEventOut,
    WaitingListFiguresOut,
    WaitingListOut,
    WaitingListSettingsOut,
    WaitingListSummaryOut,
)
from ticketing.rules import OfferOutcome, WaitingStatus
from ticketing.state import SYSTEM, Actor
from ticketing.tables import Attendee, TicketOrder, WaitingEntry, WaitingList

log = logging.getLogger("nieuw_geluid.ticketing")

# Joining stores a companion's details; a few duos a member an hour is plenty for real use.
JOIN_PER_MEMBER = ratelimit.Limit("waiting_list_join", 10, 60 * 60)
# Mail kinds in the outbox (composed by ticketing.waitlist_mail).
OFFER_MAIL, REFUSED_MAIL, CLOSED_MAIL = "waitlist_offer", "waitlist_refused", "waitlist_closed"
WAITING = WaitingStatus.WAITING
ENDED_REASON_PLACE_NL = "Een van jullie had inmiddels al een plek voor dit evenement."
ENDED_REASON_PLACE_EN = "One of you had meanwhile got a place at this event."


# --------------------------------------------------------------------------- reading


def sales_close(event: Mapping[str, Any]) -> datetime:
    """When ticket sales end: the sales end, or else the start of the event (events.rules.sales_state)."""
    close = as_utc(event["sales_end"]) or as_utc(event["starts_at"])
    assert close is not None
    return close


def _sales(event: Mapping[str, Any], now: datetime) -> SalesState:
    starts_at = as_utc(event["starts_at"])
    assert starts_at is not None
    return event_rules.sales_state(status=event["status"], now=now, starts_at=starts_at,
                                   sales_start=as_utc(event["sales_start"]), sales_end=as_utc(event["sales_end"]))


async def list_settings(event_id: int) -> WaitingListSettingsOut:
    """The event's list settings (the defaults when nobody joined and the organiser changed nothing)."""
    row = await WaitingList.select().where(WaitingList.event == event_id).first()
    if row is None:
        return WaitingListSettingsOut(offer_hours=rules.DEFAULT_OFFER_HOURS, auto_offer=True, closed_at=None)
    return WaitingListSettingsOut(offer_hours=row["offer_hours"], auto_offer=bool(row["auto_offer"]),
                                  closed_at=as_utc(row["closed_at"]))


async def _waiting_ids(event_id: int) -> list[int]:
    rows = await WaitingEntry.select(WaitingEntry.id).where(
        (WaitingEntry.event == event_id) & (WaitingEntry.status == WAITING)).order_by(WaitingEntry.id)
    return [r["id"] for r in rows]


async def duos_waiting(event_id: int) -> int:
    return await WaitingEntry.count().where((WaitingEntry.event == event_id) & (WaitingEntry.status == WAITING))


async def public_state(slug: str, viewer: Principal | None, now: datetime | None = None) -> WaitingListSummaryOut:
    """What the event page says about the list: whether a duo may join now and how many wait (no names)."""
    now = now or utcnow()
    event = await access.event_by_slug(slug, viewer)
    waiting = await duos_waiting(event["id"])
    return WaitingListSummaryOut(duos_waiting=waiting,
                                 can_join=rules.may_join(sales=_sales(event, now),
                                                         seats_free=event["capacity_duos"] - event["seats_taken"],
                                                         duos_waiting=waiting))


def _outcome(entry: Mapping[str, Any], order: Mapping[str, Any] | None) -> str | None:
    if entry["status"] != WaitingStatus.OFFERED or order is None:
        return None
    return rules.offer_outcome(order["status"], order["paid_at"] is not None).value


async def _entry_views(entries: Sequence[Mapping[str, Any]]) -> list[WaitingEntryOut]:
    """Each entry with its event, position in line (while waiting) and its offer's outcome, and the companion as
    the member typed them."""
    if not entries:
        return []
    event_ids = list({e["event"] for e in entries})
    events = {e["id"]: e for e in await Event.select().where(Event.id.is_in(event_ids))}
    waiting = await WaitingEntry.select(WaitingEntry.id, WaitingEntry.event).where(
        WaitingEntry.event.is_in(event_ids) & (WaitingEntry.status == WAITING))
    positions = {eid: rules.queue_positions(w["id"] for w in waiting if w["event"] == eid) for eid in event_ids}
    counts = {eid: len(positions[eid]) for eid in event_ids}
    order_ids = [e["order"] for e in entries if e["order"]]
    orders_by_id = {o["id"]: o for o in await TicketOrder.select().where(TicketOrder.id.is_in(order_ids or [-1]))}
    out = []
    for entry in entries:
        event = events[entry["event"]]
        order = orders_by_id.get(entry["order"]) if entry["order"] else None
        out.append(WaitingEntryOut(
            id=entry["id"], status=entry["status"], position=positions[entry["event"]].get(entry["id"]),
            duos_waiting=counts[entry["event"]],
            event=WaitingEventRef(id=event["id"], slug=event["slug"], title=event["title"],
                                  starts_at=as_utc(event["starts_at"]), timezone=event["timezone"]),
            companion_name=entry["companion_name"], companion_email=entry["companion_email"],
            joined_at=as_utc(entry["joined_at"]), offered_at=as_utc(entry["offered_at"]),
            offer_expires_at=as_utc(entry["offer_expires_at"]), offered_by=entry["offered_by"] or None,
            order_id=entry["order"], offer_outcome=_outcome(entry, order), ended_at=as_utc(entry["ended_at"]),
            reason_nl=entry["reason_nl"], reason_en=entry["reason_en"]))
    return out


async def _organiser_entry_views(entries: Sequence[Mapping[str, Any]]) -> list[OrganiserWaitingEntryOut]:
    """`_entry_views` for the organiser, who also sees the member who joined."""
    if not entries:
        return []
    members = {m["id"]: m for m in await Member.select(Member.id, Member.name, Member.email).where(
        Member.id.is_in([e["member"] for e in entries]))}
    out = []
    for entry, view in zip(entries, await _entry_views(entries), strict=True):
        member = members.get(entry["member"])
        out.append(OrganiserWaitingEntryOut(**msgspec.structs.asdict(view),
                                            member_name=member["name"] if member else "",
                                            member_email=member["email"] if member else entry["buyer_email"]))
    return out


async def _own_entry(actor: Principal, entry_id: int) -> dict[str, Any]:
    row = await WaitingEntry.select().where((WaitingEntry.id == entry_id) & (WaitingEntry.member == actor.id)).first()
    if row is None:
        raise WaitingEntryNotFound(_l("Deze plek op de wachtlijst bestaat niet."))
    return row


async def get_entry(actor: Principal, entry_id: int) -> WaitingEntryOut:
    """One of the member's own entries (anyone else's: not found)."""
    return (await _entry_views([await _own_entry(actor, entry_id)]))[0]


async def my_entries(actor: Principal) -> list[WaitingEntryOut]:
    """The member's entries, newest first: waiting (with position), offered (with the offer) and past ones."""
    rows = await WaitingEntry.select().where(WaitingEntry.member == actor.id).order_by(WaitingEntry.id,
                                                                                       ascending=False)
    return await _entry_views(rows)


# --------------------------------------------------------------------------- joining and leaving


async def _lock_event(event_id: int) -> dict[str, Any]:
    """Touch the event's row (a no-op UPDATE) to take its row lock on PostgreSQL: serialises with seat-taking."""
    rows = await Event.update({Event.seats_taken: Event.seats_taken}).where(Event.id == event_id).returning(
        *Event.all_columns())
    if not rows:
        raise NotFound(_l("Dit evenement bestaat niet."))
    return rows[0]


_COUNT_WAITING = ("UPDATE event SET waiting_duos = (SELECT COUNT(*) FROM waiting_entry w WHERE w.event = {} "
                  "AND w.status = {}) WHERE id = {}")


@asynccontextmanager
async def _changing_the_line(event_id: int, *, locked: bool = False) -> AsyncIterator[dict[str, Any]]:
    """A transaction that changes who waits for the event (joining, leaving, an offer, a refusal, the close).

    The event's row lock comes first (`_lock_event`; with `locked` the block's own first statement takes it, a
    seat UPDATE), then the block's changes, then `Event.waiting_duos` is set to the count of duos waiting,
    all before COMMIT. Every change of who waits goes through here, so the count read under the lock (by
    ordering's seat UPDATE, or a later statement of a transaction holding the lock) is exact. The count is taken
    in a statement after the lock, never in the statement that waits for it: a subquery would see the line as it
    was before the lock holder committed. Yields the event row as locked (empty with `locked`)."""
    async with write_transaction():
        event = {} if locked else await _lock_event(event_id)
        yield event
        await Event.raw(_COUNT_WAITING, event_id, str(WAITING), event_id)


async def _ensure_list(event_id: int, now: datetime) -> None:
    await WaitingList.insert(WaitingList(event=event_id, offer_hours=rules.DEFAULT_OFFER_HOURS, auto_offer=True,
                                         created_at=now, updated_at=now)).on_conflict(
        target=WaitingList.event, action="DO NOTHING")


async def join(actor: Principal, slug: str, companion: CompanionIn, now: datetime | None = None
               ) -> WaitingEntryOut:
    """The member joins the event's waiting list with their companion, while no seat is free for them.

    The companion is judged by `judge_companion`, as when ordering (same rule, same codes and reasons), and
    judged again when the duo's turn comes. Neither person may hold a place or wait already."""
    now = now or utcnow()
    event = await access.event_by_slug(slug, actor)
    orders.check_sales_open(event, now)
    await ratelimit.enforce(JOIN_PER_MEMBER, f"member:{actor.id}")
    buyer = await Member.select().where(Member.id == actor.id).first()
    if buyer is None:
        raise NotFound(_l("Dit account bestaat niet (meer)."))
    await judge_companion(event, buyer["email"], companion)
    emails = [normalise_email(buyer["email"]), normalise_email(companion.email)]
    # Friendly early answers; under the lock below they are asked again, and the unique indexes decide.
    await check_no_live_place(event["id"], emails)
    await check_not_waiting(event["id"], emails)
    with unique_violation_raises(AlreadyWaiting(_l("Jij of je partner staat al op de wachtlijst voor dit evenement."),
                                                field="companion.email")):
        async with _changing_the_line(event["id"]) as fresh:
            if not rules.may_join(sales=_sales(fresh, now), seats_free=fresh["capacity_duos"] - fresh["seats_taken"],
                                  duos_waiting=fresh["waiting_duos"]):
                orders.check_sales_open(fresh, now)
                raise SeatsAvailable(_l("Er zijn nog duoplekken vrij: bestel gewoon een duoticket."))
            await check_no_live_place(event["id"], emails)
            await check_not_waiting(event["id"], emails)
            await _ensure_list(event["id"], now)
            entry_id = (await WaitingEntry.insert(WaitingEntry(
                event=event["id"], member=actor.id, status=WAITING, buyer_email=emails[0],
                companion_name=" ".join(companion.name.split()), companion_email=emails[1],
                companion_birth_date=companion.birth_date, companion_industry=companion.industry,
                companion_organisation=companion.organisation.strip(), joined_at=now,
            )).returning(WaitingEntry.id))[0]["id"]
    # Seats may be free while others wait (a raised capacity, an offer by hand pending): offer them now.
    await offer_free_seats(event["id"], now=now)
    return await get_entry(actor, entry_id)


async def leave(actor: Principal, entry_id: int, now: datetime | None = None) -> WaitingEntryOut:
    """The member leaves the list: while waiting the entry ends at once; an open offer is declined (its held
    order cancelled, the seat offered to the next duo). Leaving again, or after paying, changes nothing."""
    from ticketing.cancellation import cancel_order

    now = now or utcnow()
    entry = await _own_entry(actor, entry_id)
    if entry["status"] == WAITING:
        async with _changing_the_line(entry["event"]):
            await WaitingEntry.update({WaitingEntry.status: WaitingStatus.LEFT, WaitingEntry.ended_at: now,
                                       WaitingEntry.companion_birth_date: None}).where(
                (WaitingEntry.id == entry_id) & (WaitingEntry.status == WAITING))
    elif entry["status"] == WaitingStatus.OFFERED and entry["order"]:
        order = await TicketOrder.select(TicketOrder.status).where(TicketOrder.id == entry["order"]).first()
        if order is not None and order["status"] == rules.PENDING:
            await cancel_order(actor, entry["order"], now=now)  # frees the seat and offers it on
    return await get_entry(actor, entry_id)


async def forget_waiting_entries(member_id: int) -> int:
    """The member deletes their account: their entries go (and with them the companion they typed). An open
    offer stays an order like any other (members.personal_data refuses deletion while a ticket is live)."""
    gone = 0
    waiting_at = await WaitingEntry.select(WaitingEntry.event).where(
        (WaitingEntry.member == member_id) & (WaitingEntry.status == WAITING)).distinct()
    for row in waiting_at:  # the duos that stop waiting leave each line as leaving does
        async with _changing_the_line(row["event"]):
            gone += len(await WaitingEntry.delete().where(
                (WaitingEntry.member == member_id) & (WaitingEntry.event == row["event"])).returning(WaitingEntry.id))
    gone += len(await WaitingEntry.delete().where(WaitingEntry.member == member_id).returning(WaitingEntry.id))
    return gone


# --------------------------------------------------------------------------- offers


class _Rollback(Exception):
    """Nothing to offer after all (no seat, or nobody waiting): undo the transaction."""


def _companion_of(entry: Mapping[str, Any]) -> CompanionIn:
    return CompanionIn(name=entry["companion_name"], email=entry["companion_email"],
                       industry=entry["companion_industry"], birth_date=entry["companion_birth_date"],
                       organisation=entry["companion_organisation"])


async def _end_entry(entry: Mapping[str, Any], status: WaitingStatus, now: datetime, kind: str,
                     reason_nl: str = "", reason_en: str = "") -> bool:
    """End a waiting entry (refused or closed) and queue the mail that says so; False when it no longer waited."""
    ended = await WaitingEntry.update({
        WaitingEntry.status: status, WaitingEntry.ended_at: now, WaitingEntry.companion_birth_date: None,
        WaitingEntry.reason_nl: reason_nl, WaitingEntry.reason_en: reason_en,
    }).where((WaitingEntry.id == entry["id"]) & (WaitingEntry.status == WAITING)).returning(WaitingEntry.id)
    if ended:
        await state.enqueue_mail(kind, None, None, entry["buyer_email"], f"{kind}:{entry['id']}", now,
                                 waiting_entry_id=entry["id"])
    return bool(ended)


async def _offer_one(event_id: int, now: datetime, by: Actor) -> str:
    """Offer one free seat to the first duo in line that the rule still admits: 'offered', or why not
    ('no_seat', 'nobody', 'closed')."""
    event = await Event.select().where(Event.id == event_id).first()
    if event is None or _sales(event, now) != SalesState.OPEN:
        return "closed"
    expires_at = rules.offer_expires_at(now, (await list_settings(event_id)).offer_hours, sales_close(event))
    if expires_at is None:
        return "closed"
    try:
        async with _changing_the_line(event_id, locked=True):
            # The seat first: its UPDATE takes the event's row lock, so whoever holds it next reads the line
            # (and its count, set before COMMIT by `_changing_the_line`) as this transaction leaves it.
            taken = await Event.update({Event.seats_taken: Event.seats_taken + 1}).where(
                (Event.id == event_id) & (Event.seats_taken < Event.capacity_duos)
                & (Event.status == EventStatus.PUBLISHED)
            ).returning(*Event.all_columns())
            if not taken:
                raise _Rollback("no_seat")
            event = taken[0]
            ended_any = False
            while True:
                entry = await WaitingEntry.select().where(
                    (WaitingEntry.event == event_id) & (WaitingEntry.status == WAITING)
                ).order_by(WaitingEntry.id).first()
                if entry is None:
                    if not ended_any:
                        raise _Rollback("nobody")
                    # Keep the entries that were ended (and their mails); give the seat back.
                    await Event.update({Event.seats_taken: Event.seats_taken - 1}).where(
                        (Event.id == event_id) & (Event.seats_taken > 0))
                    return "nobody"
                buyer = await Member.select().where(Member.id == entry["member"]).first()
                assert buyer is not None  # the entry goes with the account (ON DELETE CASCADE)
                companion = _companion_of(entry)
                try:
                    judged = await judge_companion(event, buyer["email"], companion)
                except CompanionRefused as exc:
                    ended_any |= await _end_entry(entry, WaitingStatus.REFUSED, now, REFUSED_MAIL,
                                                  str(exc.extra.get("reason_nl", exc.message)),
                                                  str(exc.extra.get("reason_en", "")))
                    continue
                emails = [normalise_email(buyer["email"]), entry["companion_email"]]
                if await Attendee.exists().where((Attendee.event == event_id) & Attendee.live.eq(True)
                                                 & Attendee.email.is_in(emails)):
                    ended_any |= await _end_entry(entry, WaitingStatus.REFUSED, now, REFUSED_MAIL,
                                                  ENDED_REASON_PLACE_NL, ENDED_REASON_PLACE_EN)
                    continue
                free = event["price_cents"] == 0
                order_id = await orders.insert_duo(event, buyer, companion, judged, now, by, expires_at=expires_at,
                                                   waiting_entry=entry["id"])
                await WaitingEntry.update({
                    WaitingEntry.status: WaitingStatus.OFFERED, WaitingEntry.order: order_id,
                    WaitingEntry.offered_at: now, WaitingEntry.offer_expires_at: None if free else expires_at,
                    WaitingEntry.offered_by: by.label, WaitingEntry.companion_birth_date: None,
                }).where(WaitingEntry.id == entry["id"])
                if not free:  # a free event's duo is mailed its tickets (insert_duo): nothing to accept
                    await state.enqueue_mail(OFFER_MAIL, order_id, None, buyer["email"],
                                             f"{OFFER_MAIL}:{entry['id']}", now, waiting_entry_id=entry["id"])
                return "offered"
    except _Rollback as why:
        return str(why)


async def offer_free_seats(event_id: int, now: datetime | None = None, *, by: Actor = SYSTEM,
                           limit: int | None = None) -> int:
    """Offer every free seat of the event to the duos waiting, first come first served (one transaction per
    offer). Automatic offers follow the organiser's setting; `by` an organiser offers regardless. Safe to
    call from any number of workers at once. Returns how many offers were made."""
    now = now or utcnow()
    if by is SYSTEM and not (await list_settings(event_id)).auto_offer:
        return 0
    made = 0
    while limit is None or made < limit:
        # A cheap read first: most calls find nothing to do and need no write transaction.
        event = await Event.select(Event.seats_taken, Event.capacity_duos, Event.waiting_duos).where(
            Event.id == event_id).first()
        if event is None or event["seats_taken"] >= event["capacity_duos"] or not event["waiting_duos"]:
            break
        outcome = await _offer_one(event_id, now, by)
        if outcome != "offered":
            if outcome == "nobody":
                continue  # the first in line were refused; maybe more are waiting
            break
        made += 1
    return made


async def seat_freed(event_id: int) -> None:
    """Called where a seat is freed (after that commit): offer it to the waiting list. Never raises: the seat is
    offered by the background job when this fails."""
    try:
        await offer_free_seats(event_id)
    except Exception:  # the caller's own change has been committed and must be answered
        log.exception("Offering the freed seats of event %s failed; the waiting-list job tries again", event_id)


async def _capacity_raised(event_id: int) -> None:
    await seat_freed(event_id)


events_service.on_capacity_raised(_capacity_raised)


async def offer_next(actor: Principal, slug: str, now: datetime | None = None) -> WaitingListOut:
    """The organiser offers a free seat to the next duo by hand (also when automatic offers are off)."""
    now = now or utcnow()
    event = await access.managed_event(actor, slug)
    orders.check_sales_open(event, now)
    if not await duos_waiting(event["id"]):
        raise NobodyWaiting(_l("Er staat niemand op de wachtlijst."))
    if event["seats_taken"] >= event["capacity_duos"]:
        raise NoFreeSeat(_l("Er is geen duoplek vrij om aan te bieden. Verhoog de capaciteit, of wacht tot er een "
                            "plek vrijkomt."))
    if not await offer_free_seats(event["id"], now, by=Actor(actor.id, "organiser"), limit=1):
        raise NoFreeSeat(_l("Er is geen duoplek vrij om aan te bieden."))
    return await organiser_list(actor, slug)


# --------------------------------------------------------------------------- closing


async def close_list(event_id: int, now: datetime | None = None) -> int:
    """Sales ended or the event was cancelled: every duo still waiting is told, and the list is closed.
    Open offers keep their held seat until they expire (never after the close of sales). Idempotent."""
    now = now or utcnow()
    closed = 0
    for entry in await WaitingEntry.select().where(
            (WaitingEntry.event == event_id) & (WaitingEntry.status == WAITING)).order_by(WaitingEntry.id):
        async with _changing_the_line(event_id):
            closed += await _end_entry(entry, WaitingStatus.CLOSED, now, CLOSED_MAIL)
    if closed:
        await WaitingList.update({WaitingList.closed_at: now, WaitingList.updated_at: now}).where(
            WaitingList.event == event_id)
    return closed


async def tend_waiting_lists(now: datetime | None = None) -> dict[str, int]:
    """The background job: for every event with duos waiting, close the list when sales have ended, else offer
    any free seat (so a seat freed where no offer followed, say a worker stopped in between, is never missed)."""
    now = now or utcnow()
    counts = {"offered": 0, "closed": 0}
    rows = await WaitingEntry.select(WaitingEntry.event).where(WaitingEntry.status == WAITING).distinct()
    for row in rows:
        event = await Event.select().where(Event.id == row["event"]).first()
        if event is None:
            continue
        if _sales(event, now) in (SalesState.CLOSED, SalesState.CANCELLED):
            counts["closed"] += await close_list(event["id"], now)
        else:
            counts["offered"] += await offer_free_seats(event["id"], now)
    return counts


# --------------------------------------------------------------------------- the organiser


async def organiser_list(actor: Principal, slug: str) -> WaitingListOut:
    """The event's list for its organiser: everyone who joined (position while waiting, who, since when, the
    offer and its outcome), the settings and the figures (offers made, paid, conversion)."""
    event = await access.managed_event(actor, slug)
    rows = await WaitingEntry.select().where(WaitingEntry.event == event["id"]).order_by(WaitingEntry.id)
    entries = await _organiser_entry_views(rows)
    return WaitingListOut(
        event=WaitingListEventOut(id=event["id"], slug=event["slug"], title=event["title"],
                                  capacity_duos=event["capacity_duos"], seats_taken=event["seats_taken"],
                                  status=event["status"]),
        settings=await list_settings(event["id"]), figures=figures_of(entries), entries=entries)


def figures_of(entries: Sequence[WaitingEntryOut]) -> WaitingListFiguresOut:
    """How the list did: duos waiting, offers made and what became of them, the conversion (offers paid)."""
    outcomes = [e.offer_outcome for e in entries if e.offer_outcome]
    accepted = outcomes.count(OfferOutcome.ACCEPTED)
    return WaitingListFiguresOut(
        waiting=sum(1 for e in entries if e.status == WAITING), joined=len(entries), offers=len(outcomes),
        open=outcomes.count(OfferOutcome.OPEN), accepted=accepted, declined=outcomes.count(OfferOutcome.DECLINED),
        expired=outcomes.count(OfferOutcome.EXPIRED), payment_failed=outcomes.count(OfferOutcome.PAYMENT_FAILED),
        refused=sum(1 for e in entries if e.status == WaitingStatus.REFUSED),
        left=sum(1 for e in entries if e.status == WaitingStatus.LEFT),
        closed=sum(1 for e in entries if e.status == WaitingStatus.CLOSED),
        conversion=rules.conversion(len(outcomes), accepted))


async def figures_for_event(event_id: int) -> WaitingListFiguresOut:
    """The figures alone, for the sales overview (ticketing.attendees.sales_summary checks who may see them)."""
    rows = await WaitingEntry.select().where(WaitingEntry.event == event_id)
    return figures_of(await _entry_views(rows))


async def update_settings(actor: Principal, slug: str, *, offer_hours: int | None = None,
                          auto_offer: bool | None = None, now: datetime | None = None) -> WaitingListOut:
    """The organiser sets how long an offer lasts (1–168 hours) and whether seats are offered automatically.
    Turning automatic offers back on offers the free seats at once."""
    now = now or utcnow()
    event = await access.managed_event(actor, slug)
    await _ensure_list(event["id"], now)
    values: dict[Any, Any] = {WaitingList.updated_at: now}
    if offer_hours is not None:
        values[WaitingList.offer_hours] = min(max(offer_hours, rules.MIN_OFFER_HOURS), rules.MAX_OFFER_HOURS)
    if auto_offer is not None:
        values[WaitingList.auto_offer] = auto_offer
    await WaitingList.update(values).where(WaitingList.event == event["id"])
    if auto_offer:
        await seat_freed(event["id"])
    return await organiser_list(actor, slug)

