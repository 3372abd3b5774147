"""What ticketing's use cases return: typed, frozen results (msgspec Structs).

A service builds one of these from the rows it read or wrote; the API handler returns it as it is (it is the
response body, and its class is the OpenAPI schema), and a page renders it without changing it (a page that needs
more per row wraps it in a view of its own). Statuses are ticketing.rules' StrEnums, typed `str` here so the
documents and the schema stay plain strings.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

import msgspec


class EligibilityOut(msgspec.Struct, frozen=True):
    eligible: bool
    passed: str | None
    age: int | None
    code: str | None
    reason_nl: str
    reason_en: str
    override: bool


class OverrideOut(msgspec.Struct, frozen=True):
    id: int
    email: str
    reason: str
    created_by: str
    created_by_id: int | None
    created_at: datetime
    revoked_at: datetime | None = None  # None: in force
    revoked_by: str = ""
    revoked_by_id: int | None = None


class EventRef(msgspec.Struct, frozen=True):
    id: int
    slug: str
    title: str
    starts_at: datetime
    timezone: str


class PlaceOut(msgspec.Struct, frozen=True):
    id: int
    role: str
    name: str
    email: str
    industry: str
    organisation: str
    eligibility_basis: str
    eligibility_reason_nl: str
    eligibility_reason_en: str
    live: bool
    voided_at: datetime | None
    ticket_code: str | None
    ticket_status: str | None
    experience_level: int | None = None
    override_id: int | None = None
    override: OverrideOut | None = None


class OrderOut(msgspec.Struct, frozen=True):
    id: int
    status: str
    amount_cents: int
    currency: str
    expires_at: datetime | None
    paid_at: datetime | None
    cancelled_at: datetime | None
    refunded_at: datetime | None
    created_at: datetime
    event: EventRef
    buyer: PlaceOut
    companion: PlaceOut
    former_companions: list[PlaceOut]
    change_deadline: datetime
    refund_deadline: datetime
    can_change_companion: bool
    can_cancel: bool


class TicketEventOut(msgspec.Struct, frozen=True):
    id: int
    slug: str
    title: str
    starts_at: datetime
    timezone: str
    status: str


class MyTicketOut(msgspec.Struct, frozen=True):
    """One place of the signed-in member (buyer or companion): their own ticket, and the partner's name only."""

    place_id: int
    order_id: int
    order_status: str
    role: str
    name: str
    live: bool
    voided_at: datetime | None
    ticket_code: str | None
    ticket_status: str | None
    partner_name: str
    event: TicketEventOut


class LivePlaceOut(msgspec.Struct, frozen=True):
    """The member's live place (held or paid) at one event, for the event page (no API route)."""

    order_id: int
    role: str
    paid: bool


class PaymentOut(msgspec.Struct, frozen=True):
    order_id: int
    payment_intent_id: str
    client_secret: str | None
    publishable_key: str
    amount_cents: int
    currency: str
    status: str
    expires_at: datetime | None


class LocalPaymentOut(msgspec.Struct, frozen=True):
    """A card confirmed through the local Stripe-compatible server (development and tests only; no API route)."""

    order_id: int
    status: str


class AttendeeEventOut(msgspec.Struct, frozen=True):
    id: int
    slug: str
    title: str
    capacity_duos: int
    seats_taken: int


class AttendeeListOut(msgspec.Struct, frozen=True):
    event: AttendeeEventOut
    paid_duos: int
    held_duos: int
    duos: list[OrderOut]  # the live duos, or with state=cancelled the cancelled ones
    overrides: list[OverrideOut]  # every exception, revoked ones included
    state: Literal["live", "cancelled"] = "live"
    cancelled_duos: int = 0


class LogEntryOut(msgspec.Struct, frozen=True):
    action: str
    actor: str
    actor_id: int | None
    at: datetime
    detail: Any


class WebhookAck(msgspec.Struct, frozen=True):
    received: bool
    outcome: str


class WaitingEventRef(msgspec.Struct, frozen=True):
    id: int
    slug: str
    title: str
    starts_at: datetime
    timezone: str


class WaitingEntryOut(msgspec.Struct, frozen=True):
    """A duo on the list. `position` (1 = next) while `status` is `waiting`; once `offered`, `order_id` is the
    offered hold (paid through the usual payment) and `offer_outcome` says what became of it: `open`,
    `accepted`, `declined`, `expired` or `payment_failed`."""

    id: int
    status: str
    position: int | None
    duos_waiting: int
    event: WaitingEventRef
    companion_name: str
    companion_email: str
    joined_at: datetime
    offered_at: datetime | None
    offer_expires_at: datetime | None
    offered_by: str | None
    order_id: int | None
    offer_outcome: str | None
    ended_at: datetime | None
    reason_nl: str
    reason_en: str


class OrganiserWaitingEntryOut(WaitingEntryOut, frozen=True):
    member_name: str
    member_email: str


class WaitingListSettingsOut(msgspec.Struct, frozen=True):
    offer_hours: int
    auto_offer: bool
    closed_at: datetime | None


class WaitingListFiguresOut(msgspec.Struct, frozen=True):
    waiting: int
    joined: int
    offers: int
    open: int
    accepted: int
    declined: int
    expired: int
    payment_failed: int
    refused: int
    left: int
    closed: int
    conversion: float | None


class WaitingListEventOut(msgspec.Struct, frozen=True):
    id: int
    slug: str
    title: str
    capacity_duos: int
    seats_taken: int
    status: str


class WaitingListOut(msgspec.Struct, frozen=True):
    event: WaitingListEventOut
    settings: WaitingListSettingsOut
    figures: WaitingListFiguresOut
    entries: list[OrganiserWaitingEntryOut]


class WaitingListSummaryOut(msgspec.Struct, frozen=True):
    duos_waiting: int
    can_join: bool



# --- the organiser's sales figures (ticketing.attendees.sales_summary; pages only, no API route) -------------


class SalesEventOut(msgspec.Struct, frozen=True):
    id: int
    slug: str
    title: str
    status: str
    price_cents: int
    timezone: str


class RefundFiguresOut(msgspec.Struct, frozen=True):
    in_progress: int  # pending or submitted to Stripe
    succeeded: int
    failed: int
    refunded_cents: int
    in_progress_cents: int


class SalesDayOut(msgspec.Struct, frozen=True):
    day: date  # in the event's zone
    reserved: int  # orders made that day
    paid: int  # duos paid that day and still paid


class SalesSummaryOut(msgspec.Struct, frozen=True):
    event: SalesEventOut
    capacity_duos: int
    held_duos: int
    paid_duos: int
    free_duos: int
    paid_cents: int
    cancelled_duos: int
    expired_duos: int
    refunds: RefundFiguresOut
    daily: list[SalesDayOut]
    waiting_list: WaitingListFiguresOut
