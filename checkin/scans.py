"""Checking people in at the door: one scan, a batch of scans queued offline, and undoing a mistaken check-in.

One path for all: a scan (a code read from the QR or typed, or a ticket found by name) is judged by
`checkin.rules.judge_ticket`; a ticket that may enter gets a check-in row, unless it has one already. The database
has the last word on "one active check-in per ticket" (a partial unique index, inserted with ON CONFLICT DO
NOTHING), so two phones scanning the same code at the same moment end in one check-in on either engine, and the
loser is told "already in". Two phones that scanned one code while offline end in the earliest scan
(`checkin.rules.reconcile`): a later scan is told "already in"; an earlier one replaces the stored check-in, which
is kept, undone with the reason `superseded`. Sending a scan or a batch again changes nothing.

Green and orange are `ScanOut`s (already in is 200 with a flag, see checkin.rules); red is a `DoorRefusal`
(single scan) or a `RefusalOut` in the batch's results.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from checkin import rules
from checkin.access import DoorEvent, door_event
from checkin.errors import (
    CheckInNotFound,
    TicketCancelled,
    TicketOtherEvent,
    TicketUnknown,
    TicketUnpaid,
    TicketVoided,
)
from checkin.rules import Collision, Scan, TicketFacts, UndoReason, Verdict
from checkin.schemas import (
    BatchIn,
    BatchItemOut,
    BatchOut,
    CheckInOut,
    OtherEventOut,
    PartnerOut,
    PersonOut,
    RefusalOut,
    ScanIn,
    ScanOut,
    UndoOut,
)
from checkin.tables import CheckIn
from core.db import as_utc, utcnow, write_transaction
from core.errors import Conflict, DomainError, InvalidInput
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from events.rules import to_local
from members.tables import Member
from ticketing.rules import PlaceRole, TicketStatus
from ticketing.tables import Attendee, Ticket


@dataclass(frozen=True, slots=True)
class _Item:
    code: str | None
    ticket: int | None
    scanned_at: datetime | None
    client_id: str | None


def normalise_code(code: str) -> str:
    """A code as printed (upper case, no spaces): typed codes come in every case and with stray spaces."""
    return "".join(code.split()).upper()


async def check_in(actor: Principal, slug: str, scan: ScanIn, now: datetime | None = None) -> ScanOut:
    """Check one person in (green), or say they are in already (orange, 200); red raises the reason's error."""
    event = await door_event(actor, slug)
    item = _item(scan.code, scan.ticket, scan.scanned_at, scan.client_id, "code")
    answer = (await _apply(event, actor, scan.device, [item], now or utcnow()))[0]
    if isinstance(answer, DomainError):
        raise answer
    return answer


async def sync_batch(actor: Principal, slug: str, batch: BatchIn, now: datetime | None = None) -> BatchOut:
    """Scans queued offline, in the order they were made: one result each (refusals included), in that order."""
    event = await door_event(actor, slug)
    items = [_item(i.code, i.ticket, i.scanned_at, i.client_id, f"items[{n}].code") for n, i in enumerate(batch.items)]
    answers = await _apply(event, actor, batch.device, items, now or utcnow())
    return BatchOut(results=[
        BatchItemOut(client_id=item.client_id, outcome="refused", scan=None, refusal=_refusal_out(answer))
        if isinstance(answer, DomainError) else
        BatchItemOut(client_id=item.client_id, outcome=answer.result, scan=answer, refusal=None)
        for item, answer in zip(items, answers, strict=True)])


async def check_in_place(actor: Principal, slug: str, place_id: int, device: str,
                         now: datetime | None = None) -> ScanOut:
    """Someone marked present by hand (on the facilitator's board): their place's ticket, checked in as a scan."""
    ticket = await Ticket.select(Ticket.id).where(Ticket.attendee == place_id).first()
    if ticket is None:
        raise TicketUnknown(_l("Onbekende code: er is geen ticket met deze code."))
    return await check_in(actor, slug, ScanIn(device=device, ticket=ticket["id"]), now)


