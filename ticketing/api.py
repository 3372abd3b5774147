"""HTTP API for duo tickets: thin controllers over ticketing's use cases (orders, payments, companions, …)."""

from __future__ import annotations

import json
import logging
from typing import Annotated, Any, Literal

from litestar import Controller, Request, Response, get, patch, post, put
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from core.auth import requires_member, requires_organiser
from core.i18n import lazy_gettext as _l
from core.params import DbId
from core.principal import Principal
from core.security import client_ip
from core.spreadsheet import csv_response
from settings import Settings
from ticketing import (
    attendees,
    cancellation,
    companions,
    event_changes,  # noqa: F401  (registers the mail to ticket holders when an event moves)
    orders,
    payments,
    stripe_gateway,
    tickets,
    waitlist,
)
from ticketing.errors import InvalidSignature, InvalidWebhookPayload
from ticketing.results import (
    AttendeeListOut,
    EligibilityOut,
    LogEntryOut,
    MyTicketOut,
    OrderOut,
    OverrideOut,
    PaymentOut,
    WaitingEntryOut,
    WaitingListOut,
    WaitingListSummaryOut,
    WebhookAck,
)
from ticketing.schemas import (
    CompanionIn,
    EligibilityCheckIn,
    OrderCreate,
    OrganiserCancelIn,
    OverrideIn,
    WaitingListJoin,
    WaitingListSettingsIn,
    stripe_event_problem,
)

log = logging.getLogger("nieuw_geluid.ticketing")


def _companion(data: CompanionIn) -> companions.CompanionIn:
    return companions.CompanionIn(name=data.name, email=data.email, industry=data.industry,
                               birth_date=data.birth_date, organisation=data.organisation,
                               experience_level=data.experience_level)


NO_STORE = CacheControlHeader(no_store=True)


class EventTicketController(Controller):
    path = "/api/v1/events/{slug:str}"
    tags = ["tickets"]

    @post("/orders", summary="Order a duo ticket (holds a seat until paid)", operation_id="create_order",
          guards=[requires_member], status_code=201, opt={"problems": [429]})
    async def create_order(self, member: NamedDependency[Principal], slug: FromPath[str], data: JSONBody[OrderCreate],
                           settings: NamedDependency[Settings]) -> OrderOut:
        """`pending_payment` with `expires_at`, or `paid` at once for a free event. Problems:
        `companion_not_eligible` (422) and the other `companion_*` codes, `sold_out` (409),
        `duplicate_attendee` (409), `sales_closed` / `sales_not_started` / `event_cancelled` (409)."""
        return await orders.reserve_duo(member, slug, _companion(data.companion), hold_minutes=settings.hold_minutes,
                                        concurrency=settings.order_concurrency)

    @post("/eligibility-check", summary="Check a companion against the rule, without ordering",
          operation_id="check_companion", status_code=200, opt={"problems": [429]})
    async def eligibility_check(self, request: Request[Any, Any, Any], viewer: NamedDependency[Principal | None],
                                slug: FromPath[str], data: JSONBody[EligibilityCheckIn]) -> EligibilityOut:
        """The rule only; for a signed-in buyer also whether the organiser made an exception for `email` (never
        its reason). Rate-limited per member or client address (`rate_limited`, 429)."""
        return await companions.check_companion(slug, data.industry, data.birth_date, data.email, viewer,
                                                client=f"member:{viewer.id}" if viewer else f"ip:{client_ip(request)}")

    @get("/attendees", summary="Duos of this event with eligibility reasons and overrides (organiser)",
         operation_id="list_attendees", guards=[requires_organiser], cache_control=NO_STORE)
    async def attendees(self, member: NamedDependency[Principal], slug: FromPath[str],
                        listed: Annotated[Literal["live", "cancelled"], QueryParameter(name="state")] = "live"
                        ) -> AttendeeListOut:
        """`state=live` (default): the duos held or paid; `state=cancelled`: the cancelled duos, refunded or not.
        Companions' eligibility reasons are written about the companion, by name."""
        return await attendees.attendee_list(member, slug, listed)

    @get("/attendees.csv", summary="The attendee list as CSV, one row per person (organiser)",
         operation_id="export_attendees_csv", guards=[requires_organiser], media_type="text/csv",
         cache_control=NO_STORE)
    async def attendees_csv(self, member: NamedDependency[Principal], slug: FromPath[str]) -> Response[bytes]:
        """For Dutch Excel: semicolons, a byte-order mark, Dutch column names and words (core.spreadsheet)."""
        return csv_response(await attendees.attendee_csv(member, slug), f"{slug}-deelnemers.csv")

    @post("/overrides", summary="Admit a companion the rule refuses (organiser, with a reason)",
          operation_id="create_override", guards=[requires_organiser], status_code=201)
    async def create_override(self, member: NamedDependency[Principal], slug: FromPath[str],
                              data: JSONBody[OverrideIn]) -> OverrideOut:
        return await companions.add_override(member, slug, data.email, data.reason)

    @post("/overrides/{override_id:int}/revoke", summary="Revoke an exception to the companion rule (organiser)",
          operation_id="revoke_override", guards=[requires_organiser], status_code=200)
    async def revoke_override(self, member: NamedDependency[Principal], slug: FromPath[str],
                              override_id: DbId) -> OverrideOut:
        """From now on the rule alone judges this address; a duo ordered with the exception keeps its place. The
        exception stays listed with who revoked it and when. Idempotent. Problem: `override_not_found` (404)."""
        return await companions.revoke_override(member, slug, override_id)

    @post("/orders/{order_id:int}/cancel", summary="Cancel one duo as organiser (refunded)",
          operation_id="organiser_cancel_order", guards=[requires_organiser], status_code=200)
    async def organiser_cancel(self, member: NamedDependency[Principal], slug: FromPath[str],
                               order_id: DbId, data: JSONBody[OrganiserCancelIn]) -> OrderOut:
        return await cancellation.organiser_cancel_order(member, slug, order_id, data.reason)


