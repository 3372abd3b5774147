"""Domain errors with stable codes, and their one mapping to RFC 9457 problem details.

Services raise `DomainError` subclasses; `app.py` registers `problem_handlers(translate)` once, so every API
error is `application/problem+json` with a `code` clients can rely on, and pages show `message` in the page
language. The message and the title are `core.i18n.LazyMessage`s (`_l("Dutch msgid", **values)`).

The API speaks the client's language: `title`, `detail` and each field error's `message` in the language of
`Accept-Language` (English when the client prefers it, Dutch otherwise), with `Content-Language` saying which;
the `code` is the same in every language. This module knows no catalogue: `create_app` passes the translator
(`frontend.i18n.render_message`) and the languages it has (Dutch first). Pages translate through
`frontend.pages.common.page_message` and the page language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Any, ClassVar

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)

from core.i18n import LazyMessage, negotiate_language
from core.i18n import lazy_gettext as _l

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("nieuw_geluid.errors")
# A message in a language: (message, language) -> text; a LazyMessage is translated, other text stays as it is.
Translate = Callable[[str, str], str]


class DomainError(Exception):
    """A rule said no. `code` is stable; `message` (and the class's `title`) are for people: lazy gettext
    messages, Dutch first."""

    code: ClassVar[str] = "domain_error"
    status: ClassVar[int] = 400
    title: ClassVar[str] = _l("Verzoek niet mogelijk")

    def __init__(self, message: LazyMessage, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra


class NotFound(DomainError):
    code, status, title = "not_found", 404, _l("Niet gevonden")


class Conflict(DomainError):
    code, status, title = "conflict", 409, _l("Conflict")


class InvalidInput(DomainError):
    code, status, title = "validation_error", 422, _l("Ongeldige invoer")


class InvalidFields(InvalidInput):
    """Several fields wrong at once: every one is reported (problem+json `errors`, and next to each field on a
    page), so people fix a form in one go instead of in rounds. `message` and `field` are the first problem's."""

    def __init__(self, errors: Sequence[DomainError], **extra: Any) -> None:
        super().__init__(errors[0].message, field=errors[0].field, **extra)
        self.problems: list[tuple[str, LazyMessage]] = [(error.field or "", error.message) for error in errors]


class Forbidden(DomainError):
    code, status, title = "forbidden", 403, _l("Niet toegestaan")


class AdminOnly(Forbidden):
    """What only an administrator may do (core.auth.requires_admin, members.roles)."""

    code = "admin_only"


class Unauthenticated(DomainError):
    code, status, title = "not_authenticated", 401, _l("Inloggen nodig")


def problem(
    status: int, code: str, title: str, detail: str, instance: str | None = None, *, language: str | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": f"https://nieuwgeluid.nl/problems/{code.replace('_', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    body.update({k: v for k, v in extra.items() if v is not None})
    headers = {"WWW-Authenticate": 'Bearer realm="nieuw-geluid"'} if status == 401 else {}
    if language:
        headers |= {"Content-Language": language, "Vary": "Accept-Language"}
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers or None)


def _field_name(key: str | None, message: str) -> str | None:
    # msgspec reports nested paths in the message ("at `$.companion.email`"); prefer that path.
    if "`$." in message:
        return message.split("`$.", 1)[1].split("`", 1)[0]
    if "unknown field `" in message:
        return message.split("unknown field `", 1)[1].split("`", 1)[0]
    if "missing required field `" in message:
        return message.split("missing required field `", 1)[1].split("`", 1)[0]
    return key or None


_STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}
# The titles of HTTP errors that are not ours (Litestar's routing, guards, body parsing); other statuses keep
# their English reason phrase.
_STATUS_TITLES: dict[int, LazyMessage] = {
    400: _l("Ongeldig verzoek"),
    401: _l("Inloggen nodig"),
    403: _l("Niet toegestaan"),
    404: _l("Niet gevonden"),
    405: _l("Methode niet toegestaan"),
    409: _l("Conflict"),
    413: _l("Verzoek te groot"),
    415: _l("Mediatype niet ondersteund"),
    429: _l("Te veel verzoeken"),
    500: _l("Interne serverfout"),
    503: _l("Dienst niet beschikbaar"),
}
_OUR_SIDE = _l("Er ging aan onze kant iets mis.")


def _as_raised(message: str, _language: str) -> str:
    return str(message)


def problem_handlers(translate: Translate = _as_raised, languages: Sequence[str] = ("nl",)
                     ) -> dict[type[Exception] | int, Any]:
    """The app's exception handlers: every error as problem+json, in the language of the request's
    ``Accept-Language`` among ``languages`` (the first when it prefers none of them), through ``translate``."""

    def language_of(request: Request[Any, Any, Any]) -> str:
        return negotiate_language(request.headers.get("accept-language"), languages)

    def domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
        language = language_of(request)
        if isinstance(exc, InvalidFields):
            errors: list[dict[str, Any]] | None = [{"field": f, "message": translate(m, language)}
                                                   for f, m in exc.problems]
        else:
            errors = [{"field": exc.field, "message": translate(exc.message, language)}] if exc.field else None
        response = problem(exc.status, exc.code, translate(exc.title, language), translate(exc.message, language),
                           request.url.path, language=language, errors=errors, **exc.extra)
        if exc.extra.get("retry_after") is not None:  # 429 rate_limited (core.ratelimit), 503
            response.headers["Retry-After"] = str(exc.extra["retry_after"])
        return response

    def validation(request: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
        # msgspec's own words ("Expected `int`, got `str`") stay as msgspec says them, in every language.
        language = language_of(request)
        errors = []
        for item in exc.extra if isinstance(exc.extra, list) else []:
            if isinstance(item, dict):
                message = str(item.get("message", ""))
                errors.append({"field": _field_name(item.get("key"), message), "message": message,
                               "source": item.get("source")})
        detail = translate(exc.detail, language) if exc.detail else translate(InvalidInput.title, language)
        if errors and errors[0]["field"]:
            detail = translate(_l("Ongeldige waarde voor '%(field)s': %(message)s", field=errors[0]["field"],
                                  message=errors[0]["message"]), language)
        return problem(400, "validation_error", translate(InvalidInput.title, language), detail, request.url.path,
                       language=language, errors=errors or None)

    def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
        language = language_of(request)
        status = exc.status_code
        code = _STATUS_CODES.get(status, "http_error" if status < 500 else "internal_error")
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        title = translate(_STATUS_TITLES.get(status, phrase), language)
        # Litestar's detail is the reason phrase unless someone gave one: then the title says it in the language.
        detail = title if not exc.detail or exc.detail == phrase else translate(exc.detail, language)
        response = problem(status, code, title, detail, request.url.path, language=language)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    def unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
        log.exception("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        language = language_of(request)
        return problem(500, "internal_error", translate(_STATUS_TITLES[500], language),
                       translate(_OUR_SIDE, language), request.url.path, language=language)

    return {
        DomainError: domain_error,
        ValidationException: validation,
        NotAuthorizedException: http_error,
        PermissionDeniedException: http_error,
        HTTPException: http_error,
        Exception: unexpected,
    }


__all__ = [
    "PROBLEM_JSON",
    "Conflict",
    "DomainError",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "Unauthenticated",
    "problem",
    "problem_handlers",
]
