"""Organiser pages: my events, create a hackathon, its sales figures, edit, publish, cancel (refunding every duo)."""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from core.auth import requires_organiser
from core.errors import DomainError
from core.principal import Principal
from events import service as events
from frontend.forms import (
    AgendaRow,
    EventForm,
    ThemeRow,
    _,
    blank_event_form,
    event_error_field,
    event_form_from_post,
    event_form_from_view,
    parse_event_form,
)
from frontend.i18n import gettext, request_language
from frontend.pages.common import FormBody, page, page_message, path_for, redirect, text
from frontend.pages.door import door_figures
from ticketing.attendees import sales_summary


def _friendly(exc: DomainError, request: Request[Any, Any, Any]) -> str:
    """A service error on the event form, in the page language."""
    lang = request_language(request)
    if exc.code == "slug_taken":
        return gettext(lang, _("There is already an event with this title. Choose another title, for example "
                               "with the year in it."))
    return page_message(exc, lang)


def _form_page(request: Request[Any, Any, Any], form: EventForm, errors: dict[str, str], *,
               event: dict[str, Any] | None = None, sales: dict[str, Any] | None = None,
               door: dict[str, Any] | None = None, status_code: int = 200) -> Template:
    return page(request, "organiser/event_form.html", status_code=status_code, form=form, errors=errors,
                event=event, sales=sales, door=door, active_nav="organise", tab="overview")


class OrganiserPages(Controller):
    path = "/organiseren"
    include_in_schema = False
    guards = [requires_organiser]

    @get("/", name="organiser_events")
    async def my_events(self, request: Request[Any, Any, Any], member: NamedDependency[Principal]) -> Template:
        return page(request, "organiser/events.html", events=await events.list_managed(member),
                    active_nav="organise")

    @get("/nieuw", name="organiser_new")
    async def new_form(self, request: Request[Any, Any, Any]) -> Template:
        return _form_page(request, blank_event_form(), {})

    @post("/nieuw", name="organiser_create")
    async def create(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                     data: FormBody) -> Template | Redirect:
        form = event_form_from_post(data)
        parsed, errors = parse_event_form(form)
        if parsed is not None:
            try:
                event = await events.create_event(member, {"kind": "hackathon", **parsed.data})
            except DomainError as exc:
                errors = {event_error_field(exc.field, parsed.agenda_rows) or "form": _friendly(exc, request)}
            else:
                return redirect(path_for(request, "organiser_event", slug=event["slug"]), "aangemaakt")
        return _form_page(request, form, errors, status_code=422)

    @get("/rij/{kind:str}", name="organiser_row")
    async def row(self, kind: FromPath[str]) -> Template:
        """htmx: one more empty theme or agenda row (indices are random, so rows never clash)."""
        index = secrets.token_hex(4)
        if kind == "thema":
            return Template("organiser/_theme_row.html", context={"row": ThemeRow(index), "errors": {}})
        return Template("organiser/_agenda_row.html", context={"row": AgendaRow(index), "errors": {}})

    @get("/rij-weg", name="organiser_row_removed")
    async def row_removed(self) -> Response[str]:
        """htmx: a removed row is replaced by nothing."""
        return Response("", media_type=MediaType.HTML)

    @get("/{slug:str}", name="organiser_event")
    async def edit_form(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                        slug: FromPath[str]) -> Template:
        event = await events.get_managed_event(slug, member)
        return _form_page(request, event_form_from_view(event), {}, event=event,
                          sales=await sales_summary(member, slug), door=await door_figures(member, slug))

    @post("/{slug:str}", name="organiser_update")
    async def update(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], slug: FromPath[str],
                     data: FormBody) -> Template | Redirect:
        form = event_form_from_post(data)
        parsed, errors = parse_event_form(form)
        if parsed is not None:
            try:
                event = await events.update_event(member, slug, parsed.data)
            except DomainError as exc:
                errors = {event_error_field(exc.field, parsed.agenda_rows) or "form": _friendly(exc, request)}
            else:
                return redirect(path_for(request, "organiser_event", slug=event["slug"]), "opgeslagen")
        return _form_page(request, form, errors, event=await events.get_managed_event(slug, member),
                          sales=await sales_summary(member, slug), door=await door_figures(member, slug),
                          status_code=422)

    @get("/{slug:str}/aan-de-deur", name="organiser_door_figures")
    async def door_card(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                        slug: FromPath[str]) -> Template:
        """htmx, every 30 s while the overview is open: the arrivals card again."""
        event = await events.get_managed_event(slug, member)
        return page(request, "organiser/_arrivals.html", event=event, door=await door_figures(member, slug))

    @post("/{slug:str}/publiceren", name="organiser_publish")
    async def publish(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                      slug: FromPath[str]) -> Redirect:
        await events.publish_event(member, slug)
        return redirect(path_for(request, "organiser_event", slug=slug), "gepubliceerd")

    @get("/{slug:str}/annuleren", name="organiser_cancel_confirm")
    async def cancel_confirm(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                             slug: FromPath[str]) -> Template:
        event = await events.get_managed_event(slug, member)
        return page(request, "organiser/cancel.html", event=event, errors={}, active_nav="organise")

    @post("/{slug:str}/annuleren", name="organiser_cancel")
    async def cancel(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], slug: FromPath[str],
                     data: FormBody) -> Redirect:
        # The same use-case as the API: the event and every duo are cancelled, paid duos refunded.
        await events.cancel_event(member, slug, text(data, "reason")[:1000])
        return redirect(path_for(request, "organiser_event", slug=slug), "geannuleerd")
