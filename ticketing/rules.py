"""Pure ticketing rules: order statuses and their transitions, deadlines, ticket codes, the waiting list's queue
and offers.

No I/O, no clock reads: `now` is passed in. The service applies every transition as a conditional
UPDATE (`… WHERE status IN (allowed sources)`), so the database decides who wins a race and this module
only says which moves exist.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final, Literal

from events.rules import SalesState


class OrderStatus(StrEnum):
    """A duo order's status (`TicketOrder.status`), stored as the plain string. Which status may follow which is
    TRANSITIONS below, and nowhere else: every status change goes through ticketing.state.move."""

    PENDING = "pending_payment"
    PAID = "paid"
    EXPIRED = "expired"
    PAYMENT_FAILED = "payment_failed"
    CANCELLED = "cancelled"
    REFUND_PENDING = "refund_pending"
    REFUNDED = "refunded"


class TicketStatus(StrEnum):
    """A ticket's status (`Ticket.status`): valid until its place is voided (refund, cancellation, a new
    companion). Stored as the plain string."""

    VALID = "valid"
    VOID = "void"


class PlaceRole(StrEnum):
    """Who holds a place of a duo order (`Attendee.role`). Stored as the plain string."""

    BUYER = "buyer"
    COMPANION = "companion"


class RefundStatus(StrEnum):
    """A refund row (`Refund.status`), stored as the plain string: pending until submitted to Stripe, then
    submitted, and succeeded or failed as Stripe reports (ticketing.refunds)."""

    PENDING = "pending"
    SUBMITTED = "submitted"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


# Short names for the members, as the code has always spelled them (the same objects, not copies).
PENDING: Final = OrderStatus.PENDING
PAID: Final = OrderStatus.PAID
EXPIRED: Final = OrderStatus.EXPIRED
PAYMENT_FAILED: Final = OrderStatus.PAYMENT_FAILED
CANCELLED: Final = OrderStatus.CANCELLED
REFUND_PENDING: Final = OrderStatus.REFUND_PENDING
REFUNDED: Final = OrderStatus.REFUNDED

ORDER_STATUSES: Final[tuple[OrderStatus, ...]] = tuple(OrderStatus)

# What people read for each status, role and admission basis in exports: (Dutch, English), as members.rules'
# industries carry theirs. The pages use the same words through their catalogues.
STATUS_WORDS: Final[dict[str, tuple[str, str]]] = {
    PENDING: ("Wacht op betaling", "Awaiting payment"), PAID: ("Betaald", "Paid"), EXPIRED: ("Verlopen", "Expired"),
    PAYMENT_FAILED: ("Betaling mislukt", "Payment failed"), CANCELLED: ("Geannuleerd", "Cancelled"),
    REFUND_PENDING: ("Terugbetaling onderweg", "Refund on its way"), REFUNDED: ("Terugbetaald", "Refunded"),
}
ROLE_WORDS: Final[dict[str, tuple[str, str]]] = {PlaceRole.BUYER: ("Koper", "Buyer"),
                                                   PlaceRole.COMPANION: ("Partner", "Companion")}
BASIS_WORDS: Final[dict[str, tuple[str, str]]] = {
    PlaceRole.BUYER: ("Koper", "Buyer"), "age": ("Leeftijd", "Age"),
    "industry": ("Andere sector", "Another industry"), "override": ("Uitzondering", "Exception"),
}


def words(table: dict[str, tuple[str, str]], code: str, language: str) -> str:
    """The word for `code` in `language` ("nl" or "en"); the code itself when the table has none."""
    pair = table.get(code)
    return code if pair is None else pair[language == "en"]


# Statuses that hold a seat (counted in Event.seats_taken) and keep both places live.
SEAT_HOLDING: Final[frozenset[OrderStatus]] = frozenset({PENDING, PAID})
# An order that lost its seat before it was paid; a payment that still arrives can revive it.
REVIVABLE: Final[frozenset[OrderStatus]] = frozenset({EXPIRED, PAYMENT_FAILED})

# Allowed moves. Moves out of SEAT_HOLDING free the seat; moves into it take one.
TRANSITIONS: Final[dict[OrderStatus, frozenset[OrderStatus]]] = {
    PENDING: frozenset({PAID, EXPIRED, PAYMENT_FAILED, CANCELLED}),
    PAID: frozenset({REFUND_PENDING, CANCELLED}),  # cancelled: a free (0 cent) order, nothing to refund
    EXPIRED: frozenset({PAID, REFUND_PENDING}),  # late payment: confirmed if a seat is free, else refunded
    PAYMENT_FAILED: frozenset({PAID, REFUND_PENDING, EXPIRED}),
    CANCELLED: frozenset({REFUND_PENDING}),  # a payment arriving for a cancelled hold is refunded
    REFUND_PENDING: frozenset({REFUNDED}),
    REFUNDED: frozenset(),
}


TICKET_CODE_ALPHABET: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at the door
TICKET_CODE_GROUPS: Final = 4
TICKET_CODE_GROUP_LEN: Final = 4
TICKET_CODE_PREFIX: Final = "NG"


def can_transition(source: str, target: str) -> bool:
    return source in TRANSITIONS and target in TRANSITIONS[OrderStatus(source)]


def sources_for(target: str) -> tuple[OrderStatus, ...]:
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


# --- the waiting list (ticketing/waitlist.py) ---------------------------------------------------------------
# A duo waits in line; a freed seat becomes an OFFER: a held order (`pending_payment`) for the first duo in line,
# which holds its seat like any hold (so offered seats are counted in Event.seats_taken and never oversell) and
# which the duo pays through the usual order page. What happened to an offer is read from its order.


class WaitingStatus(StrEnum):
    """A waiting-list entry (`WaitingEntry.status`), stored as the plain string."""

    WAITING = "waiting"  # in line
    OFFERED = "offered"  # a seat was offered: the entry's order says what became of it (offer_outcome)
    LEFT = "left"  # the duo left the list before an offer
    CLOSED = "closed"  # ticket sales ended (or the event was cancelled) while the duo waited
    REFUSED = "refused"  # when its turn came the companion rule no longer admitted the companion


class OfferOutcome(StrEnum):
    """What became of an offer, read from the status of the order it made."""

    OPEN = "open"  # offered, not paid yet, still held
    ACCEPTED = "accepted"  # paid (a later cancellation or refund does not undo the conversion)
    DECLINED = "declined"  # the duo cancelled the offered hold
    EXPIRED = "expired"  # the offer ran out unpaid
    PAYMENT_FAILED = "payment_failed"  # the payment failed, which ends a hold


DEFAULT_OFFER_HOURS: Final = 24
MIN_OFFER_HOURS: Final = 1
MAX_OFFER_HOURS: Final = 168
# Near the close of sales an offer lasts at most this share of the time that is left, so that when the first duo
# lets it run out there is time for the next ones; but never less than an hour unless sales close sooner.
OFFER_SHARE_OF_TIME_LEFT: Final = 4
MIN_OFFER: Final = timedelta(hours=1)


def offer_duration(now: datetime, offer_hours: int, sales_close: datetime) -> timedelta | None:
    """How long an offer made `now` lasts: the organiser's `offer_hours` (default 24), shorter near the close of
    sales: at most a quarter of the time left, at least an hour (or what is left, when that is less). An offer
    never outlasts the sales, so none is open after the list has closed. None when sales have closed."""
    left = sales_close - now
    if left <= timedelta(0):
        return None
    base = timedelta(hours=min(max(offer_hours, MIN_OFFER_HOURS), MAX_OFFER_HOURS))
    return max(min(base, left / OFFER_SHARE_OF_TIME_LEFT), min(MIN_OFFER, left))


def offer_expires_at(now: datetime, offer_hours: int, sales_close: datetime) -> datetime | None:
    duration = offer_duration(now, offer_hours, sales_close)
    return None if duration is None else now + duration


def offer_outcome(order_status: str, paid: bool) -> OfferOutcome:
    """What became of an offer whose order has `order_status` (`paid`: it was paid at some point)."""
    if paid:
        return OfferOutcome.ACCEPTED
    if order_status == PENDING:
        return OfferOutcome.OPEN
    if order_status == EXPIRED:
        return OfferOutcome.EXPIRED
    if order_status == PAYMENT_FAILED:
        return OfferOutcome.PAYMENT_FAILED
    return OfferOutcome.DECLINED


def queue_positions(waiting_ids: Iterable[int]) -> dict[int, int]:
    """Position in line (1 = next) of each waiting entry: first come, first served by entry id. Entry ids are
    handed out while the event's row is locked (ticketing.waitlist.join), so id order is the order of joining."""
    return {entry_id: position for position, entry_id in enumerate(sorted(set(waiting_ids)), start=1)}


def may_join(*, sales: str, seats_free: int, duos_waiting: int) -> bool:
    """Whether a duo may join the list now: while sales are open and no seat is free for them (sold out or all
    remaining seats held), or others wait already (a freed seat is theirs before it is anyone else's)."""
    return sales == SalesState.OPEN and (seats_free <= 0 or duos_waiting > 0)


def conversion(offers: int, accepted: int) -> float | None:
    """The share of offers that were paid (None before the first offer)."""
    return accepted / offers if offers else None
