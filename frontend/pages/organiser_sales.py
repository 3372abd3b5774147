"""Organiser pages for an event's duos: the attendee list (live or cancelled duos), its CSV export, the exceptions to
the companion rule on a page of their own (added and revoked there), and cancelling one duo (refunded). The sales
figures are shown on the event's own page (organiser.py) from the same service."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.auth import requires_organiser
from core.errors import DomainError
from core.principal import Principal
from core.spreadsheet import csv_response
from frontend.forms import _
from frontend.i18n import request_language
from frontend.pages.common import FormBody, field_errors, page, page_message, path_for, redirect, text
from members.rules import INDUSTRIES, email_is_valid
from ticketing import companions
from ticketing.attendees import AttendeeState, attendee_csv, attendee_list, sales_summary
from ticketing.cancellation import organiser_cancel_order
from ticketing.results import OrderOut
from ticketing.rules import OrderStatus

# Notices after cancelling one duo, by what happened to the money (see common.NOTICES).
CANCEL_NOTICES: dict[str, str] = {OrderStatus.REFUND_PENDING: "duo-terugbetaling",
                                  OrderStatus.REFUNDED: "duo-terugbetaald"}


def industry_labels(lang: str) -> dict[str, str]:
    return {i.code: i.label(lang) for i in INDUSTRIES}  # type: ignore[arg-type]


# Duos per page of the attendee list: about 20 KB gzipped, so the page stays within the 60 KB budget.
DUOS_PER_PAGE = 50


def _matches(duo: OrderOut, words: list[str]) -> bool:
    haystack = " ".join(f"{place.name} {place.email} {place.organisation} {place.ticket_code or ''}"
                        for place in (duo.buyer, duo.companion)).casefold()
    return all(word in haystack for word in words)


def page_of_duos(duos: Sequence[OrderOut], query: str = "", page_param: str = "",
                 per_page: int = DUOS_PER_PAGE) -> dict[str, Any]:
    """One page of the attendee list, after an optional search (every word must occur in a name, e-mail,
    organisation or ticket code of either person). Pure; an out-of-range page shows the nearest one."""
    words = query.casefold().split()
    found = [d for d in duos if _matches(d, words)] if words else list(duos)
    pages = max(1, -(-len(found) // per_page))
    number = min(max(1, int(page_param)), pages) if page_param.isdigit() else 1
    start = (number - 1) * per_page
    return {"duos": found[start:start + per_page], "found": len(found), "page": number, "pages": pages,
            "first": start + 1 if found else 0, "last": min(start + per_page, len(found)), "query": query.strip()}


# ?toon=geannuleerd shows the cancelled duos instead of the live ones.
SHOW_CANCELLED = "geannuleerd"


async def attendees_page(request: Request[Any, Any, Any], actor: Principal, slug: str) -> Template:
    state: AttendeeState = "cancelled" if request.query_params.get("toon") == SHOW_CANCELLED else "live"
    listing = await attendee_list(actor, slug, state)
    sales = await sales_summary(actor, slug)
    lang = request_language(request)
    listed = page_of_duos(listing.duos, request.query_params.get("zoek", "")[:200],
                         request.query_params.get("pagina", ""))
    return page(request, "organiser/attendees.html", listing=listing, sales=sales, listed=listed,
                show=SHOW_CANCELLED if state == "cancelled" else "",
                overrides_in_force=sum(1 for o in listing.overrides if o.revoked_at is None),
                event=sales.event, industries=industry_labels(lang), active_nav="organise", tab="attendees")


async def overrides_page(request: Request[Any, Any, Any], actor: Principal, slug: str, *,
                         form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
                         status_code: int = 200) -> Template:
    """The exceptions to the companion rule: those in force (each revocable), the form, and the revoked ones."""
    listing = await attendee_list(actor, slug)
    in_force = [o for o in listing.overrides if o.revoked_at is None]
    revoked = [o for o in listing.overrides if o.revoked_at is not None]
    return page(request, "organiser/overrides.html", status_code=status_code, event=listing.event,
                in_force=in_force, revoked=revoked, form=form or {}, errors=errors or {}, active_nav="organise",
                tab="attendees")


class OrganiserSalesPages(Controller):
    path = "/organiseren"
    include_in_schema = False
    guards = [requires_organiser]

    @get("/{slug:str}/deelnemers", name="organiser_attendees")
    async def attendees(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                        slug: FromPath[str]) -> Template:
        return await attendees_page(request, member, slug)

    @get("/{slug:str}/deelnemers.csv", name="organiser_attendees_csv")
    async def attendees_csv(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                            slug: FromPath[str]) -> Response[bytes]:
        """The same export as the API: every duo, one row per person, no birth dates."""
        body = await attendee_csv(member, slug, request_language(request))
        return csv_response(body, f"deelnemers-{slug}.csv")

    @get("/{slug:str}/uitzonderingen", name="organiser_overrides")
    async def overrides(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                        slug: FromPath[str]) -> Template:
        return await overrides_page(request, member, slug)

    @post("/{slug:str}/uitzonderingen/{override_id:int}/intrekken", name="organiser_revoke_override")
    async def revoke_override(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                              slug: FromPath[str], override_id: FromPath[int]) -> Redirect:
        await companions.revoke_override(member, slug, override_id)
        return redirect(path_for(request, "organiser_overrides", slug=slug), "uitzondering-ingetrokken")

    @post("/{slug:str}/uitzonderingen", name="organiser_add_override")
    async def add_override(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                           slug: FromPath[str], data: FormBody) -> Template | Redirect:
        form = {"email": text(data, "email"), "reason": text(data, "reason")}
        errors: dict[str, str] = {}
        if not email_is_valid(form["email"].lower()):
            errors["email"] = _("Enter the companion's e-mail address, for example naam@organisatie.nl.")
        if not form["reason"]:
            errors["reason"] = _("Say why this companion may come: it is kept with the exception.")
        if not errors:
            try:
                await companions.add_override(member, slug, form["email"], form["reason"][:1000])
            except DomainError as exc:
                errors = field_errors(exc, {"email": "email", "reason": "reason"}, request_language(request))
            else:
                return redirect(path_for(request, "organiser_overrides", slug=slug), "uitzondering")
        return await overrides_page(request, member, slug, form=form, errors=errors, status_code=422)

    @get("/{slug:str}/bestellingen/{order_id:int}/annuleren", name="organiser_cancel_order_confirm")
    async def cancel_order_confirm(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                                   slug: FromPath[str], order_id: FromPath[int]) -> Template:
        listing = await attendee_list(member, slug)
        duo = next((d for d in listing.duos if d.id == order_id), None)
        return page(request, "organiser/cancel_order.html", event=listing.event, duo=duo, order_id=order_id,
                    errors={}, active_nav="organise")

    @post("/{slug:str}/bestellingen/{order_id:int}/annuleren", name="organiser_cancel_order")
    async def cancel_order(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                           slug: FromPath[str], order_id: FromPath[int], data: FormBody) -> Template | Redirect:
        try:
            order = await organiser_cancel_order(member, slug, order_id, text(data, "reason")[:1000])
        except DomainError as exc:
            listing = await attendee_list(member, slug)
            duo = next((d for d in listing.duos if d.id == order_id), None)
            return page(request, "organiser/cancel_order.html", status_code=409, event=listing.event, duo=duo,
                        order_id=order_id, errors={"form": page_message(exc, request_language(request))},
                        active_nav="organise")
        notice = CANCEL_NOTICES.get(order.status, "duo-geannuleerd")
        return redirect(path_for(request, "organiser_attendees", slug=slug), notice)
