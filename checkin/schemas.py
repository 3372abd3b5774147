"""Request and response bodies of the door (msgspec Structs validated at the edge).

The door sees what it needs to let someone in and nothing more: names, the duo partner and their state, when and
where someone came in and by whom. Never an e-mail address, a birth date, an organisation or money. The offline
door list carries no ticket codes either: a SHA-256 of each code, which a scanner compares with the hash of what
it scanned (a lost phone gives nobody a usable code).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

TicketCode = Annotated[str, msgspec.Meta(min_length=1, max_length=64, examples=["NG-ABCD-EFGH-JKLM-NPQR"])]
Device = Annotated[str, msgspec.Meta(min_length=1, max_length=40, examples=["Deur A"],
                                     description="the phone's own label, shown to the other doors")]
TicketId = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1, description="a ticket's id (from the door list)")]
ClientId = Annotated[str, msgspec.Meta(max_length=64, description="the scanner's own id for this scan, echoed")]

Result = Literal["checked_in", "already_checked_in"]


class ScanIn(msgspec.Struct, forbid_unknown_fields=True):
    """One scan: the code read from the QR or typed in, or the ticket id of a person found by name (exactly one of
    the two). `scanned_at`: when the phone scanned (for queued offline scans); now when left out."""

    device: Device
    code: TicketCode | None = None
    ticket: TicketId | None = None
    scanned_at: datetime | None = None
    client_id: ClientId | None = None


class BatchItemIn(msgspec.Struct, forbid_unknown_fields=True):
    code: TicketCode | None = None
    ticket: TicketId | None = None
    scanned_at: datetime | None = None
    client_id: ClientId | None = None


class BatchIn(msgspec.Struct, forbid_unknown_fields=True):
    """Scans queued while offline, synced at once. Sending the same batch again changes nothing."""

    device: Device
    items: Annotated[list[BatchItemIn], msgspec.Meta(min_length=1, max_length=1000)]


class PersonOut(msgspec.Struct, frozen=True):
    place: int
    ticket: int | None
    name: str
    role: str  # buyer | companion


class CheckInOut(msgspec.Struct, frozen=True):
    id: int
    scanned_at: datetime
    device: str
    by: str  # the name of who checked in (empty when their account is gone)


class PartnerOut(msgspec.Struct, frozen=True):
    """The duo partner at the door: their name, whether their ticket admits, and whether they are in already."""

    place: int
    ticket: int | None
    name: str
    admits: bool
    checkin: CheckInOut | None


class ScanOut(msgspec.Struct, frozen=True):
    """Green (`checked_in`) or orange (`already_checked_in`: when, at which door, by whom — never an error)."""

    result: Result
    already_checked_in: bool
    person: PersonOut
    partner: PartnerOut | None
    checkin: CheckInOut
    replaced_later_scan: bool = False  # this scan was earlier than another phone's: that one was superseded


class OtherEventOut(msgspec.Struct, frozen=True):
    title: str
    starts_at: datetime


class RefusalOut(msgspec.Struct, frozen=True):
    """Red: the problem code (as the single scan's problem+json), the Dutch message, and what the door may say."""

    code: str
    detail: str
    voided_at: datetime | None = None
    event: OtherEventOut | None = None
    name: str | None = None  # the holder's name for a refused ticket of this event (not for another event's)


class BatchItemOut(msgspec.Struct, frozen=True):
    client_id: str | None
    outcome: Literal["checked_in", "already_checked_in", "refused"]
    scan: ScanOut | None
    refusal: RefusalOut | None


class BatchOut(msgspec.Struct, frozen=True):
    results: list[BatchItemOut]


class UndoOut(msgspec.Struct, frozen=True):
    """An undone check-in, kept for the audit: who undid it, when, and why."""

    id: int
    ticket: int
    name: str
    scanned_at: datetime
    device: str
    undone_at: datetime
    undone_by: str
    undo_reason: str  # mistake | superseded


class BucketOut(msgspec.Struct, frozen=True):
    start: datetime
    persons: int


class ArrivalsOut(msgspec.Struct, frozen=True):
    """Arrived persons and duos against what was sold, and arrivals per five minutes."""

    event: str
    persons_expected: int  # valid tickets of paid duos
    persons_in: int
    persons_missing: int
    duos_sold: int
    duos_complete: int  # both of the duo are in
    duos_partial: int  # one of the two is in
    per_5_minutes: list[BucketOut]


class DoorEntryOut(msgspec.Struct, frozen=True):
    """One place of the event's duos as the door needs it. `verdict`: `admit` or a red problem code."""

    place: int
    ticket: int | None
    code_sha256: str | None
    name: str
    role: str
    order: int
    verdict: str
    voided_at: datetime | None
    partner_place: int | None
    checkin: CheckInOut | None


class DoorListOut(msgspec.Struct, frozen=True):
    """The door list for offline use: every place of the event's duos (a replaced companion and a cancelled duo
    too, so that the door can say why they are refused). No e-mail addresses, no birth dates, no ticket codes."""

    event: str
    title: str
    starts_at: datetime
    timezone: str
    generated_at: datetime
    entries: list[DoorEntryOut]
