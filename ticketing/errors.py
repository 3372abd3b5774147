"""Ticketing's domain errors: stable codes, mapped once to problem+json by core.errors."""

from __future__ import annotations

from typing import Any

from core.errors import Conflict, DomainError, InvalidInput, NotFound
from core.i18n import LazyMessage
from core.i18n import lazy_gettext as _l
from ticketing.companion_rule import Rejection


class CompanionRefused(InvalidInput):
    """The companion rule (or a companion check) said no; `code` is the rule's own code."""

    code = "companion_not_eligible"

    def __init__(self, rejection: Rejection, **extra: Any) -> None:
        # The rule writes its reason in both languages (stored per language with the place); the API keeps both.
        super().__init__(LazyMessage.given_per_language(rejection.reason_nl, en=rejection.reason_en),
                         field="companion", reason_nl=rejection.reason_nl, reason_en=rejection.reason_en, **extra)
        self.code = rejection.code  # type: ignore[misc]


class SoldOut(Conflict):
    code = "sold_out"


class DuplicateAttendee(Conflict):
    code = "duplicate_attendee"


class SalesClosed(Conflict):
    code = "sales_closed"


class SalesNotStarted(Conflict):
    code = "sales_not_started"


class EventCancelled(Conflict):
    code = "event_cancelled"


class ReservationExpired(Conflict):
    code = "reservation_expired"


class OrderAlreadyPaid(Conflict):
    code = "order_already_paid"


class OrderNotChangeable(Conflict):
    code = "order_not_changeable"


class ChangeDeadlinePassed(Conflict):
    code = "change_deadline_passed"


class RefundDeadlinePassed(Conflict):
    code = "refund_deadline_passed"


class PaymentInProgress(Conflict):
    code = "payment_in_progress"


class OverrideExists(Conflict):
    code = "override_exists"


class OverrideNotFound(NotFound):
    code = "override_not_found"


class OrderNotFound(NotFound):
    code = "order_not_found"


class PaymentUnavailable(DomainError):
    code, status, title = "payment_provider_unavailable", 502, _l("Betaaldienst niet bereikbaar")


class CardDeclined(DomainError):
    """The card was declined (only on the local test server's checkout: real Stripe declines in the browser)."""

    code, status, title = "card_declined", 402, _l("Kaart geweigerd")


class InvalidSignature(DomainError):
    code, status, title = "invalid_signature", 400, _l("Ongeldige webhookhandtekening")


class InvalidWebhookPayload(DomainError):
    """Correctly signed, but not shaped like the Stripe event it claims to be (nothing is stored)."""

    code, status, title = "invalid_webhook_payload", 400, _l("Onverwachte webhookinhoud")


# --- the waiting list (ticketing/waitlist.py) ---


class SeatsAvailable(Conflict):
    """Joining the waiting list while duo places are free and nobody waits: order a ticket instead."""

    code = "seats_available"


class AlreadyWaiting(Conflict):
    """The member or the companion already waits for this event (in this duo or another)."""

    code = "already_waiting"


class WaitingEntryNotFound(NotFound):
    code = "waiting_entry_not_found"


class NoFreeSeat(Conflict):
    """The organiser asked for an offer while no duo place is free."""

    code = "no_free_seat"


class NobodyWaiting(Conflict):
    code = "nobody_waiting"
