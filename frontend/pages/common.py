"""What every page controller shares: the page context, the menu, sign-in redirects, form bodies.

Handlers stay thin: parse the form, call one service function, render. A ``DomainError`` from a service
becomes ``errors[field] = page_message(exc, lang)`` (the service's message in the page language) and the same
form is shown again (never a 500).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, NamedTuple
from urllib.parse import urlencode

from litestar import Request
from litestar.datastructures import ResponseHeader
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from core.auth import current
from core.errors import DomainError, InvalidFields
from core.principal import Principal
from frontend.forms import _
from frontend.i18n import DEFAULT_LANGUAGE, gettext, next_query, render_message, request_language

# A posted HTML form (application/x-www-form-urlencoded) as a plain dict of strings.
FormBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]

# Pages run under a strict policy: no inline scripts or styles, nothing from another origin.
# (The payment journey adds Stripe's origins to script-src/frame-src/connect-src on its own pages.)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)
PAGE_HEADERS = [
    ResponseHeader(name="Content-Security-Policy", value=CONTENT_SECURITY_POLICY),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="same-origin"),
    ResponseHeader(name="Cache-Control", value="no-store"),
]


@dataclass(frozen=True)
class NavLink:
    """One item of the main menu. Later journeys append theirs to ``NAV_LINKS`` (see pages/__init__.py)."""

    key: str  # what a page passes as active_nav
    label: str  # English msgid
    route: str  # the name of the page route it opens
    visible: Callable[[Principal | None], bool] = lambda _user: True


class MenuItem(NamedTuple):
    """A menu link as base.html shows it: its path resolved from the route's name."""

    key: str
    label: str
    path: str


NAV_LINKS: list[NavLink] = [
    NavLink("agenda", _("Agenda"), "agenda_page"),
    NavLink("tickets", _("My tickets"), "my_tickets", lambda user: user is not None),
    NavLink("my_agenda", _("My agenda"), "my_calendar", lambda user: user is not None),
    NavLink("organise", _("Organise"), "organiser_events", lambda user: user is not None and user.is_organiser),
    NavLink("board", _("Groups"), "board_events",
            lambda user: user is not None and (user.has_event_role or user.is_organiser)),
    NavLink("admin", _("Administration"), "admin_page", lambda user: user is not None and user.is_admin),
    NavLink("profile", _("Profile"), "profile_page", lambda user: user is not None),
]

# Short notes shown after a redirect (?melding=…); English msgids.
NOTICES: dict[str, str] = {
    "bevestiging-verstuurd": _("We have sent you a new confirmation e-mail. Open the link in it to confirm your "
                               "address."),
    # the attendee and member journeys (frontend/pages/tickets.py, calendar.py)
    "factuurgegevens": _("Your invoice details have been saved. Invoices from now on carry them."),
    "besteld": _("Your duo ticket is booked. Your tickets are below and have been e-mailed to you both."),
    "partner": _("Your companion has been changed. They get their own ticket by e-mail."),
    "mijn-duo-geannuleerd": _("Your duo has been cancelled and its places released. Nothing was charged."),
    "mijn-duo-terugbetaald": _("Your duo has been cancelled. The full amount is refunded to the account or card "
                               "you paid with; it usually shows within 5 to 10 working days."),
    "voorkeur": _("Your theme preference has been saved."),
    "op-de-wachtlijst": _("You are on the waiting list. We e-mail you as soon as a place is free for you both."),
    "wachtlijst-verlaten": _("You have left the waiting list."),
    "aanbod-afgeslagen": _("You have declined the place; it goes to the next duo on the waiting list."),
    "aanbod-verstuurd": _("The place has been offered to the next duo, who has been e-mailed."),
    "herinnering-aan": _("Reminders are on. Your calendar app picks them up at its next refresh."),
    "herinnering-uit": _("Reminders are off."),
    "link-uit": _("Your personal calendar link has been switched off; it no longer works."),
    "ingelogd": _("You are signed in."),
    "uitgelogd": _("You are signed out."),
    "wachtwoord-hersteld": _("Your new password is set and you are signed out everywhere. Log in with your new "
                             "password."),
    "opgeslagen": _("Your changes have been saved."),
    "aangemaakt": _("The hackathon has been saved as a draft. Publish it when it is ready."),
    "gepubliceerd": _("The event is published and visible on the agenda."),
    "afbeelding": _("The image has been saved. It shows on the event page and when the link is shared."),
    "afbeelding-weg": _("The image has been removed."),
    "geannuleerd": _("The event has been cancelled, with every duo; paid duos are refunded (see the figures below)."),
    "uitzondering": _("The exception has been added: this companion can now be ordered for."),
    "uitzondering-ingetrokken": _("The exception has been revoked: from now on the rule alone decides for this "
                                  "address. A duo ordered with it keeps its place."),
    "duo-geannuleerd": _("The duo has been cancelled and its place freed. Nothing had been paid."),
    "duo-terugbetaling": _("The duo has been cancelled and the refund sent to Stripe; it shows as refunded once "
                           "Stripe confirms it."),
    "duo-terugbetaald": _("The duo has been cancelled and refunded."),
    "gegenereerd": _("The groups have been generated as a draft. Check the report, adjust, then publish."),
    "opnieuw-gegenereerd": _("The groups have been generated again; pinned people stayed where they were pinned."),
    "groepen-gepubliceerd": _("The groups are published: attendees see their group and room in My agenda and their "
                              "calendar, and everyone whose groups are new or changed gets an e-mail."),
    "groepen-bijgewerkt": _("The groups now follow who is here and are published; everyone who moved gets a short "
                            "mail."),
    "zalen-opgeslagen": _("The rooms have been saved."),
    "rol-gegeven": _("The role has been given. It counts from their next page."),
    "rol-ingetrokken": _("The role has been revoked."),
    # ideas and votes (frontend/pages/ideas.py, ideas_organiser.py)
    "idee-ingediend": _("Your idea is on the wall. You and your co-authors can change it until the window closes."),
    "idee-gewijzigd": _("Your idea has been changed; the earlier version is kept in its history."),
    "idee-instellingen": _("The idea settings have been saved."),
    "stemming-open": _("The vote is open. Attendees find it on the idea wall."),
    "stemming-gesloten": _("The vote is closed and its results are published."),
    "jurylid": _("The juror has been appointed. They score the ideas on the jury page."),
    "jurylid-weg": _("The juror has been removed."),
    "scores": _("Your scores have been saved."),
}


