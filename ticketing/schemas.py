"""Request and response bodies for duo tickets (msgspec Structs validated at the edge)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                                    examples=["sam@example.nl"])]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=120)]
IndustryCode = Annotated[str, msgspec.Meta(min_length=1, max_length=40, examples=["retail"])]
Organisation = Annotated[str, msgspec.Meta(max_length=120)]
ExperienceLevel = Annotated[int, msgspec.Meta(ge=0, le=4,
                                              description="0 starter, 1 junior, 2 medior, 3 senior, 4 expert")]


class CompanionIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    email: Email
    industry: IndustryCode
    birth_date: date | None = None
    organisation: Organisation = ""
    # 0 starter .. 4 expert; null (or left out): "weet ik niet", kept unknown in the breakout groups.
    experience_level: ExperienceLevel | None = None


class OrderCreate(msgspec.Struct, forbid_unknown_fields=True):
    companion: CompanionIn


class EligibilityCheckIn(msgspec.Struct, forbid_unknown_fields=True):
    industry: IndustryCode
    birth_date: date | None = None
    email: Email | None = None


class EligibilityOut(msgspec.Struct):
    eligible: bool
    passed: str | None
    age: int | None
    code: str | None
    reason_nl: str
    reason_en: str
    override: bool


class OverrideIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    reason: Annotated[str, msgspec.Meta(min_length=3, max_length=1000)]


class OverrideOut(msgspec.Struct):
    id: int
    email: str
    reason: str
    created_by: str
    created_by_id: int | None
    created_at: datetime
    revoked_at: datetime | None = None  # None: in force
    revoked_by: str = ""
    revoked_by_id: int | None = None


class OrganiserCancelIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class EventRef(msgspec.Struct):
    id: int
    slug: str
    title: str
    starts_at: datetime
    timezone: str


class PlaceOut(msgspec.Struct):
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


class OrderOut(msgspec.Struct):
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


class TicketEventOut(msgspec.Struct):
    id: int
    slug: str
    title: str
    starts_at: datetime
    timezone: str
    status: str


class MyTicketOut(msgspec.Struct):
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


class PaymentOut(msgspec.Struct):
    order_id: int
    payment_intent_id: str
    client_secret: str | None
    publishable_key: str
    amount_cents: int
    currency: str
    status: str
    expires_at: datetime | None


class AttendeeEventOut(msgspec.Struct):
    id: int
    slug: str
    title: str
    capacity_duos: int
    seats_taken: int


class AttendeeListOut(msgspec.Struct):
    event: AttendeeEventOut
    paid_duos: int
    held_duos: int
    duos: list[OrderOut]  # the live duos, or with state=cancelled the cancelled ones
    overrides: list[OverrideOut]  # every exception, revoked ones included
    state: Literal["live", "cancelled"] = "live"
    cancelled_duos: int = 0


class LogEntryOut(msgspec.Struct):
    action: str
    actor: str
    actor_id: int | None
    at: datetime
    detail: Any


class WebhookAck(msgspec.Struct):
    received: bool
    outcome: str


# --- what a Stripe webhook must look like before anything is applied (ticketing/api.py) --------------------
# Only the fields the app reads are checked; everything else Stripe sends is let through untouched.


class StripeEventData(msgspec.Struct):
    object: dict[str, Any]


class StripeEventIn(msgspec.Struct):
    id: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
    type: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
    data: StripeEventData


class StripeIntentObject(msgspec.Struct):
    id: Annotated[str, msgspec.Meta(min_length=1, max_length=255)]
    status: str | None = None
    amount: int | None = None
    currency: str | None = None
    metadata: dict[str, str | int | None] | None = None
    created: int | None = None
    client_secret: str | None = None


class StripeRefundObject(msgspec.Struct):
    object: str | None = None
    id: str | None = None
    status: str | None = None
    refunded: bool | None = None
    payment_intent: str | dict[str, Any] | None = None


def stripe_event_problem(event: Any) -> str | None:
    """Why a (signed) Stripe event cannot be applied, or None when its shape is what the handlers read."""
    try:
        envelope = msgspec.convert(event, StripeEventIn)
        if envelope.type.startswith("payment_intent."):
            msgspec.convert(envelope.data.object, StripeIntentObject)
        elif envelope.type in ("charge.refunded", "refund.created", "refund.updated", "charge.refund.updated"):
            refund = msgspec.convert(envelope.data.object, StripeRefundObject)
            if isinstance(refund.payment_intent, dict) and not isinstance(refund.payment_intent.get("id"),
                                                                          str | None):
                return "Expected `str | null` for `$.data.object.payment_intent.id`"
    except msgspec.ValidationError as exc:
        return str(exc)
    return None


# --- the waiting list (ticketing/waitlist.py) -----------------------------------------------------------------


class WaitingListJoin(msgspec.Struct, forbid_unknown_fields=True):
    companion: CompanionIn


class WaitingListSettingsIn(msgspec.Struct, forbid_unknown_fields=True):
    offer_hours: Annotated[int, msgspec.Meta(ge=1, le=168)] | None = None
    auto_offer: bool | None = None


class WaitingEventRef(msgspec.Struct):
    id: int
    slug: str
    title: str
    starts_at: datetime
    timezone: str


class WaitingEntryOut(msgspec.Struct):
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


class OrganiserWaitingEntryOut(WaitingEntryOut):
    member_name: str
    member_email: str


class WaitingListSettingsOut(msgspec.Struct):
    offer_hours: int
    auto_offer: bool
    closed_at: datetime | None


class WaitingListFiguresOut(msgspec.Struct):
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


class WaitingListEventOut(msgspec.Struct):
    id: int
    slug: str
    title: str
    capacity_duos: int
    seats_taken: int
    status: str


class WaitingListOut(msgspec.Struct):
    event: WaitingListEventOut
    settings: WaitingListSettingsOut
    figures: WaitingListFiguresOut
    entries: list[OrganiserWaitingEntryOut]


class WaitingListSummaryOut(msgspec.Struct):
    duos_waiting: int
    can_join: bool
