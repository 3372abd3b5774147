"""Organiser pages: my events, create a hackathon, its sales figures, edit (with its banner image), publish after a
preview, cancel (refunding every duo)."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

import msgspec
from litestar import Controller, MediaType, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from core.auth import requires_organiser
from core.db import utcnow
from core.errors import DomainError
from core.principal import Principal
from events import banner, images
from events import service as events
from events.rules import EventStatus, sales_state
from events.schemas import EventOut
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
from frontend.pages.door import DoorFigures, door_figures
from ticketing.attendees import sales_summary
from ticketing.results import SalesSummaryOut


def _friendly(exc: DomainError, request: Request[Any, Any, Any]) -> str:
    """A service error on the event form, in the page language."""
    lang = request_language(request)
    if exc.code == "slug_taken":
        return gettext(lang, _("There is already an event with this title. Choose another title, for example "
                               "with the year in it."))
    return page_message(exc, lang)


def missing_before_publishing(event: EventOut) -> list[str]:
    """What visitors will miss on the page (English msgids), so the organiser can add it first. Pure."""
    missing = []
    if not event.description:
        missing.append(_("a description: what it is about and who it is for"))
    if not (event.venue_name or event.address or event.online_url):
        missing.append(_("where it takes place"))
    if not event.agenda:
        missing.append(_("a programme"))
    if not event.contact_email:
        missing.append(_("a contact address for questions"))
    if not event.image_url:
        missing.append(_("an image, for the page and for the preview when the link is shared"))
    if not event.title_en:
        missing.append(_("an English title and description for English visitors"))
    return missing


def _form_page(request: Request[Any, Any, Any], form: EventForm, errors: dict[str, str], *,
               event: EventOut | None = None, sales: SalesSummaryOut | None = None,
               door: DoorFigures | None = None, status_code: int = 200) -> Template:
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
                return redirect(path_for(request, "organiser_event", slug=event.slug), "aangemaakt")
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
        details = await events.get_managed_event(slug, member)
        return _form_page(request, event_form_from_view(details), {}, event=details.event,
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
                return redirect(path_for(request, "organiser_event", slug=event.slug), "opgeslagen")
        return _form_page(request, form, errors, event=(await events.get_managed_event(slug, member)).event,
                          sales=await sales_summary(member, slug), door=await door_figures(member, slug),
                          status_code=422)

    @get("/{slug:str}/aan-de-deur", name="organiser_door_figures")
    async def door_card(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                        slug: FromPath[str]) -> Template:
        """htmx, every 30 s while the overview is open: the arrivals card again."""
        event = (await events.get_managed_event(slug, member)).event
        return page(request, "organiser/_arrivals.html", event=event, door=await door_figures(member, slug))

    @get("/{slug:str}/publiceren", name="organiser_publish_preview")
    async def publish_preview(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                              slug: FromPath[str]) -> Template | Redirect:
        """The public page as visitors will see it, what is still missing, and the button that publishes."""
        event = (await events.get_managed_event(slug, member)).event
        if event.status != EventStatus.DRAFT:
            return redirect(path_for(request, "organiser_event", slug=slug))
        # The page as it will be once published: a copy with its sales state then (the buy button stays off in a
        # preview); the event itself stays as the service gave it.
        as_published = msgspec.structs.replace(event, status=EventStatus.PUBLISHED, sales_state=sales_state(
            status=EventStatus.PUBLISHED, now=utcnow(), starts_at=event.starts_at, sales_start=event.sales_start,
            sales_end=event.sales_end))
        return page(request, "organiser/publish.html", event=as_published, missing=missing_before_publishing(event),
                    rounds=[s for s in event.agenda if s.is_breakout_round], active_nav="organise",
                    tab="overview")

    @post("/{slug:str}/publiceren", name="organiser_publish")
    async def publish(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                      slug: FromPath[str]) -> Redirect:
        await events.publish_event(member, slug)
        return redirect(path_for(request, "organiser_event", slug=slug), "gepubliceerd")

    @post("/{slug:str}/afbeelding", name="organiser_event_image",
          request_max_body_size=banner.MAX_UPLOAD_BYTES + 64 * 1024)
    async def event_image(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                          slug: FromPath[str],
                          data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
                          ) -> Template | Redirect:
        """Upload the banner (decoded and drawn again by events.banner), or remove it."""
        actor = member
        if data.get("remove"):
            await images.remove_event_image(actor, slug)
            return redirect(path_for(request, "organiser_event", slug=slug), "afbeelding-weg")
        upload = data.get("image")
        raw = await upload.read() if isinstance(upload, UploadFile) else b""
        try:
            await images.set_event_image(actor, slug, raw)
        except DomainError as exc:
            details = await events.get_managed_event(slug, actor)
            return _form_page(request, event_form_from_view(details),
                              {"image": page_message(exc, request_language(request))}, event=details.event,
                              sales=await sales_summary(actor, slug), door=await door_figures(actor, slug),
                              status_code=422)
        return redirect(path_for(request, "organiser_event", slug=slug), "afbeelding")

    @get("/{slug:str}/annuleren", name="organiser_cancel_confirm")
    async def cancel_confirm(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                             slug: FromPath[str]) -> Template:
        event = (await events.get_managed_event(slug, member)).event
        return page(request, "organiser/cancel.html", event=event, errors={}, active_nav="organise")

    @post("/{slug:str}/annuleren", name="organiser_cancel")
    async def cancel(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], slug: FromPath[str],
                     data: FormBody) -> Redirect:
        # The same use-case as the API: the event and every duo are cancelled, paid duos refunded.
        await events.cancel_event(member, slug, text(data, "reason")[:1000])
        return redirect(path_for(request, "organiser_event", slug=slug), "geannuleerd")
