"""Request bodies for duo tickets and the waiting list, and the shape a Stripe webhook must have (msgspec Structs
validated at the edge). What the use cases answer is in ticketing/results.py."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

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


class OverrideIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    reason: Annotated[str, msgspec.Meta(min_length=3, max_length=1000)]


class OrganiserCancelIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=1000)] = ""


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


