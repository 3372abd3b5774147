"""One error mapping, two faces: problem+json for the API, a friendly HTML page for people.

``page_aware_handlers(problem_handlers())`` wraps each of the app's exception handlers: requests for API
paths (and anything that is not a page: the schema, feeds, calendar files, health) keep their RFC 9457
problem details; a page request gets an HTML error page in the page language, and a page that needs a
signed-in member sends the visitor to /inloggen?next=… instead of showing a 401.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Redirect, Template

from core.errors import DomainError
from frontend.forms import _
from frontend.i18n import request_language
from frontend.pages.common import CONTENT_SECURITY_POLICY, login_url, nav_items, page_message, path_for

log = logging.getLogger("nieuw_geluid.pages")

# Paths that are not pages for people: their errors stay problem+json.
# /events/ holds only calendar downloads (event pages live at /e/), so its misses answer as problem+json too.
NON_PAGE_PREFIXES: tuple[str, ...] = ("/api/", "/schema", "/feeds/", "/events/", "/healthz", "/static/")
NON_PAGE_SUFFIXES: tuple[str, ...] = (".ics", ".json", ".csv")

# English msgids per status; the detail of a DomainError is shown under it in the page language.
_TITLES: dict[int, str] = {
    400: _("Something in the request was not right"),
    401: _("Please sign in first"),
    403: _("You may not open this page"),
    404: _("Page not found"),
    405: _("This page cannot be used like that"),
    409: _("That is not possible right now"),
    422: _("Something in the form was not right"),
    429: _("Too many attempts; please wait a moment"),
    500: _("Something went wrong on our side"),
}
_EXPLANATIONS: dict[int, str] = {
    403: _("Your account does not have the role needed for this page, or the form was open too long."),
    404: _("The page may have moved, or the event is not published (yet)."),
    500: _("We have logged the problem. Please try again in a moment."),
}


def is_page_request(request: Request[Any, Any, Any]) -> bool:
    path = request.url.path
    return not (path.startswith(NON_PAGE_PREFIXES) or path == "/api" or path.endswith(NON_PAGE_SUFFIXES))


def _status_and_detail(exc: Exception, lang: str) -> tuple[int, str | None]:
    if isinstance(exc, DomainError):
        return exc.status, page_message(exc, lang)
    if isinstance(exc, ValidationException):
        return 400, None
    if isinstance(exc, HTTPException):
        return exc.status_code, None
    return 500, None


def error_page(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    lang = request_language(request)
    status, detail = _status_and_detail(exc, lang)
    if status == 401 and request.method in ("GET", "HEAD"):
        return Redirect(login_url(request, request.url.path + (f"?{request.url.query}" if request.url.query else "")),
                        status_code=303)
    if status == 500:
        log.exception("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    user = request.scope.get("user")
    context = {
        "status": status,
        "title": _TITLES.get(status, _TITLES[500] if status >= 500 else _TITLES[400]),
        "explanation": _EXPLANATIONS.get(status),
        "detail": detail if detail and status not in (401, 500) else None,
        "lang": lang,
        "signed_in": user is not None,
        "nav_links": nav_items(request, user),
    }
    headers = {"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Cache-Control": "no-store"}
    if status == 401:
        context["login_url"] = login_url(request, path_for(request, "agenda_page"))
    return Template("error.html", context=context, status_code=status, headers=headers, media_type=MediaType.HTML)


def page_aware_handlers(handlers: dict[type[Exception] | int, Callable[..., Response[Any]]]
                        ) -> dict[type[Exception] | int, Callable[..., Response[Any]]]:
    """Wrap each handler: API and other non-page paths keep it, page paths get :func:`error_page`."""

    def wrap(handler: Callable[..., Response[Any]]) -> Callable[..., Response[Any]]:
        def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
            if is_page_request(request):
                return error_page(request, exc)
            return handler(request, exc)

        return handle

    return {key: wrap(handler) for key, handler in handlers.items()}
