"""What the door and the organiser read: the door list (for the scanner's offline copy and its name search), the
arrival figures, and who has not arrived yet (with their partner's state; exportable as CSV). Reads only."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import datetime

import msgspec

from checkin import rules
from checkin.access import DoorEvent, door_event
from checkin.rules import PartnerState, TicketFacts, Verdict
from checkin.scans import checkin_out, member_names, partner_of
from checkin.schemas import ArrivalsOut, BucketOut, DoorEntryOut, DoorListOut
from checkin.tables import CheckIn
from core.db import as_utc, utcnow
from core.principal import Principal
from core.spreadsheet import csv_text
from events.rules import to_local
from ticketing.rules import EXPIRED, PAID, PAYMENT_FAILED, ROLE_WORDS, TicketStatus, words
from ticketing.tables import Attendee, Ticket

# Holds that lapsed unpaid are left out of the door list: whoever let one lapse and ordered again would otherwise
# be found twice by name. A pending hold stays (red: not paid), and so do cancelled and refunded duos (red: why).
_LEFT_OUT = (EXPIRED, PAYMENT_FAILED)


def code_digest(code: str) -> str:
    """The SHA-256 (hex) of a ticket code as printed: what the offline door list holds instead of the code."""
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


async def door_list(actor: Principal, slug: str, now: datetime | None = None) -> DoorListOut:
    """Every place of the event's duos as the door needs it: name, role, partner, verdict, check-in."""
    event = await door_event(actor, slug)
    return await _door_list(event, now or utcnow())


async def _door_list(event: DoorEvent, now: datetime) -> DoorListOut:
    places = await Attendee.select(
        Attendee.id, Attendee.order, Attendee.role, Attendee.name, Attendee.voided_at,
        Attendee.order.status.as_alias("order_status"),
    ).where((Attendee.event == event.id) & Attendee.order.status.not_in(list(_LEFT_OUT))).order_by(Attendee.id)
    tickets = {t["attendee"]: t for t in await Ticket.select(
        Ticket.id, Ticket.attendee, Ticket.code, Ticket.status, Ticket.voided_at).where(Ticket.event == event.id)}
    active = {c["ticket"]: c for c in await CheckIn.select().where(
        (CheckIn.event == event.id) & CheckIn.undone_at.is_null())}
    names = await member_names([c["checked_in_by"] for c in active.values()])
    entries = []
    for place in places:
        ticket = tickets.get(place["id"])
        facts = TicketFacts(event_id=event.id, order_status=place["order_status"],
                            ticket_status=ticket["status"] if ticket else None,
                            place_voided=place["voided_at"] is not None)
        verdict = rules.judge_ticket(facts, event.id)
        partner = partner_of(place, places)
        checkin = active.get(ticket["id"]) if ticket else None
        entries.append(DoorEntryOut(
            place=place["id"], ticket=ticket["id"] if ticket else None,
            code_sha256=code_digest(ticket["code"]) if ticket else None, name=place["name"], role=place["role"],
            order=place["order"], verdict=verdict.value,
            voided_at=as_utc(place["voided_at"] or (ticket["voided_at"] if ticket else None)),
            partner_place=partner["id"] if partner else None,
            checkin=checkin_out(checkin, names) if checkin else None,
        ))
    return DoorListOut(event=event.slug, title=event.title, starts_at=event.starts_at, timezone=event.timezone,
                       generated_at=now, entries=entries)


async def arrivals(actor: Principal, slug: str) -> ArrivalsOut:
    """Persons and duos in against what was sold (valid tickets of paid duos), and arrivals per five minutes."""
    event = await door_event(actor, slug)
    valid = await Ticket.select(Ticket.id, Ticket.order).where(
        (Ticket.event == event.id) & (Ticket.status == TicketStatus.VALID) & (Ticket.order.status == PAID))
    order_of = {t["id"]: t["order"] for t in valid}
    scans = [c for c in await CheckIn.select(CheckIn.ticket, CheckIn.scanned_at).where(
        (CheckIn.event == event.id) & CheckIn.undone_at.is_null()) if c["ticket"] in order_of]
    per_order: dict[int, list[bool]] = defaultdict(list)
    arrived = {c["ticket"] for c in scans}
    for ticket, order in order_of.items():
        per_order[order].append(ticket in arrived)
    complete = sum(1 for ins in per_order.values() if all(ins))
    partial = sum(1 for ins in per_order.values() if any(ins) and not all(ins))
    buckets = rules.arrival_buckets(at for c in scans if (at := as_utc(c["scanned_at"])) is not None)
    return ArrivalsOut(event=event.slug, persons_expected=len(order_of), persons_in=len(arrived),
                       persons_missing=len(order_of) - len(arrived), duos_sold=len(per_order),
                       duos_complete=complete, duos_partial=partial,
                       per_5_minutes=[BucketOut(start=at, persons=n) for at, n in buckets])


class MissingOut(msgspec.Struct, frozen=True):
    """Someone with a valid ticket who has not come in, and their partner's state."""

    place: int
    name: str
    role: str
    partner_name: str
    partner_state: PartnerState
    partner_in_at: datetime | None


async def not_arrived(actor: Principal, slug: str, now: datetime | None = None) -> list[MissingOut]:
    """Who holds a ticket that admits and has not come in, by name, with their partner's state."""
    event = await door_event(actor, slug)
    listing = await _door_list(event, now or utcnow())
    return _missing(listing)


def _missing(listing: DoorListOut) -> list[MissingOut]:
    by_place = {e.place: e for e in listing.entries}
    out = []
    for entry in listing.entries:
        if entry.verdict != Verdict.ADMIT or entry.checkin is not None:
            continue
        partner = by_place.get(entry.partner_place or 0)
        if partner is None:
            state, name, at = PartnerState.NONE, "", None
        elif partner.checkin is not None:
            state, name, at = PartnerState.IN, partner.name, partner.checkin.scanned_at
        else:
            state = PartnerState.EXPECTED if partner.verdict == Verdict.ADMIT else PartnerState.REFUSED
            name, at = partner.name, None
        out.append(MissingOut(place=entry.place, name=entry.name, role=entry.role, partner_name=name,
                              partner_state=state, partner_in_at=at))
    return sorted(out, key=lambda m: rules.normalise_name(m.name))


CSV_COLUMNS = ("naam", "rol", "partner", "partner binnen", "partner binnen om")


async def not_arrived_csv(actor: Principal, slug: str, now: datetime | None = None) -> str:
    """Who has not arrived, one row per person (names are typed by buyers: every cell is neutralised)."""
    event = await door_event(actor, slug)
    missing = _missing(await _door_list(event, now or utcnow()))
    state = {PartnerState.IN: "ja", PartnerState.EXPECTED: "nee", PartnerState.REFUSED: "geen geldig ticket",
             PartnerState.NONE: ""}
    return csv_text(CSV_COLUMNS, ([m.name, words(ROLE_WORDS, m.role, "nl"), m.partner_name, state[m.partner_state],
                                   f"{to_local(m.partner_in_at, event.timezone):%H:%M}" if m.partner_in_at else ""]
                                  for m in missing))
