"""The waiting list's pages: joining a sold-out event's list with a companion (the rule checked as people type, as on
the order form), leaving it or declining an offer from "My tickets", and the organiser's list of an event.

Each handler calls one use case of ticketing.waitlist; a ``DomainError`` becomes a message next to the field it
concerns (``tickets.companion_error``) or at the top of the page.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.auth import requires_member, requires_organiser
from core.errors import DomainError
from core.principal import Principal
from events import service as events
from frontend.forms import _
from frontend.i18n import gettext, request_language
from frontend.pages.common import FormBody, login_url, page, page_message, path_for, redirect, text
from frontend.pages.tickets import WAITING_LABELS, companion_error, companion_from_form, friendly, industry_options
from ticketing import waitlist
from ticketing.rules import MAX_OFFER_HOURS, MIN_OFFER_HOURS, OfferOutcome, WaitingStatus


async def join_page(request: Request[Any, Any, Any], user: Principal, slug: str, *, form: dict[str, str] | None = None,
                    errors: dict[str, str] | None = None, check: dict[str, Any] | None = None,
                    status_code: int = 200) -> Template:
    lang = request_language(request)
    event = await events.get_event(slug, user)
    state = await waitlist.public_state(slug, user)
    mine = [e for e in await waitlist.my_entries(user)
            if e.event.slug == slug and e.status == WaitingStatus.WAITING]
    settings = await waitlist.list_settings(event.id)
    return page(request, "waitlist/join.html", status_code=status_code, event=event, state=state,
                existing=mine[0] if mine else None, form=form or {"industry": ""}, errors=errors or {},
                check=check, industries=industry_options(lang), offer_hours=settings.offer_hours,
                active_nav="agenda")


class WaitingListPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/e/{slug:str}/wachtlijst", name="waitlist_join_page")
    async def join_form(self, request: Request[Any, Any, Any], viewer: NamedDependency[Principal | None],
                        slug: FromPath[str]) -> Template | Redirect:
        """Sign in first, then the form: who is your companion (the same fields as ordering)."""
        if viewer is None:
            return redirect(login_url(request, path_for(request, "waitlist_join_page", slug=slug)))
        return await join_page(request, viewer, slug)

    @post("/e/{slug:str}/wachtlijst", name="waitlist_join", guards=[requires_member])
    async def join(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], slug: FromPath[str],
                   data: FormBody) -> Template | Redirect:
        lang = request_language(request)
        companion, form, errors = companion_from_form(data, lang)
        check = None
        if companion is not None:
            try:
                entry = await waitlist.join(member, slug, companion)
            except DomainError as exc:
                errors = companion_error(exc, lang)
                if exc.code.startswith("companion_"):
                    check = {"eligible": False, "code": exc.code, "reason": friendly(exc, lang)}
            else:
                return redirect(path_for(request, "my_tickets"), "op-de-wachtlijst",
                                fragment=f"wachtlijst-{entry.id}")
        return await join_page(request, member, slug, form=form, errors=errors, check=check, status_code=422)

    @post("/mijn/wachtlijst/{entry_id:int}/verlaten", name="waitlist_leave", guards=[requires_member])
    async def leave(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                    entry_id: FromPath[int]) -> Redirect:
        """Leave the line, or decline an open offer (its held place goes to the next duo)."""
        entry = await waitlist.get_entry(member, entry_id)
        declining = entry.offer_outcome == OfferOutcome.OPEN
        await waitlist.leave(member, entry_id)
        return redirect(path_for(request, "my_tickets"), "aanbod-afgeslagen" if declining else "wachtlijst-verlaten")


class OrganiserWaitingListPages(Controller):
    path = "/organiseren"
    include_in_schema = False
    guards = [requires_organiser]

    async def _page(self, request: Request[Any, Any, Any], actor: Principal, slug: str, *,
                    errors: dict[str, str] | None = None, status_code: int = 200) -> Template:
        listing = await waitlist.organiser_list(actor, slug)
        event = await events.get_event(slug, actor)
        return page(request, "organiser/waitlist.html", status_code=status_code, listing=listing,
                    event=event, errors=errors or {}, labels=WAITING_LABELS, min_hours=MIN_OFFER_HOURS,
                    max_hours=MAX_OFFER_HOURS, active_nav="organise", tab="waitlist")

    @get("/{slug:str}/wachtlijst", name="organiser_waitlist")
    async def show(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                   slug: FromPath[str]) -> Template:
        return await self._page(request, member, slug)

    @post("/{slug:str}/wachtlijst/instellingen", name="organiser_waitlist_settings")
    async def settings(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], slug: FromPath[str],
                       data: FormBody) -> Template | Redirect:
        lang = request_language(request)
        raw = text(data, "offer_hours")
        if not raw.isdigit() or not MIN_OFFER_HOURS <= int(raw) <= MAX_OFFER_HOURS:
            message = gettext(lang, _("Enter a whole number of hours from %(low)d to %(high)d.")) % {
                "low": MIN_OFFER_HOURS, "high": MAX_OFFER_HOURS}
            return await self._page(request, member, slug, errors={"offer_hours": message}, status_code=422)
        await waitlist.update_settings(member, slug, offer_hours=int(raw),
                                       auto_offer=text(data, "auto_offer") == "on")
        return redirect(path_for(request, "organiser_waitlist", slug=slug), "opgeslagen")

    @post("/{slug:str}/wachtlijst/aanbieden", name="organiser_waitlist_offer")
    async def offer(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                    slug: FromPath[str]) -> Template | Redirect:
        try:
            await waitlist.offer_next(member, slug)
        except DomainError as exc:
            message = page_message(exc, request_language(request))
            return await self._page(request, member, slug, errors={"offer": message}, status_code=exc.status)
        return redirect(path_for(request, "organiser_waitlist", slug=slug), "aanbod-verstuurd")
