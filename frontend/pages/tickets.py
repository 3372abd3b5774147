"""The attendee journey: order a duo (the companion rule checked as people type), pay, and "my tickets":
both names and ticket codes, change the companion, cancel (refunded), rank the themes.

Every handler calls one use-case of ticketing (orders, payments, companions, …) or of pairing (rankings,
publish). A ``DomainError`` becomes a friendly message next to the field it concerns (``friendly`` below, from
the error's stable code).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.auth import requires_member
from core.errors import DomainError, NotFound
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from core.ratelimit import order_rate_limit
from core.security import client_ip, content_security_policy
from events import service as events
from events.rules import SalesState
from events.schemas import EventOut
from frontend.forms import FormError, _, optional_date
from frontend.i18n import gettext, request_language
from frontend.pages import invoicing as invoice_pages
from frontend.pages.account import level_options, verify_email_notice
from frontend.pages.common import FormBody, login_url, page, page_message, path_for, redirect, text
from frontend.pages.ticket_cards import InvitationCard, event_ranking, invitation_state, order_cards, qr_image
from invoicing.billing import save_billing
from members.rules import INDUSTRIES_BY_CODE
from pairing.errors import NoTicket, PlanNotPublished
from pairing.publish import my_breakouts
from pairing.rankings import rank_themes_as_member
from settings import Settings
from ticketing import local_checkout, waitlist
from ticketing.cancellation import cancel_order
from ticketing.companions import CompanionIn, change_companion, check_companion
from ticketing.orders import get_order, list_my_orders, reserve_duo
from ticketing.payments import start_payment
from ticketing.results import EligibilityOut, OrderOut, PlaceOut, WaitingEntryOut
from ticketing.rules import PAID, PENDING, OfferOutcome, OrderStatus, PlaceRole, WaitingStatus
from ticketing.tickets import list_my_tickets

COMPANION_FIELDS = ("name", "email", "birth_date", "industry", "organisation", "experience_level")

# Problem codes -> what we tell people (English msgids, Dutch in the catalogue). Codes not listed here
# show the service's own message in the page language (common.page_message).
FRIENDLY: dict[str, str] = {
    "sold_out": _("Sold out: all duo places have been taken in the meantime."),
    "duplicate_attendee": _("You or your companion already has a place at this event. Look under My tickets, "
                            "or choose another companion."),
    "sales_closed": _("Ticket sales for this event have closed."),
    "sales_not_started": _("Ticket sales for this event have not started yet."),
    "event_cancelled": _("This event has been cancelled."),
    "reservation_expired": _("Your reservation has expired or was cancelled, so its duo place was released. "
                             "Order again if places are left."),
    "order_already_paid": _("This order has already been paid."),
    "order_not_changeable": _("This order can no longer be changed."),
    "change_deadline_passed": _("The companion can no longer be changed: the deadline for changes has passed."),
    "refund_deadline_passed": _("Cancelling with a refund is no longer possible: the deadline has passed."),
    "payment_provider_unavailable": _("The payment service cannot be reached right now. Please try again in a "
                                      "moment."),
    "payment_in_progress": _("The payment is being prepared. Please try again in a moment."),
    "card_declined": _("Your card was declined. Try another card."),
    "rate_limited": _("Too many attempts; please wait a moment."),
    "no_ticket": _("Only ticket holders can rank the themes."),
    "invalid_ranking": _("Choose each theme at most once."),
    "already_waiting": _("You or your companion is already on the waiting list for this event."),
    "seats_available": _("There are duo places free: no need to wait. Order a duo ticket instead."),
}
# Where a service error belongs on the companion form.
COMPANION_FIELD_FOR_CODE: dict[str, str] = {
    "companion_not_eligible": "birth_date",
    "companion_birth_date_required": "birth_date",
    "companion_birth_date_invalid": "birth_date",
    "companion_industry_unknown": "industry",
    "companion_is_buyer": "email",
    "duplicate_attendee": "email",
    "already_waiting": "email",
}
STATUS_LABELS: dict[str, str] = {
    OrderStatus.PENDING: _("Awaiting payment"),
    OrderStatus.PAID: _("Paid"),
    OrderStatus.EXPIRED: _("Expired"),
    OrderStatus.PAYMENT_FAILED: _("Payment failed"),
    OrderStatus.CANCELLED: _("Cancelled"),
    OrderStatus.REFUND_PENDING: _("Refund on its way"),
    OrderStatus.REFUNDED: _("Refunded"),
}
# A ticket someone else bought for me (I am the companion), as its holder sees it.
INVITATION_LABELS: dict[str, str] = {
    "valid": _("Valid"),
    "awaiting": _("Awaiting payment"),
    "replaced": _("Replaced"),
}


# A place on a waiting list, as "my tickets" and the organiser's list call it: by its offer's outcome once a place
# was offered, else by its status (frontend/pages/waitlist.py).
WAITING_LABELS: dict[str, str] = {
    WaitingStatus.WAITING: _("Waiting"),
    WaitingStatus.LEFT: _("Left the list"),
    WaitingStatus.CLOSED: _("List closed"),
    WaitingStatus.REFUSED: _("Companion no longer admitted"),
    OfferOutcome.OPEN: _("Offer open"),
    OfferOutcome.ACCEPTED: _("Offer taken (paid)"),
    OfferOutcome.DECLINED: _("Offer declined"),
    OfferOutcome.EXPIRED: _("Offer expired"),
    OfferOutcome.PAYMENT_FAILED: _("Payment failed"),
}


def entry_label(entry: WaitingEntryOut) -> str:
    return WAITING_LABELS.get(entry.offer_outcome or entry.status, entry.status)


def friendly(exc: DomainError, lang: str) -> str:
    """The message for people: by problem code, else the service's own (page_message: the companion rule's
    reason in their language, or the message in the page language). No FRIENDLY code carries a reason."""
    message = FRIENDLY.get(exc.code)
    return gettext(lang, message) if message else page_message(exc, lang)


def companion_error(exc: DomainError, lang: str) -> dict[str, str]:
    """``{form field: message}`` for an error from reserve_duo / change_companion: by code, else by the field the
    service named (``companion.name`` -> ``name``), else at the top of the form."""
    field = COMPANION_FIELD_FOR_CODE.get(exc.code)
    if field is None and exc.field and exc.field.removeprefix("companion.") in COMPANION_FIELDS:
        field = exc.field.removeprefix("companion.")
    return {field or "form": friendly(exc, lang)}


LEVEL_VALUES = tuple(value for value, _label in level_options("nl"))


def industry_options(lang: str) -> list[tuple[str, str]]:
    return [(code, industry.label(lang)) for code, industry in INDUSTRIES_BY_CODE.items()]  # type: ignore[arg-type]


def companion_from_form(data: Mapping[str, Any], lang: str
                        ) -> tuple[CompanionIn | None, dict[str, str], dict[str, str]]:
    """(companion or None, the form as typed, errors) from a posted companion form."""
    form = {name: text(data, name) for name in COMPANION_FIELDS}
    errors: dict[str, str] = {}
    if not form["name"]:
        errors["name"] = gettext(lang, _("Enter your companion's name."))
    if "@" not in form["email"].strip("@"):
        errors["email"] = gettext(lang, _("Enter your companion's e-mail address, such as naam@voorbeeld.nl."))
    if form["industry"] not in INDUSTRIES_BY_CODE:
        errors["industry"] = gettext(lang, _("Choose the industry your companion works in."))
    birth_date: date | None = None
    try:
        birth_date = optional_date(form["birth_date"])
    except FormError as exc:
        errors["birth_date"] = gettext(lang, exc.message)
    level = form["experience_level"]  # "" is "weet ik niet": unknown, never a starter
    if level not in ("", *LEVEL_VALUES):
        errors["experience_level"] = gettext(lang, _("Choose a level, or \u201cI don't know\u201d."))
    if errors:
        return None, form, errors
    return CompanionIn(name=form["name"], email=form["email"], industry=form["industry"],
                       birth_date=birth_date, organisation=form["organisation"][:200],
                       experience_level=int(level) if level else None), form, {}


def companion_form_values(companion: PlaceOut) -> dict[str, str]:
    """The change-companion form filled in with the current companion (never a birth date: a place shows none)."""
    level = companion.experience_level
    return {"name": companion.name, "email": companion.email, "birth_date": "", "industry": companion.industry,
            "organisation": companion.organisation, "experience_level": "" if level is None else str(level)}


def can_buy(event: EventOut) -> bool:
    return event.sales_state == SalesState.OPEN and event.seats_left > 0


async def order_page(request: Request[Any, Any, Any], user: Principal, settings: Settings, slug: str, *,
                     form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                     check: dict[str, Any] | None = None, status_code: int = 200) -> Template:
    """The order form of an event (also shown again, with errors next to the fields, after a refusal)."""
    lang = request_language(request)
    event = await events.get_event(slug, user)
    live = [o for o in await list_my_orders(user) if o.event.slug == slug and o.status in (PENDING, PAID)]
    return page(request, "order/order.html", status_code=status_code, event=event, can_buy=can_buy(event),
                existing=live[0] if live else None, form=form or {"industry": ""}, errors=errors or {},
                check=check, industries=industry_options(lang), levels=level_options(lang),
                hold_minutes=settings.hold_minutes, active_nav="agenda")


def _check_view(result: EligibilityOut, lang: str) -> dict[str, Any]:
    return {"eligible": result.eligible, "code": result.code,
            "reason": (result.reason_en if lang == "en" else result.reason_nl) or result.reason_nl}


async def _invitations(user: Principal, typed: tuple[str, list[str]] | None = None) -> list[InvitationCard]:
    """Duo places someone else bought for this member (found by the account's VERIFIED e-mail), newest first: those that
    hold a place or once had a ticket; each with its QR code, the theme ranking and the published groups. `typed`:
    (card id, themes) of a ranking that was refused, shown again as chosen."""
    out = []
    for ticket in await list_my_tickets(user):
        if ticket.role != PlaceRole.COMPANION or not (ticket.live or ticket.ticket_code):
            continue
        state = invitation_state(ticket)
        valid = state == "valid"
        slug = ticket.event.slug
        breakouts = ranking = None
        if valid:
            try:
                breakouts = await my_breakouts(user, slug)
            except (NoTicket, PlanNotPublished):  # not published yet, or the place went since the list was read
                breakouts = None
            ranking = await event_ranking(user, slug)
            if ranking is not None and typed is not None and typed[0] == f"invite-{ticket.place_id}":
                ranking = msgspec.structs.replace(ranking, themes=typed[1])
        out.append(InvitationCard(
            ticket=ticket, state=state,
            state_label=INVITATION_LABELS.get(state) or STATUS_LABELS.get(ticket.order_status, ""),
            qr=qr_image(ticket.ticket_code) if valid and ticket.ticket_code else None, ranking=ranking,
            breakouts=breakouts))
    return out


def _choices(data: Mapping[str, Any]) -> list[str]:
    return [c for c in (text(data, f"choice-{i}") for i in range(1, 21)) if c]


def stripe_js_url(settings: Settings) -> str:
    """Stripe.js from Stripe itself with real keys; the fake one the local Stripe-compatible server serves."""
    if settings.uses_real_stripe or not settings.stripe_api_base:
        return "https://js.stripe.com/v3/"
    return f"{settings.stripe_api_base.rstrip('/')}/js.stripe.com/v3/"


class TicketPages(Controller):
    path = "/"
    include_in_schema = False

    # ------------------------------------------------------------------ ordering

    @post("/e/{slug:str}/bestellen", name="order_submit", guards=[requires_member, order_rate_limit])
    async def order_submit(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                           slug: FromPath[str], data: FormBody,
                           settings: NamedDependency[Settings]) -> Template | Redirect:
        lang = request_language(request)
        companion, form, errors = companion_from_form(data, lang)
        billing, billing_form, billing_errors = invoice_pages.billing_from_form(data, lang)
        form, errors = {**form, **billing_form}, {**errors, **billing_errors}
        check = None
        if companion is not None and not billing_errors:
            try:
                order = await reserve_duo(member, slug, companion, hold_minutes=settings.hold_minutes,
                                          concurrency=settings.order_concurrency)
            except DomainError as exc:
                errors = {**companion_error(exc, lang), **billing_errors}
                if exc.code.startswith("companion_"):
                    check = {"eligible": False, "code": exc.code, "reason": friendly(exc, lang)}
            else:
                if billing is not None:  # checked above: "op factuur van mijn werkgever"
                    await save_billing(member, order.id, billing)
                if order.status == PAID:  # a free event: no payment step
                    return redirect(path_for(request, "my_tickets"), "besteld", query={"bestelling": order.id})
                return redirect(path_for(request, "pay_page", order_id=order.id))
        return await order_page(request, member, settings, slug, form=form, errors=errors, check=check, status_code=422)

    @post("/e/{slug:str}/partner-check", name="companion_check")
    async def companion_check(self, request: Request[Any, Any, Any], viewer: NamedDependency[Principal | None],
                              slug: FromPath[str], data: FormBody) -> Template:
        """htmx: the companion rule for what has been typed so far, in plain words (an aria-live region)."""
        lang = request_language(request)
        industry = text(data, "industry")
        check: dict[str, Any] | None = None
        try:
            birth_date = optional_date(text(data, "birth_date"))
        except FormError as exc:
            check = {"eligible": False, "code": "companion_birth_date_invalid", "reason": gettext(lang, exc.message)}
        else:
            if industry:
                try:
                    result = await check_companion(
                        slug, industry, birth_date, text(data, "email") or None, viewer,
                        client=f"member:{viewer.id}" if viewer else f"ip:{client_ip(request)}")
                except DomainError as exc:  # rate-limited, or the event is gone: said in the live region
                    check = {"eligible": False, "code": exc.code, "reason": friendly(exc, lang)}
                else:
                    check = _check_view(result, lang)
        return Template("order/_check.html", context={"check": check, "lang": lang})

    # ------------------------------------------------------------------ paying

    @get("/mijn/tickets/{order_id:int}/betalen", name="pay_page", guards=[requires_member])
    async def pay(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], order_id: FromPath[int],
                  settings: NamedDependency[Settings]) -> Template | Redirect:
        lang = request_language(request)
        try:
            payment = await start_payment(member, order_id)
        except DomainError as exc:
            if exc.code == "order_already_paid":
                return redirect(path_for(request, "my_tickets"), query={"bestelling": order_id})
            if exc.code in ("reservation_expired", "payment_provider_unavailable", "payment_in_progress"):
                order = await get_order(member, order_id)
                return page(request, "order/pay.html", status_code=exc.status, order=order, payment=None,
                            problem=friendly(exc, lang), active_nav="tickets")
            raise
        order = await get_order(member, order_id)
        local = not settings.uses_real_stripe
        response = page(request, "order/pay.html", order=order, payment=payment, problem=None,
                        stripe_js=stripe_js_url(settings),
                        local_confirm_url=path_for(request, "pay_local", order_id=order_id) if local else "",
                        return_url=path_for(request, "my_tickets") + f"?bestelling={order_id}",
                        active_nav="tickets")
        # This page alone may load Stripe.js and talk to Stripe (the app-wide policy names Stripe's origins).
        response.headers["Content-Security-Policy"] = content_security_policy(settings)
        return response

    @post("/mijn/tickets/{order_id:int}/betalen/lokaal", name="pay_local", guards=[requires_member])
    async def pay_local(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                        order_id: FromPath[int], data: FormBody) -> Response[dict[str, Any]]:
        """Only with the local Stripe-compatible server: confirm with the card its fake Stripe.js tokenised."""
        lang = request_language(request)
        try:
            result = await local_checkout.confirm_with_local_card(member, order_id, text(data, "card"))
        except DomainError as exc:
            return Response({"ok": False, "message": friendly(exc, lang)}, status_code=exc.status,
                            media_type=MediaType.JSON)
        return Response({"ok": True, "status": result.status}, media_type=MediaType.JSON)

    @get("/mijn/tickets/{order_id:int}/status", name="order_status", guards=[requires_member])
    async def order_status(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                           order_id: FromPath[int]) -> Response[str] | Template:
        """htmx polling after paying: nothing to swap while the payment is on its way, the settled card after."""
        order = await get_order(member, order_id)
        if order.status == PENDING:
            return Response("", status_code=204, media_type=MediaType.HTML)
        (card,) = await order_cards(member, [order], settled=True)
        return Template("tickets/_order.html", context={"card": card, "status_labels": STATUS_LABELS,
                                                        "errors": {}, "lang": request_language(request)})

    # ------------------------------------------------------------------ my tickets

    @get("/mijn/tickets", name="my_tickets", guards=[requires_member])
    async def my_tickets(self, request: Request[Any, Any, Any], member: NamedDependency[Principal]) -> Template:
        return await self._list_page(request, member, waiting=request.query_params.get("bestelling", ""))

    async def _list_page(self, request: Request[Any, Any, Any], user: Principal, *, waiting: str = "",
                         errors: dict[str, str] | None = None, typed: tuple[str, list[str]] | None = None,
                         status_code: int = 200) -> Template:
        """My orders (as buyer) and, below them, the tickets others bought for me. ``typed``: (card id, themes)
        of a ranking that was refused, shown again as chosen."""
        cards = await order_cards(user, await list_my_orders(user), waiting=waiting, typed=typed)
        invited = await _invitations(user, typed)
        verify_email = await verify_email_notice(user, path_for(request, "my_tickets"))
        waiting_entries = [(e, entry_label(e)) for e in await waitlist.my_entries(user)
                           if e.status == WaitingStatus.WAITING or e.offer_outcome == OfferOutcome.OPEN
                           or (e.status == WaitingStatus.REFUSED and e.ended_at is not None)]
        return page(request, "tickets/list.html", status_code=status_code, waiting_entries=waiting_entries,
                    live=[c for c in cards if c.order.status in (PENDING, PAID)],
                    past=[c for c in cards if c.order.status not in (PENDING, PAID)], invited=invited,
                    verify_email=verify_email, status_labels=STATUS_LABELS, errors=errors or {},
                    active_nav="tickets")

    @post("/mijn/tickets/{order_id:int}/themas", name="rank_themes", guards=[requires_member])
    async def rank(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], order_id: FromPath[int],
                   data: FormBody) -> Template | Redirect:
        lang = request_language(request)
        order = await get_order(member, order_id)
        themes = _choices(data)
        error = await self._save_ranking(member, order.event.slug, themes, lang)
        if not error:
            return redirect(path_for(request, "my_tickets"), "voorkeur", fragment=f"order-{order_id}")
        return await self._list_page(request, member, errors={f"ranking-{order_id}": error},
                                     typed=(str(order_id), themes), status_code=422)

    @post("/mijn/tickets/uitnodiging/{place_id:int}/themas", name="rank_themes_invited", guards=[requires_member])
    async def rank_invited(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                           place_id: FromPath[int], data: FormBody) -> Template | Redirect:
        """A companion ranks the themes for the ticket someone else bought them (one of their own places)."""
        lang = request_language(request)
        ticket = next((t for t in await list_my_tickets(member)
                       if t.place_id == place_id and t.role == PlaceRole.COMPANION), None)
        if ticket is None:
            raise NotFound(_l("Dit ticket bestaat niet."))
        themes = _choices(data)
        error = await self._save_ranking(member, ticket.event.slug, themes, lang)
        if not error:
            return redirect(path_for(request, "my_tickets"), "voorkeur", fragment=f"invite-{place_id}")
        key = f"invite-{place_id}"
        return await self._list_page(request, member, errors={f"ranking-{key}": error}, typed=(key, themes),
                                     status_code=422)

    @staticmethod
    async def _save_ranking(user: Principal, slug: str, themes: list[str], lang: str) -> str:
        """Save the member's ranking for this event: "" when saved, else the message to show."""
        if len(set(themes)) != len(themes):
            return gettext(lang, FRIENDLY["invalid_ranking"])
        try:
            await rank_themes_as_member(user, slug, themes)
        except DomainError as exc:
            return friendly(exc, lang)
        return ""

    # ------------------------------------------------------------------ changing the companion

    @get("/mijn/tickets/{order_id:int}/partner", name="companion_page", guards=[requires_member])
    async def companion_form(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                             order_id: FromPath[int]) -> Template:
        order = await get_order(member, order_id)
        return self._companion_page(request, order, companion_form_values(order.companion), {})

    @post("/mijn/tickets/{order_id:int}/partner", name="companion_submit", guards=[requires_member])
    async def companion_submit(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                               order_id: FromPath[int], data: FormBody) -> Template | Redirect:
        lang = request_language(request)
        companion, form, errors = companion_from_form(data, lang)
        check = None
        if companion is not None:
            try:
                await change_companion(member, order_id, companion)
            except DomainError as exc:
                errors = companion_error(exc, lang)
                if exc.code.startswith("companion_"):
                    check = {"eligible": False, "code": exc.code, "reason": friendly(exc, lang)}
            else:
                return redirect(path_for(request, "my_tickets"), "partner", fragment=f"order-{order_id}")
        order = await get_order(member, order_id)
        return self._companion_page(request, order, form, errors, check=check, status_code=422)

    def _companion_page(self, request: Request[Any, Any, Any], order: OrderOut, form: dict[str, str],
                        errors: dict[str, str], *, check: dict[str, Any] | None = None,
                        status_code: int = 200) -> Template:
        return page(request, "tickets/companion.html", status_code=status_code, order=order, form=form,
                    errors=errors, check=check, industries=industry_options(request_language(request)),
                    levels=level_options(request_language(request)),
                    active_nav="tickets")

    # ------------------------------------------------------------------ cancelling

    @get("/mijn/tickets/{order_id:int}/annuleren", name="cancel_page", guards=[requires_member])
    async def cancel_confirm(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                             order_id: FromPath[int]) -> Template:
        order = await get_order(member, order_id)
        return page(request, "tickets/cancel.html", order=order, errors={}, active_nav="tickets")

    @post("/mijn/tickets/{order_id:int}/annuleren", name="cancel_submit", guards=[requires_member])
    async def cancel(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                     order_id: FromPath[int]) -> Template | Redirect:
        try:
            order = await cancel_order(member, order_id)
        except DomainError as exc:
            order = await get_order(member, order_id)
            return page(request, "tickets/cancel.html", status_code=exc.status, order=order,
                        errors={"form": friendly(exc, request_language(request))}, active_nav="tickets")
        refunded = order.status in (OrderStatus.REFUND_PENDING, OrderStatus.REFUNDED)
        notice = "mijn-duo-terugbetaald" if refunded else "mijn-duo-geannuleerd"
        return redirect(path_for(request, "my_tickets"), notice)


async def order_entry(request: Request[Any, Any, Any], viewer: Principal | None, settings: Settings,
                      slug: str) -> Template | Redirect:
    """``GET /e/{slug}/bestellen`` (routed in public.py): sign in first, then the order form."""
    if viewer is None:
        return redirect(login_url(request, path_for(request, "order_page", slug=slug)))
    return await order_page(request, viewer, settings, slug)