def _item(code: str | None, ticket: int | None, scanned_at: datetime | None, client_id: str | None,
          field: str) -> _Item:
    if (code is None) == (ticket is None):
        raise InvalidInput(_l("Geef een ticketcode of een ticket op (niet allebei)."), field=field)
    return _Item(normalise_code(code) if code is not None else None, ticket, scanned_at, client_id)


async def _apply(event: DoorEvent, actor: Principal, device: str, items: Sequence[_Item],
                 now: datetime) -> list[ScanOut | DomainError]:
    rows = await _ticket_rows(items)
    by_code = {r["code"]: r for r in rows}
    by_id = {r["id"]: r for r in rows}
    found: list[dict[str, Any] | None] = [by_code.get(i.code) if i.code is not None else by_id.get(i.ticket or 0)
                                          for i in items]
    verdicts = [rules.judge_ticket(_facts(row), event.id) for row in found]
    kept: dict[int, tuple[dict[str, Any], bool, bool]] = {}
    admitted = [n for n, v in enumerate(verdicts) if v.admits]
    if admitted:
        async with write_transaction():
            for n in admitted:
                row = found[n]
                assert row is not None
                scan = Scan(rules.scan_time(items[n].scanned_at, now), device, items[n].client_id or "",
                            claimed=items[n].scanned_at is not None)
                kept[n] = await _record(row, event.id, scan, actor, now)
    orders = {row["order"] for n in admitted if (row := found[n]) is not None}
    views = await _scan_views([kept[n][0] for n in admitted], orders)
    out: list[ScanOut | DomainError] = []
    for n in range(len(items)):
        if n in kept:
            checkin, already, replaced = kept[n]
            person, partner, view = views[checkin["id"]]
            out.append(ScanOut(result="already_checked_in" if already else "checked_in", already_checked_in=already,
                               person=person, partner=partner, checkin=view, replaced_later_scan=replaced))
        else:
            out.append(refusal_error(verdicts[n], found[n], event))
    return out


async def _ticket_rows(items: Sequence[_Item]) -> list[dict[str, Any]]:
    codes = sorted({i.code for i in items if i.code is not None})
    ids = sorted({i.ticket for i in items if i.ticket is not None})
    if not codes and not ids:
        return []
    # An empty IN list matches nothing on either engine's side: [""] and [0] stand in for "none of these".
    where = Ticket.code.is_in(codes or [""]) | Ticket.id.is_in(ids or [0])
    return await Ticket.select(
        Ticket.id, Ticket.code, Ticket.event, Ticket.status, Ticket.voided_at, Ticket.attendee, Ticket.order,
        Ticket.order.status.as_alias("order_status"), Ticket.attendee.voided_at.as_alias("place_voided_at"),
        Ticket.attendee.name.as_alias("name"), Ticket.event.title.as_alias("event_title"),
        Ticket.event.starts_at.as_alias("event_starts_at"),
    ).where(where)


def _facts(row: Mapping[str, Any] | None) -> TicketFacts | None:
    if row is None:
        return None
    return TicketFacts(event_id=row["event"], order_status=row["order_status"], ticket_status=row["status"],
                       place_voided=row["place_voided_at"] is not None)


