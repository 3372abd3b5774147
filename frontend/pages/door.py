"""The door's scanner page, phone first: `/organiseren/{slug}/inchecken`.

For whoever may work the event's door (its organiser, facilitators, its door role: checkin.access decides). The
page itself is static/js/door.js: it scans QR codes with the rear camera (the browser's BarcodeDetector, else the
vendored jsQR), takes typed codes and a name search, shows a large green, orange or red panel, and keeps working
offline from a local copy of the door list with a queue of scans that it syncs when the network returns.

The scanner's own requests are JSON posts to this page's paths (a session cookie never authenticates a write under
/api, and a page form carries its CSRF token): the same use cases as the API, the same bodies and answers, problems
as problem+json with the detail in the page's language.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.response import Template

from checkin import door, scans
from checkin.access import door_event
from checkin.door import MissingOut
from checkin.schemas import ArrivalsOut, BatchIn, BatchOut, BucketOut, DoorListOut, ScanIn, ScanOut, UndoOut
from core.auth import requires_member
from core.errors import DomainError, Forbidden, problem
from core.params import DbId
from core.principal import Principal
from core.spreadsheet import csv_response
from frontend.assets import STATIC_DIR, asset_url
from frontend.forms import _
from frontend.i18n import gettext, render_message, request_language
from frontend.pages.common import page, page_message, path_for

# The camera for this page only (every other page denies it, core.security.PERMISSIONS_POLICY).
DOOR_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(self), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), usb=(), "
    "payment=()"
)
DECODER = "vendor/jsQR-1.4.0.js"
SERVICE_WORKER = STATIC_DIR / "js" / "door-sw.js"

# What door.js says, translated on the server (English msgids; %(name)s placeholders are filled in by door.js).
DOOR_STRINGS: dict[str, str] = {
    "welcome": _("Welcome, %(name)s"),
    "already": _("Already in: %(name)s"),
    "already_detail": _("Came in at %(time)s at %(device)s (by %(by)s)."),
    "partner_in": _("%(name)s: already in at %(time)s"),
    "partner_expected": _("%(name)s: not in yet"),
    "partner_refused": _("%(name)s: no valid ticket"),
    "also_partner": _("Also check in %(name)s"),
    "undo": _("Undo"),
    "undone": _("Check-in undone: %(name)s"),
    "refused": _("Not admitted"),
    "ticket_unknown": _("Unknown code: there is no ticket with this code."),
    "ticket_other_event": _("This ticket is for another event: %(title)s on %(day)s."),
    "ticket_voided": _("This code was replaced on %(day)s: the buyer named another partner."),
    "ticket_cancelled": _("This duo was cancelled or refunded: this ticket is no longer valid."),
    "ticket_unpaid": _("This duo has not been paid: this ticket is not valid."),
    "error": _("That did not work. Try again, or check the code by hand."),
    "offline_green": _("Offline: checked against the list on this phone; it is sent when the network is back."),
    "offline_unknown": _("Offline: this code is not in the list on this phone. Check it again when online."),
    "offline_no_list": _("Offline without a door list: the scan is kept and checked when the network is back."),
    "status_online": _("Online"),
    "status_offline": _("Offline"),
    "status_queue": _("%(num)s to send"),
    "status_list": _("List of %(time)s"),
    "count": _("%(in)s of %(total)s in"),
    "earlier_elsewhere": _("%(name)s was already checked in earlier at %(device)s (%(time)s)."),
    "refused_after_sync": _("%(name)s: the server refused the offline check-in: %(reason)s"),
    "camera_off": _("No camera: type the code or search by name."),
    "no_results": _("Nobody found."),
    "check_in": _("Check in"),
    "you": _("you"),
    "buyer": _("buyer"),
    "companion": _("companion"),
    "queued": _("waiting to be sent"),
    "in_at": _("in at %(time)s"),
}


# Arrivals charted on the overview: the last two hours, in five-minute bars (the page stays within its budget).
CHART_BUCKETS = 24
# People not yet in, named on the overview; the full list is its own page (and CSV).
MISSING_ON_OVERVIEW = 10
MISSING_PER_PAGE = 100


class DoorFigures(msgspec.Struct, frozen=True):
    """The organiser overview's arrivals card (organiser/_arrivals.html): the figures as checkin gives them, the
    part of them the card shows, and how many are not in yet."""

    arrivals: ArrivalsOut
    chart: list[BucketOut]  # the last CHART_BUCKETS bars
    missing: list[MissingOut]  # the first MISSING_ON_OVERVIEW people not in yet
    missing_count: int


async def door_figures(actor: Principal, slug: str) -> DoorFigures | None:
    """The overview's arrivals card: figures, the chart's bars and the first people not yet in (None before any
    ticket is sold, or when the actor may not work the door)."""
    try:
        arrivals = await door.arrivals(actor, slug)
    except Forbidden:  # manages the event (an administrator, say) but may not work its door: no card
        return None
    if not arrivals.persons_expected:
        return None
    missing = await door.not_arrived(actor, slug)
    return DoorFigures(arrivals=arrivals, chart=arrivals.per_5_minutes[-CHART_BUCKETS:],
                       missing=missing[:MISSING_ON_OVERVIEW], missing_count=len(missing))


def _strings(lang: str) -> dict[str, str]:
    return {key: gettext(lang, msgid) for key, msgid in DOOR_STRINGS.items()}


def _problem(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    lang = request_language(request)  # the door's page language (its cookie first), as the scanner's own words
    return problem(exc.status, exc.code, render_message(exc.title, lang), page_message(exc, lang), request.url.path,
                   language=lang, **exc.extra)


class DoorPages(Controller):
    path = "/organiseren/{slug:str}/inchecken"
    include_in_schema = False
    guards = [requires_member]  # and checkin.access.door_event in every handler

    @get("/", name="door_scanner")
    async def scanner(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                      slug: FromPath[str]) -> Template:
        event = await door_event(member, slug)
        lang = request_language(request)
        response = page(request, "door/scanner.html", event=event, active_nav="organise", door_data={
            "slug": slug, "lang": lang, "timezone": event.timezone, "decoder": asset_url(DECODER),
            "strings": _strings(lang),
        })
        response.headers["Permissions-Policy"] = DOOR_PERMISSIONS_POLICY
        return response

    @get("/nog-niet-binnen", name="door_missing")
    async def missing(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                      slug: FromPath[str]) -> Template:
        """Who has not arrived yet, with their partner's state: 100 a page, by name."""
        event = await door_event(member, slug)
        missing = await door.not_arrived(member, slug)
        pages = max(1, -(-len(missing) // MISSING_PER_PAGE))
        number = request.query_params.get("pagina", "1")
        current = min(max(1, int(number)), pages) if number.isdigit() else 1
        shown = missing[(current - 1) * MISSING_PER_PAGE:current * MISSING_PER_PAGE]
        return page(request, "door/missing.html", event=event, missing=shown, total=len(missing), page=current,
                    pages=pages, active_nav="organise", tab="door")

    @get("/nog-niet-binnen.csv", name="door_missing_csv")
    async def missing_csv(self, member: NamedDependency[Principal], slug: FromPath[str]) -> Response[bytes]:
        return csv_response(await door.not_arrived_csv(member, slug), f"nog-niet-binnen-{slug}.csv")

    @get("/sw.js", name="door_service_worker", media_type="text/javascript")
    async def service_worker(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                             slug: FromPath[str]) -> Response[bytes]:
        """The scanner's service worker (static/js/door-sw.js), allowed to keep this event's scanner page: served
        here, under the page, because a worker's scope cannot reach above its own address without this header."""
        await door_event(member, slug)
        scope = path_for(request, "organiser_event", slug=slug) + "/"  # the event's organiser pages and below
        return Response(SERVICE_WORKER.read_bytes(), media_type="text/javascript", headers={
            "Service-Worker-Allowed": scope, "Cache-Control": "no-cache"})

    @get("/lijst", name="door_list")
    async def door_list(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                        slug: FromPath[str]) -> DoorListOut | Response[Any]:
        try:
            return await door.door_list(member, slug)
        except DomainError as exc:
            return _problem(request, exc)

    @post("/scan", name="door_scan", status_code=200)
    async def scan(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], slug: FromPath[str],
                   data: JSONBody[ScanIn]) -> ScanOut | Response[Any]:
        try:
            return await scans.check_in(member, slug, data)
        except DomainError as exc:
            return _problem(request, exc)

    @post("/batch", name="door_batch", status_code=200)
    async def batch(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], slug: FromPath[str],
                    data: JSONBody[BatchIn]) -> BatchOut | Response[Any]:
        try:
            return await scans.sync_batch(member, slug, data)
        except DomainError as exc:
            return _problem(request, exc)

    @post("/{checkin_id:int}/ongedaan", name="door_undo", status_code=200)
    async def undo(self, request: Request[Any, Any, Any], member: NamedDependency[Principal], slug: FromPath[str],
                   checkin_id: DbId) -> UndoOut | Response[Any]:
        try:
            return await scans.undo_check_in(member, slug, checkin_id)
        except DomainError as exc:
            return _problem(request, exc)