def nav_items(request: Request[Any, Any, Any], user: Principal | None) -> list[MenuItem]:
    return [MenuItem(link.key, link.label, path_for(request, link.route)) for link in NAV_LINKS if link.visible(user)]


def page(request: Request[Any, Any, Any], template: str, *, status_code: int = 200,
         **context: Any) -> Template:
    """Render a page with what base.html needs: the menu, sign-in state, a notice from the query."""
    user = current(request)
    lang = request_language(request)
    notice = NOTICES.get(request.query_params.get("melding", ""))
    flashes = [{"category": "success", "message": gettext(lang, notice)}] if notice else []
    return Template(template, status_code=status_code, context={
        "user": user,
        "signed_in": user is not None,
        "nav_links": nav_items(request, user),
        "flash_messages": flashes + list(context.pop("flash_messages", [])),
        "lang": lang,
        **context,
    })


def path_for(request: Request[Any, Any, Any], route: str, **path_parameters: Any) -> str:
    """The path of a named route (Litestar's ``route_reverse``; in templates: ``url_for``).

    A path, not ``request.url_for``'s absolute URL: that one is built from the request's Host header and scheme,
    which behind a TLS-terminating proxy would send a redirect to ``http://``."""
    return request.app.route_reverse(route, **path_parameters)


def redirect(path: str, notice: str | None = None, *, query: Mapping[str, Any] | None = None, fragment: str = "",
             **options: Any) -> Redirect:
    """A 303 to ``path`` (see ``path_for``), with ``query`` and the ``notice`` (``?melding=``) to show there."""
    parameters = {**(query or {}), **({"melding": notice} if notice else {})}
    if parameters:
        path += ("&" if "?" in path else "?") + urlencode(parameters)
    if fragment:
        path += f"#{fragment}"
    return Redirect(path, status_code=303, **options)


def login_url(request: Request[Any, Any, Any], next_path: str) -> str:
    """The sign-in page, which sends the visitor on to ``next_path`` afterwards."""
    return path_for(request, "login_page") + next_query(next_path)


def page_message(exc: DomainError, lang: str) -> str:
    """A service error's message for a person, in the page language: its ``core.i18n.LazyMessage`` through
    the language's catalogue (Dutch as raised when a translation is missing: never an error while showing one)."""
    return render_message(exc.message, lang)


def field_errors(exc: DomainError, field_for: Mapping[str, str] | Callable[[str | None], str],
                 lang: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """``{form field: message}`` for a service error, in ``lang``; "" puts it at the top of the form. An error
    about several fields (``InvalidFields``) gives every one of them, so the form is fixed in one go."""
    def target(field: str | None) -> str:
        return (field_for(field) if callable(field_for) else field_for.get(field or "", "")) or "form"

    if isinstance(exc, InvalidFields):
        out: dict[str, str] = {}
        for field, message in exc.problems:
            out.setdefault(target(field), render_message(message, lang))
        return out
    return {target(exc.field): page_message(exc, lang)}


def text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value).strip()