async def _record(ticket: Mapping[str, Any], event_id: int, scan: Scan, actor: Principal,
                  now: datetime) -> tuple[dict[str, Any], bool, bool]:
    """The active check-in of the ticket after this scan: (row, already in, this scan replaced a later one).

    Inside the caller's write transaction. The loop only repeats when another phone changed the ticket's check-in
    between our read and our write (PostgreSQL; SQLite's BEGIN IMMEDIATE lets nobody in between)."""
    for _ in range(5):
        existing = await CheckIn.select().where(
            (CheckIn.ticket == ticket["id"]) & CheckIn.undone_at.is_null()).first()
        replaced = False
        if existing is not None:
            stored = Scan(as_utc(existing["scanned_at"]), existing["device"], existing["client_ref"])
            collision = rules.reconcile(stored, scan)
            if collision is Collision.SAME:  # answered as the first time, replaced flag included
                return existing, False, await _replaced_one(existing)
            if collision is Collision.LATER:
                return existing, True, False
            superseded = await CheckIn.update({
                CheckIn.undone_at: now, CheckIn.undone_by: actor.id, CheckIn.undo_reason: UndoReason.SUPERSEDED,
            }).where((CheckIn.id == existing["id"]) & CheckIn.undone_at.is_null()).returning(CheckIn.id)
            if not superseded:
                continue
            replaced = True
        inserted = await CheckIn.insert(CheckIn(
            ticket=ticket["id"], event=event_id, attendee=ticket["attendee"], device=scan.device,
            client_ref=scan.ref, scanned_at=scan.scanned_at, received_at=now, checked_in_by=actor.id,
        )).on_conflict(action="DO NOTHING").returning(*CheckIn.all_columns())
        if inserted:
            return inserted[0], False, replaced
    raise Conflict(_l("Dit ticket werd tegelijk op een andere telefoon gescand; scan opnieuw."))


async def _replaced_one(checkin: Mapping[str, Any]) -> bool:
    """Whether this check-in replaced a later scan when it was stored (that one was superseded at the same moment)."""
    return await CheckIn.exists().where(
        (CheckIn.ticket == checkin["ticket"]) & (CheckIn.undo_reason == UndoReason.SUPERSEDED)
        & (CheckIn.undone_at == checkin["received_at"]))


def refusal_error(verdict: Verdict, row: Mapping[str, Any] | None, event: DoorEvent) -> DomainError:
    """The red answer for a refused ticket, with what the door may say: the holder's name (this event's tickets
    only), when a replaced code was replaced, which event another event's ticket is for."""
    zone = event.timezone
    if verdict is Verdict.UNKNOWN or row is None:
        return TicketUnknown(_l("Onbekende code: er is geen ticket met deze code."))
    if verdict is Verdict.OTHER_EVENT:
        starts_at = as_utc(row["event_starts_at"])
        assert starts_at is not None
        day = f"{to_local(starts_at, zone):%d-%m-%Y}"
        return TicketOtherEvent(_l("Dit ticket is voor een ander evenement: %(title)s op %(day)s.",
                                   title=row["event_title"], day=day),
                                event=OtherEventOut(title=row["event_title"], starts_at=starts_at))
    name = row["name"]
    if verdict is Verdict.VOIDED:
        voided_at = as_utc(row["place_voided_at"] or row["voided_at"])
        day = f"{to_local(voided_at, zone):%d-%m-%Y}" if voided_at else "?"
        return TicketVoided(_l("Deze code is vervangen op %(day)s: de koper heeft een andere partner opgegeven.",
                               day=day),
                            name=name, voided_at=voided_at)
    if verdict is Verdict.CANCELLED:
        return TicketCancelled(_l("Dit duo is geannuleerd of terugbetaald: dit ticket geldt niet meer."), name=name,
                               voided_at=as_utc(row["voided_at"]))
    return TicketUnpaid(_l("Dit duo is niet betaald: dit ticket geldt niet."), name=name)


def _refusal_out(error: DomainError) -> RefusalOut:
    return RefusalOut(code=error.code, detail=error.message, voided_at=error.extra.get("voided_at"),
                      event=error.extra.get("event"), name=error.extra.get("name"))