class OrderController(Controller):
    path = "/api/v1/orders"
    tags = ["tickets"]
    guards = [requires_member]

    @get("/", summary="My duo orders with their tickets", operation_id="list_my_orders")
    async def list_mine(self, member: NamedDependency[Principal]) -> list[OrderOut]:
        return await orders.list_my_orders(member)

    @get("/{order_id:int}", summary="One order (its buyer and the event's organiser)", operation_id="get_order")
    async def get_order(self, member: NamedDependency[Principal], order_id: DbId) -> OrderOut:
        return await orders.get_order(member, order_id)

    @get("/{order_id:int}/log", summary="Every change to this order", operation_id="get_order_log")
    async def get_log(self, member: NamedDependency[Principal], order_id: DbId) -> list[LogEntryOut]:
        return await attendees.order_log(member, order_id)

    @post("/{order_id:int}/payment", summary="Create (or return) THE PaymentIntent of this order",
          operation_id="start_payment", status_code=200)
    async def payment(self, member: NamedDependency[Principal], order_id: DbId) -> PaymentOut:
        """Idempotent: the same intent every time. `reservation_expired` (409) after the hold ran out."""
        return await payments.start_payment(member, order_id)

    @put("/{order_id:int}/companion", summary="Change the companion (until the change deadline)",
         operation_id="change_companion", opt={"problems": [429]})
    async def change_companion(self, member: NamedDependency[Principal], order_id: DbId,
                               data: JSONBody[CompanionIn]) -> OrderOut:
        """Five changes per order and ten per buyer an hour (`rate_limited`, 429): each one mails the old and the
        new companion."""
        return await companions.change_companion(member, order_id, _companion(data))

    @post("/{order_id:int}/cancel", summary="Cancel my duo (refunded before the refund deadline)",
          operation_id="cancel_order", status_code=200)
    async def cancel(self, member: NamedDependency[Principal], order_id: DbId) -> OrderOut:
        return await cancellation.cancel_order(member, order_id)


class MyTicketController(Controller):
    path = "/api/v1/me/tickets"
    tags = ["tickets"]
    guards = [requires_member]

    @get("/", summary="My tickets as buyer or companion (found by my account's e-mail)",
         operation_id="list_my_tickets", cache_control=CacheControlHeader(no_store=True))
    async def list_mine(self, member: NamedDependency[Principal]) -> list[MyTicketOut]:
        """Every place with the account's e-mail, live or past: the own ticket code and status, the event, the
        order status and the partner's name (never the partner's e-mail or code). Buyers see their whole
        order under `/api/v1/orders`."""
        return await tickets.list_my_tickets(member)


