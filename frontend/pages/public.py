"""The public agenda and an event's page (with the community's theme ranking); the order route hands over to
the ticketing journey (frontend/pages/tickets.py)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.principal import Principal
from events import service as events
from events.rules import SalesState
from events.schemas import EventOut
from frontend.i18n import request_language
from frontend.pages.common import page, path_for, redirect
from pairing.rankings import ranking_figures
from settings import Settings
from ticketing import waitlist
from ticketing.tickets import my_live_place


def can_buy(event: EventOut) -> bool:
    return event.sales_state == SalesState.OPEN and event.seats_left > 0


def share_preview(event: EventOut, base_url: str, lang: str, *, path: str) -> dict[str, str]:
    """What LinkedIn, WhatsApp and others show for a shared link (Open Graph and a Twitter card): the title, a
    short description and the banner, with absolute URLs on this site. In the page language (English text when
    the organiser wrote it; ``path``: the event page's, from its named route). Pure."""
    english = lang == "en"
    title = event.title_en if english and event.title_en else event.title
    description = event.description_en if english and event.description_en else event.description
    summary = " ".join(description.split())
    if len(summary) > 200:
        summary = summary[:197].rsplit(" ", 1)[0] + "…"
    return {"title": title, "description": summary, "url": f"{base_url}{path}",
            "image": f"{base_url}{event.share_image_url}" if event.share_image_url else "",
            "locale": "en_GB" if english else "nl_NL"}


class PublicPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/", name="agenda_page")
    async def agenda(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "agenda.html", events=await events.list_published(), active_nav="agenda")

    @get("/agenda", name="agenda_alias")
    async def agenda_alias(self, request: Request[Any, Any, Any]) -> Redirect:
        return redirect(path_for(request, "agenda_page"))

    @get("/e/{slug:str}", name="event_page")
    async def event(self, request: Request[Any, Any, Any], viewer: NamedDependency[Principal | None],
                    slug: FromPath[str], settings: NamedDependency[Settings]) -> Template:
        event = await events.get_event(slug, viewer)
        rounds = [s for s in event.agenda if s.is_breakout_round]
        ranking = await ranking_figures(slug, viewer)  # the community's theme priorities, no names
        items = [(theme.title, theme.borda) for theme in ranking.themes]
        waiting = await waitlist.public_state(slug, viewer)
        # Someone with a place here is shown their ticket, not offered another (nor the waiting list).
        mine = await my_live_place(viewer, event.id) if viewer is not None else None
        return page(request, "event.html", event=event, rounds=rounds,
                    can_buy=can_buy(event) and not waiting.duos_waiting and mine is None,
                    waitlist=None if mine else waiting, my_place=mine,
                    share=share_preview(event, settings.public_base_url, request_language(request),
                                        path=path_for(request, "event_page", slug=slug)),
                    order_url=path_for(request, "order_page", slug=slug), ranking=ranking, ranking_items=items,
                    active_nav="agenda")

    @get("/e/{slug:str}/bestellen", name="order_page")
    async def order(self, request: Request[Any, Any, Any], viewer: NamedDependency[Principal | None],
                    settings: NamedDependency[Settings], slug: FromPath[str]) -> Template | Redirect:
        """Sign in first, then the ticketing journey's order form (frontend/pages/tickets.py)."""
        from frontend.pages.tickets import order_entry

        return await order_entry(request, viewer, settings, slug)
