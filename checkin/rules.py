"""Pure rules of the door: which ticket may enter, how two scans of one ticket are reconciled, when a scan
happened, the arrival figures, and the name search. No I/O, no clock reads: `now` is passed in.

The door answers in three colours (issue 14): green (in), orange (already in: shown, never blocking the queue)
and red (refused, with the reason). Red reasons are `Verdict`s with stable codes: the API's problem codes.

Already in is **200 with a flag** (`already_checked_in: true`), not a 409: a second scan of the same person is
what happens at a door (a scan that timed out and was retried, the partner scanning for both, a phone that synced
late), so it must not look like an error to a scanner app; and a retried request gets the same answer as the
first. Red is a problem+json (404 or 409), which a scanner app must show.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from ticketing.rules import CANCELLED, EXPIRED, PAID, PAYMENT_FAILED, PENDING, REFUND_PENDING, REFUNDED, TicketStatus

__all__ = [
    "BUCKET",
    "MAX_SCAN_AGE",
    "Collision",
    "PartnerState",
    "Scan",
    "TicketFacts",
    "UndoReason",
    "Verdict",
    "arrival_buckets",
    "judge_ticket",
    "matches_name",
    "normalise_name",
    "reconcile",
    "scan_time",
]

# Arrivals are counted per five minutes (the organiser's chart and GET …/checkins).
BUCKET: Final = timedelta(minutes=5)
# A queued offline scan is believed about its own time up to this age; older claims are moved to this bound
# (a phone with a wrong clock must not push a check-in to last year, nor win every collision with it).
MAX_SCAN_AGE: Final = timedelta(hours=48)


class Verdict(StrEnum):
    """What the door says about a ticket. ADMIT is green (or orange when already in); the rest are red, and their
    values are the problem codes of the API."""

    ADMIT = "admit"
    UNKNOWN = "ticket_unknown"  # no ticket has this code
    OTHER_EVENT = "ticket_other_event"  # a real ticket, for another event (or another day's event)
    VOIDED = "ticket_voided"  # replaced: the buyer named another companion (the new one has a new code)
    CANCELLED = "ticket_cancelled"  # the duo was cancelled or refunded (by the buyer, the organiser, or the event)
    UNPAID = "ticket_unpaid"  # a held duo that was never paid (a hold, or one that lapsed)

    @property
    def admits(self) -> bool:
        return self is Verdict.ADMIT


# Order statuses that refuse, and why. A paid order's ticket admits unless the ticket itself was voided.
_REFUSING_ORDER: Final[dict[str, Verdict]] = {
    CANCELLED: Verdict.CANCELLED,
    REFUND_PENDING: Verdict.CANCELLED,
    REFUNDED: Verdict.CANCELLED,
    PENDING: Verdict.UNPAID,
    EXPIRED: Verdict.UNPAID,
    PAYMENT_FAILED: Verdict.UNPAID,
}


@dataclass(frozen=True, slots=True)
class TicketFacts:
    """What the door reads about one ticket (or a place without one: `ticket_status` None, an unpaid hold)."""

    event_id: int
    order_status: str
    ticket_status: str | None
    place_voided: bool = False  # the place itself was voided (a companion replaced), not the whole order


def judge_ticket(facts: TicketFacts | None, event_id: int) -> Verdict:
    """The verdict for a ticket scanned at the door of `event_id` (None: no ticket has the code).

    The event comes first (a ticket for another event is wrong here whatever its state), then the duo (a
    cancelled or unpaid duo refuses both places), then the place (a replaced companion). A valid ticket of a
    paid duo for this event admits. Any state this table does not know refuses: the door never lets in on a
    state it cannot explain."""
    if facts is None:
        return Verdict.UNKNOWN
    if facts.event_id != event_id:
        return Verdict.OTHER_EVENT
    if facts.order_status != PAID:
        return _REFUSING_ORDER.get(facts.order_status, Verdict.CANCELLED)
    if facts.ticket_status is None:  # a paid place without a ticket: no code was ever valid for it
        return Verdict.UNKNOWN
    if facts.place_voided or facts.ticket_status != TicketStatus.VALID:
        return Verdict.VOIDED
    return Verdict.ADMIT


def scan_time(claimed: datetime | None, now: datetime, max_age: timedelta = MAX_SCAN_AGE) -> datetime:
    """When a scan happened: the phone's own time for a queued offline scan, within [now − max_age, now]; now when
    it says nothing. (A clock ahead of the server's cannot make a scan happen in the future.)"""
    if claimed is None:
        return now
    return max(min(claimed, now), now - max_age)


@dataclass(frozen=True, slots=True)
class Scan:
    """A check-in as stored or as asked for: when, on which phone, and the phone's own id for it (may be empty)."""

    scanned_at: datetime
    device: str
    ref: str = ""
    claimed: bool = False  # the time is the phone's own (a queued offline scan), not the server's

    def is_same(self, other: Scan) -> bool:
        """The same scan: the phone's id for it matches (when given), or the same phone at the same time."""
        if self.device != other.device:
            return False
        if self.ref and other.ref:
            return self.ref == other.ref
        return self.scanned_at == other.scanned_at


class Collision(StrEnum):
    """What a new scan of a ticket that is already in does (`reconcile`)."""

    SAME = "same"  # the very scan we have (a retried request or batch): answered as the first time
    LATER = "later"  # the one we have is earlier or as early: it stays; the new scan is told "already in"
    EARLIER = "earlier"  # the new scan is earlier: it replaces the one we have (which is kept, marked superseded)


class UndoReason(StrEnum):
    """Why a check-in was undone (`door_checkin.undo_reason`; empty while it is active). Kept with the row: the
    door's audit."""

    MISTAKE = "mistake"  # undone by hand at the door (a wrong person scanned)
    SUPERSEDED = "superseded"  # another phone's earlier offline scan of the same ticket replaced it (`reconcile`)


class PartnerState(StrEnum):
    """Where the duo partner of someone not yet in stands (the "not in yet" list and its CSV)."""

    IN = "in"  # checked in
    EXPECTED = "expected"  # holds a ticket that admits, not in yet
    REFUSED = "refused"  # their ticket would be refused at the door
    NONE = "none"  # no partner place


def reconcile(existing: Scan, incoming: Scan) -> Collision:
    """Two phones that checked in one ticket (both offline, or one offline and one online) end in one check-in:
    the earliest. A tie keeps the one that reached the server first, so the answer never flips back and forth.

    Only a scan that carries the phone's own time (queued offline) can be earlier than one the server already
    has: an online scan is timed by the server when it arrives, so whoever reaches the server second is second
    (two phones racing online must not both be told "welcome")."""
    if incoming.is_same(existing):
        return Collision.SAME
    if incoming.claimed and incoming.scanned_at < existing.scanned_at:
        return Collision.EARLIER
    return Collision.LATER


def arrival_buckets(times: Iterable[datetime], bucket: timedelta = BUCKET) -> list[tuple[datetime, int]]:
    """Arrivals per `bucket` (UTC, aligned to the hour), from the first bucket with an arrival to the last,
    empty buckets included (a chart must show the quiet five minutes too). [] without arrivals."""
    seconds = int(bucket.total_seconds())
    counts = Counter(_floor(t, seconds) for t in times)
    if not counts:
        return []
    first, last = min(counts), max(counts)
    out = []
    at = first
    while at <= last:
        out.append((at, counts.get(at, 0)))
        at += bucket
    return out


def _floor(t: datetime, seconds: int) -> datetime:
    stamp = int(t.timestamp())
    return t - timedelta(seconds=stamp % seconds, microseconds=t.microsecond)


def normalise_name(text: str) -> str:
    """Lower case, accents dropped (é → e, ß → ss), spaces collapsed: 'Sanne  de Vriës' → 'sanne de vries'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.split())


def matches_name(query: str, name: str) -> bool:
    """The door's name search: every word of the query starts a word of the name (first letters are enough,
    in any order, accents and case ignored). 'san vr' finds 'Sanne de Vries'; an empty query finds nobody."""
    words = normalise_name(name).replace("-", " ").split()
    wanted = normalise_name(query).replace("-", " ").split()
    return bool(wanted) and all(any(w.startswith(q) for w in words) for q in wanted)
