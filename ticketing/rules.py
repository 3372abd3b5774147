"""Pure ticketing rules: order statuses and their transitions, deadlines, ticket codes.

No I/O, no clock reads: `now` is passed in. The service applies every transition as a conditional
UPDATE (`… WHERE status IN (allowed sources)`), so the database decides who wins a race and this module
only says which moves exist.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final, Literal

OrderStatus = Literal[
    "pending_payment", "paid", "expired", "payment_failed", "cancelled", "refund_pending", "refunded"
]

PENDING: Final = "pending_payment"
PAID: Final = "paid"
EXPIRED: Final = "expired"
PAYMENT_FAILED: Final = "payment_failed"
CANCELLED: Final = "cancelled"
REFUND_PENDING: Final = "refund_pending"
REFUNDED: Final = "refunded"

ORDER_STATUSES: Final[tuple[str, ...]] = (PENDING, PAID, EXPIRED, PAYMENT_FAILED, CANCELLED, REFUND_PENDING,
                                          REFUNDED)
# Statuses that hold a seat (counted in Event.seats_taken) and keep both places live.
SEAT_HOLDING: Final = frozenset({PENDING, PAID})
# An order that lost its seat before it was paid; a payment that still arrives can revive it.
REVIVABLE: Final = frozenset({EXPIRED, PAYMENT_FAILED})

# Allowed moves. Moves out of SEAT_HOLDING free the seat; moves into it take one.
TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    PENDING: frozenset({PAID, EXPIRED, PAYMENT_FAILED, CANCELLED}),
    PAID: frozenset({REFUND_PENDING, CANCELLED}),  # cancelled: a free (0 cent) order, nothing to refund
    EXPIRED: frozenset({PAID, REFUND_PENDING}),  # late payment: confirmed if a seat is free, else refunded
    PAYMENT_FAILED: frozenset({PAID, REFUND_PENDING, EXPIRED}),
    CANCELLED: frozenset({REFUND_PENDING}),  # a payment arriving for a cancelled hold is refunded
    REFUND_PENDING: frozenset({REFUNDED}),
    REFUNDED: frozenset(),
}


class TicketStatus(StrEnum):
    """A ticket's status (`Ticket.status`): valid until its place is voided (refund, cancellation, a new
    companion). Stored as the plain string."""

    VALID = "valid"
    VOID = "void"


class PlaceRole(StrEnum):
    """Who holds a place of a duo order (`Attendee.role`). Stored as the plain string."""

    BUYER = "buyer"
    COMPANION = "companion"


TICKET_CODE_ALPHABET: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at the door
TICKET_CODE_GROUPS: Final = 4
TICKET_CODE_GROUP_LEN: Final = 4
TICKET_CODE_PREFIX: Final = "NG"


def can_transition(source: str, target: str) -> bool:
    return target in TRANSITIONS.get(source, frozenset())


def sources_for(target: str) -> tuple[str, ...]:
    """The statuses from which `target` may be reached (for `WHERE status IN (…)`)."""
    return tuple(s for s in ORDER_STATUSES if target in TRANSITIONS[s])


def frees_seat(source: str, target: str) -> bool:
    return source in SEAT_HOLDING and target not in SEAT_HOLDING


def takes_seat(source: str, target: str) -> bool:
    return source not in SEAT_HOLDING and target in SEAT_HOLDING


def hold_expires_at(now: datetime, hold_minutes: float) -> datetime:
    return now + timedelta(minutes=hold_minutes)


def is_hold_expired(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and now >= expires_at


def can_change_companion(now: datetime, deadline: datetime) -> bool:
    return now < deadline


def can_refund(now: datetime, deadline: datetime) -> bool:
    return now < deadline


def new_ticket_code() -> str:
    """An unguessable, readable code: NG-XXXX-XXXX-XXXX-XXXX, 16 symbols of 32 = 80 bits of randomness."""
    groups = [
        "".join(secrets.choice(TICKET_CODE_ALPHABET) for _ in range(TICKET_CODE_GROUP_LEN))
        for _ in range(TICKET_CODE_GROUPS)
    ]
    return "-".join([TICKET_CODE_PREFIX, *groups])


def is_ticket_code(value: str) -> bool:
    parts = value.split("-")
    return (
        len(parts) == TICKET_CODE_GROUPS + 1
        and parts[0] == TICKET_CODE_PREFIX
        and all(len(p) == TICKET_CODE_GROUP_LEN and set(p) <= set(TICKET_CODE_ALPHABET) for p in parts[1:])
    )


@dataclass(frozen=True, slots=True)
class LatePayment:
    """What to do with a payment for an order that no longer holds its seat."""

    action: Literal["confirm", "refund", "ignore"]
    reason: str


def settle_late_payment(status: str, seat_free: bool, places_free: bool) -> LatePayment:
    """A succeeded payment for an order in `status`. Nothing is lost: it is confirmed or refunded."""
    if status in SEAT_HOLDING or status in (REFUND_PENDING, REFUNDED):
        return LatePayment("ignore", "already settled")
    if status in REVIVABLE and seat_free and places_free:
        return LatePayment("confirm", "seat still free")
    if status in REVIVABLE and not seat_free:
        return LatePayment("refund", "sold out meanwhile")
    if status in REVIVABLE:
        return LatePayment("refund", "a place was taken meanwhile")
    return LatePayment("refund", "order was cancelled")