async def _scan_views(checkins: Sequence[Mapping[str, Any]], orders: set[int]
                      ) -> dict[int, tuple[PersonOut, PartnerOut | None, CheckInOut]]:
    """Per check-in: the person, their duo partner with the partner's state, and the check-in itself."""
    if not checkins:
        return {}
    places = await Attendee.select(
        Attendee.id, Attendee.order, Attendee.role, Attendee.name, Attendee.voided_at,
    ).where(Attendee.order.is_in(sorted(orders)))
    tickets = await Ticket.select(Ticket.id, Ticket.attendee, Ticket.status).where(
        Ticket.attendee.is_in([p["id"] for p in places]))
    ticket_of = {t["attendee"]: t for t in tickets}
    active = await CheckIn.select().where(
        CheckIn.ticket.is_in([t["id"] for t in tickets]) & CheckIn.undone_at.is_null())
    active_of = {c["ticket"]: c for c in active}
    names = await member_names([c["checked_in_by"] for c in [*active, *checkins]])
    place_of = {p["id"]: p for p in places}
    out = {}
    for checkin in checkins:
        place = place_of[checkin["attendee"]]
        partner_place = partner_of(place, places)
        partner = None
        if partner_place is not None:
            ticket = ticket_of.get(partner_place["id"])
            admits = (ticket is not None and ticket["status"] == TicketStatus.VALID
                      and partner_place["voided_at"] is None)
            theirs = active_of.get(ticket["id"]) if ticket is not None else None
            partner = PartnerOut(place=partner_place["id"], ticket=ticket["id"] if ticket else None,
                                 name=partner_place["name"], admits=admits,
                                 checkin=checkin_out(theirs, names) if theirs else None)
        person = PersonOut(place=place["id"], ticket=checkin["ticket"], name=place["name"], role=place["role"])
        out[checkin["id"]] = (person, partner, checkin_out(checkin, names))
    return out


def partner_of(place: Mapping[str, Any], places: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The duo partner of a place: for the buyer, the current companion (else the last one); for a companion,
    the buyer."""
    others = [p for p in places if p["order"] == place["order"] and p["id"] != place["id"]]
    if place["role"] == PlaceRole.BUYER:
        companions = sorted((p for p in others if p["role"] == PlaceRole.COMPANION), key=lambda p: p["id"])
        return next((p for p in companions if p["voided_at"] is None), companions[-1] if companions else None)
    return next((p for p in others if p["role"] == PlaceRole.BUYER), None)


async def member_names(member_ids: Sequence[int | None]) -> dict[int, str]:
    ids = sorted({m for m in member_ids if m is not None})
    if not ids:
        return {}
    return {r["id"]: r["name"] for r in await Member.select(Member.id, Member.name).where(Member.id.is_in(ids))}


def checkin_out(row: Mapping[str, Any], names: Mapping[int, str]) -> CheckInOut:
    scanned_at = as_utc(row["scanned_at"])
    assert scanned_at is not None
    return CheckInOut(id=row["id"], scanned_at=scanned_at, device=row["device"],
                      by=names.get(row["checked_in_by"], "") if row["checked_in_by"] is not None else "")


async def undo_check_in(actor: Principal, slug: str, checkin_id: int, now: datetime | None = None) -> UndoOut:
    """Undo a mistaken check-in (kept, with who undid it and when). Undoing it again answers the same."""
    event = await door_event(actor, slug)
    now = now or utcnow()
    async with write_transaction():
        row = await CheckIn.select().where((CheckIn.id == checkin_id) & (CheckIn.event == event.id)).first()
        if row is None:
            raise CheckInNotFound(_l("Deze check-in bestaat niet."))
        if row["undone_at"] is None:
            done = await CheckIn.update({
                CheckIn.undone_at: now, CheckIn.undone_by: actor.id, CheckIn.undo_reason: UndoReason.MISTAKE,
            }).where((CheckIn.id == checkin_id) & CheckIn.undone_at.is_null()).returning(*CheckIn.all_columns())
            row = done[0] if done else await CheckIn.select().where(CheckIn.id == checkin_id).first()
    assert row is not None
    place = await Attendee.select(Attendee.name).where(Attendee.id == row["attendee"]).first()
    names = await member_names([row["undone_by"]])
    undone_at, scanned_at = as_utc(row["undone_at"]), as_utc(row["scanned_at"])
    assert undone_at is not None
    assert scanned_at is not None
    return UndoOut(id=row["id"], ticket=row["ticket"], name=place["name"] if place else "", scanned_at=scanned_at,
                   device=row["device"], undone_at=undone_at, undone_by=names.get(row["undone_by"] or 0, ""),
                   undo_reason=row["undo_reason"])
