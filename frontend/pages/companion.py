"""The companion's own page, without an account (issue 15): ``/partner/{token}``, the link in their mail.

They see their own ticket with its QR code, rank the themes, give their experience and organisation, see their
breakout groups once published, and can make a new link. The token is a bearer secret: every answer is
``Cache-Control: no-store`` and ``Referrer-Policy: no-referrer`` (a link on the page never carries the URL to
another site). The buyer asks here, too, for the companion's mail to be sent again (a new link; never shown to
the buyer). Handlers call ticketing.companion_links and pairing's rankings and publish use cases.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.auth import requires_member
from core.errors import DomainError, NotFound
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from core.security import client_ip, session_cookie
from events import feeds
from frontend.forms import _
from frontend.i18n import gettext, request_language
from frontend.pages.account import level_options, start_session
from frontend.pages.common import NOTICES, FormBody, page, page_message, path_for, redirect, text
from frontend.pages.ticket_cards import qr_image
from frontend.pages.tickets import FRIENDLY, _choices, friendly
from pairing.errors import NoTicket, PlanNotPublished
from pairing.publish import breakouts_of_place
from pairing.rankings import rank_themes_for_place, ranking_of_place
from pairing.schemas import MyBreakoutsOut, RankingOut
from settings import Settings
from ticketing import companion_links
from ticketing.companion_links import CompanionTicket
from ticketing.tickets import my_ticket_pdf, ticket_pdf_of_place


def pdf_response(found: tuple[bytes, str] | None) -> Response[bytes]:
    """A person's own PDF ticket as a download, never cached (it holds their door code)."""
    if found is None:
        raise NotFound(_l("Er is geen geldig ticket om te downloaden."))
    content, name = found
    return Response(content, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer"})

NOTICES.update({
    "partner-gegevens": _("Thank you: your experience and organisation have been saved."),
    "partner-nieuwe-link": _("This is your new link: the old one no longer works. Bookmark this page, or use the "
                             "link in your newest e-mail."),
    "partner-account": _("Your account is ready and you are signed in. Your ticket is below; your link keeps working."),
    "partner-mail": _("Your companion's ticket has been e-mailed to them again, with a new link to their own page."),
})
STATE_LABELS = {"valid": _("Valid"), "awaiting": _("Awaiting payment"), "replaced": _("Replaced"),
                "ended": _("No longer valid")}


def _private(response: Template | Redirect) -> Template | Redirect:
    # The URL holds the token: never cached, never sent on to another site as a referrer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _client(request: Request[Any, Any, Any]) -> str:
    return f"ip:{client_ip(request)}"


async def _ranking(ticket: CompanionTicket) -> RankingOut | None:
    if ticket.state != "valid":
        return None
    try:
        ranking = await ranking_of_place(ticket.place_id)
    except NoTicket:  # the place lost its ticket since the page looked it up: nothing to rank
        return None
    return ranking if ranking.available else None


async def _breakouts(ticket: CompanionTicket) -> MyBreakoutsOut | None:
    if ticket.state != "valid":
        return None
    try:
        return await breakouts_of_place(ticket.place_id)
    except PlanNotPublished:
        return None  # not published yet


class CompanionPages(Controller):
    path = "/"
    include_in_schema = False

    async def _page(self, request: Request[Any, Any, Any], token: str, *, errors: dict[str, str] | None = None,
                    form: dict[str, str] | None = None, themes: list[str] | None = None,
                    feed: dict[str, Any] | None = None, status_code: int = 200) -> Template | Redirect:
        lang = request_language(request)
        ticket = await companion_links.companion_ticket(token, client=_client(request))
        ranking = await _ranking(ticket)
        if ranking is not None and themes is not None:
            ranking = msgspec.structs.replace(ranking, themes=themes)
        level = ticket.experience_level
        values = form or {"experience_level": "" if level is None else str(level),
                          "organisation": ticket.organisation}
        return _private(page(
            request, "companion/ticket.html", status_code=status_code, ticket=ticket, token=token,
            state_label=STATE_LABELS[ticket.state], qr=qr_image(ticket.ticket_code) if ticket.ticket_code else None,
            ranking=ranking, breakouts=await _breakouts(ticket), levels=level_options(lang), form=values,
            errors=errors or {}, feed=feed))

    @get("/partner/{token:str}", name="companion_ticket_page")
    async def ticket(self, request: Request[Any, Any, Any], token: FromPath[str]) -> Template | Redirect:
        return await self._page(request, token)

    @post("/partner/{token:str}/themas", name="companion_rank")
    async def rank(self, request: Request[Any, Any, Any], token: FromPath[str], data: FormBody
                   ) -> Template | Redirect:
        lang = request_language(request)
        place_id = await companion_links.place_for_link(token, client=_client(request))
        themes = _choices(data)
        error = ""
        if len(set(themes)) != len(themes):
            error = gettext(lang, FRIENDLY["invalid_ranking"])
        else:
            try:
                await rank_themes_for_place(place_id, themes)
            except DomainError as exc:
                error = friendly(exc, lang)
        if not error:
            page_path = path_for(request, "companion_ticket_page", token=token)
            return _private(redirect(page_path, "voorkeur", fragment="ranking"))
        return await self._page(request, token, errors={"ranking-companion": error}, themes=themes,
                                status_code=422)

    @post("/partner/{token:str}/gegevens", name="companion_details")
    async def details(self, request: Request[Any, Any, Any], token: FromPath[str], data: FormBody
                      ) -> Template | Redirect:
        lang = request_language(request)
        form = {"experience_level": text(data, "experience_level"), "organisation": text(data, "organisation")}
        errors: dict[str, str] = {}
        level = form["experience_level"]
        if level not in ("", *(value for value, _label in level_options(lang))):
            errors["experience_level"] = gettext(lang, _("Choose a level, or \u201cI don't know\u201d."))
        if len(form["organisation"]) > 120:
            errors["organisation"] = gettext(lang, _("At most 120 characters."))
        if not errors:
            try:
                await companion_links.confirm_details(token, int(level) if level else None, form["organisation"],
                                                      client=_client(request))
            except DomainError as exc:
                errors["form"] = friendly(exc, lang)
            else:
                page_path = path_for(request, "companion_ticket_page", token=token)
                return _private(redirect(page_path, "partner-gegevens", fragment="details"))
        return await self._page(request, token, errors=errors, form=form, status_code=422)

    @get("/partner/{token:str}/ticket.pdf", name="companion_ticket_pdf")
    async def ticket_pdf(self, request: Request[Any, Any, Any], token: FromPath[str]) -> Response[bytes]:
        place_id = await companion_links.place_for_link(token, client=_client(request))
        return pdf_response(await ticket_pdf_of_place(place_id, request_language(request)))

    @get("/mijn/tickets/plek/{place_id:int}/ticket.pdf", name="my_ticket_pdf", guards=[requires_member])
    async def my_pdf(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                     place_id: FromPath[int]) -> Response[bytes]:
        """A member's own PDF ticket (as buyer, or as companion with a verified e-mail), one person's code."""
        return pdf_response(await my_ticket_pdf(member, place_id, request_language(request)))

    @post("/partner/{token:str}/account", name="companion_account")
    async def account(self, request: Request[Any, Any, Any], token: FromPath[str], data: FormBody,
                      settings: NamedDependency[Settings]) -> Template | Redirect:
        """Make this an account in one step: a password, and the companion is signed in (address already proven)."""
        lang = request_language(request)
        password = text(data, "password")
        try:
            email = await companion_links.make_account(token, password, language=lang, client=_client(request))
            issued = await start_session(request, email, password, settings)
        except DomainError as exc:
            if exc.code == "account_exists":
                message = gettext(lang, _("There is an account with this e-mail address already. Sign in with it: "
                                          "this ticket is under My tickets."))
            else:
                message = page_message(exc, lang)
            return await self._page(request, token, errors={"password": message}, status_code=exc.status)
        return _private(redirect(path_for(request, "my_tickets"), "partner-account",
                                 cookies=[session_cookie(issued.token, settings)]))

    @post("/partner/{token:str}/agenda", name="companion_feed")
    async def calendar(self, request: Request[Any, Any, Any], token: FromPath[str],
                       settings: NamedDependency[Settings]) -> Template | Redirect:
        """The companion's own calendar feed (as a member's personal feed): its URL shown this once; a new one
        replaces the old at once."""
        url = feeds.companion_feed_url(settings, await companion_links.new_feed_token(token, client=_client(request)))
        return await self._page(request, token, feed={"url": url, "links": feeds.feed_links(url)})

    @post("/partner/{token:str}/nieuwe-link", name="companion_new_link")
    async def new_link(self, request: Request[Any, Any, Any], token: FromPath[str]) -> Template | Redirect:
        fresh = await companion_links.new_link(token, client=_client(request))
        return _private(redirect(path_for(request, "companion_ticket_page", token=fresh), "partner-nieuwe-link"))

    @post("/mijn/tickets/{order_id:int}/partner-mail", name="companion_mail_again", guards=[requires_member])
    async def mail_again(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                         order_id: FromPath[int]) -> Redirect:
        await companion_links.resend_companion_mail(member, order_id)
        return redirect(path_for(request, "my_tickets"), "partner-mail", fragment=f"order-{order_id}")