class StripeWebhookController(Controller):
    path = "/api/v1/stripe"
    tags = ["payments"]

    @post("/webhook", summary="Stripe events (signed)", operation_id="stripe_webhook", status_code=200,
          include_in_schema=True)
    async def webhook(self, request: Request[Any, Any, Any]) -> WebhookAck:
        """`invalid_signature` (400) when forged or stale; `invalid_webhook_payload` (400, logged, nothing stored)
        when signed but not shaped like the event it names."""
        payload = await request.body()
        try:
            stripe_gateway.current().verify(payload, request.headers.get("stripe-signature"))
        except ValueError as exc:
            raise InvalidSignature(_l("The Stripe-Signature header is missing, forged or too old.")) from exc
        try:
            event: Any = json.loads(payload)
        except ValueError:
            event = None
        problem = stripe_event_problem(event) if event is not None else "not JSON"
        if problem is not None:
            # Signed by Stripe (or whoever holds the secret) yet not what the handlers read: refuse it before
            # anything is stored, so its id is not spent and a corrected redelivery still applies.
            event_id = event.get("id") if isinstance(event, dict) else None
            log.warning("Refused a signed Stripe webhook of unexpected shape (id %r): %s", event_id, problem)
            raise InvalidWebhookPayload(_l("Unexpected webhook payload: %(problem)s", problem=problem))
        outcome = await payments.handle_stripe_event(event)
        return WebhookAck(received=True, outcome=outcome)


ROUTERS = [EventTicketController, OrderController, MyTicketController, StripeWebhookController]


class WaitingListController(Controller):
    path = "/api/v1/events/{slug:str}/waiting-list"
    tags = ["waiting list"]

    @post("/", summary="Join the waiting list of a sold-out event with a companion", operation_id="join_waiting_list",
          guards=[requires_member], status_code=201, opt={"problems": [429]})
    async def join(self, member: NamedDependency[Principal], slug: FromPath[str],
                   data: JSONBody[WaitingListJoin]) -> WaitingEntryOut:
        """While no duo place is free (or others wait already). The companion is judged as when ordering:
        `companion_not_eligible` (422) and the other `companion_*` codes. `seats_available` (409) when places are
        free: order instead; `already_waiting` (409) or `duplicate_attendee` (409) when one of you waits or has a
        place already; `sales_closed` / `sales_not_started` / `event_cancelled` (409)."""
        return await waitlist.join(member, slug, _companion(data.companion))

    @get("/summary", summary="How many duos wait, and whether one may join now", operation_id="waiting_list_summary",
         cache_control=NO_STORE)
    async def summary(self, viewer: NamedDependency[Principal | None], slug: FromPath[str]) -> WaitingListSummaryOut:
        return await waitlist.public_state(slug, viewer)

    @get("/", summary="The waiting list: who waits since when, offers and their outcome (organiser)",
         operation_id="get_waiting_list", guards=[requires_organiser], cache_control=NO_STORE)
    async def organiser_list(self, member: NamedDependency[Principal], slug: FromPath[str]) -> WaitingListOut:
        return await waitlist.organiser_list(member, slug)

    @patch("/", summary="How long an offer lasts, and whether seats are offered automatically (organiser)",
           operation_id="update_waiting_list", guards=[requires_organiser])
    async def update(self, member: NamedDependency[Principal], slug: FromPath[str],
                     data: JSONBody[WaitingListSettingsIn]) -> WaitingListOut:
        return await waitlist.update_settings(member, slug, offer_hours=data.offer_hours, auto_offer=data.auto_offer)

    @post("/offers", summary="Offer a free duo place to the next duo in line (organiser)",
          operation_id="offer_next_on_waiting_list", guards=[requires_organiser], status_code=200)
    async def offer_next(self, member: NamedDependency[Principal], slug: FromPath[str]) -> WaitingListOut:
        """`no_free_seat` (409) when every place is taken or held; `nobody_waiting` (409); `sales_closed` (409)."""
        return await waitlist.offer_next(member, slug)


class MyWaitingListController(Controller):
    path = "/api/v1/me/waiting-list"
    tags = ["waiting list"]
    guards = [requires_member]

    @get("/", summary="My places on waiting lists (position while waiting; the offer once made)",
         operation_id="list_my_waiting_list", cache_control=NO_STORE)
    async def list_mine(self, member: NamedDependency[Principal]) -> list[WaitingEntryOut]:
        return await waitlist.my_entries(member)

    @get("/{entry_id:int}", summary="One of my places on a waiting list", operation_id="get_my_waiting_entry",
         cache_control=NO_STORE)
    async def get_one(self, member: NamedDependency[Principal], entry_id: DbId) -> WaitingEntryOut:
        return await waitlist.get_entry(member, entry_id)

    @post("/{entry_id:int}/leave", summary="Leave the waiting list (declines an open offer)",
          operation_id="leave_waiting_list", status_code=200)
    async def leave(self, member: NamedDependency[Principal], entry_id: DbId) -> WaitingEntryOut:
        """Idempotent. An open offer is declined: its held order is cancelled and the place offered to the next
        duo. `waiting_entry_not_found` (404) for anyone else's entry."""
        return await waitlist.leave(member, entry_id)


ROUTERS += [WaitingListController, MyWaitingListController]
