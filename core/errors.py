"""Domain errors with stable codes, and their one mapping to RFC 9457 problem details.

Services raise `DomainError` subclasses; `app.py` registers `problem_handlers()` once, so every API
error is `application/problem+json` with a `code` clients can rely on, and pages show `message` in the page
language. The message is a `core.i18n.LazyMessage` (`_l("Dutch msgid", **values)`): its Dutch text in the API,
translated by the page (`frontend.pages.common.page_message`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from http import HTTPStatus
from typing import Any, ClassVar

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)

from core.i18n import LazyMessage

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("nieuw_geluid.errors")


class DomainError(Exception):
    """A rule said no. `code` is stable; `message` is for people: a lazy gettext message (Dutch first)."""

    code: ClassVar[str] = "domain_error"
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Request not possible"

    def __init__(self, message: LazyMessage, *, field: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra


class NotFound(DomainError):
    code, status, title = "not_found", 404, "Not found"


class Conflict(DomainError):
    code, status, title = "conflict", 409, "Conflict"


class InvalidInput(DomainError):
    code, status, title = "validation_error", 422, "Invalid input"


class InvalidFields(InvalidInput):
    """Several fields wrong at once: every one is reported (problem+json `errors`, and next to each field on a
    page), so people fix a form in one go instead of in rounds. `message` and `field` are the first problem's."""

    def __init__(self, errors: Sequence[DomainError], **extra: Any) -> None:
        super().__init__(errors[0].message, field=errors[0].field, **extra)
        self.problems: list[tuple[str, LazyMessage]] = [(error.field or "", error.message) for error in errors]


class Forbidden(DomainError):
    code, status, title = "forbidden", 403, "Forbidden"


class AdminOnly(Forbidden):
    """What only an administrator may do (core.auth.requires_admin, members.roles)."""

    code = "admin_only"


class Unauthenticated(DomainError):
    code, status, title = "not_authenticated", 401, "Sign-in required"


def problem(
    status: int, code: str, title: str, detail: str, instance: str | None = None, **extra: Any
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
    headers = {"WWW-Authenticate": 'Bearer realm="nieuw-geluid"'} if status == 401 else None
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    # The API speaks Dutch first: a message (core.i18n.LazyMessage) is its Dutch text; pages translate theirs.
    if isinstance(exc, InvalidFields):
        errors: list[dict[str, Any]] | None = [{"field": f, "message": str(m)} for f, m in exc.problems]
    else:
        errors = [{"field": exc.field, "message": str(exc.message)}] if exc.field else None
    response = problem(exc.status, exc.code, exc.title, str(exc.message), request.url.path, errors=errors,
                       **exc.extra)
    if exc.extra.get("retry_after") is not None:  # 429 rate_limited (core.ratelimit), 503
        response.headers["Retry-After"] = str(exc.extra["retry_after"])
    return response


def _field_name(key: str | None, message: str) -> str | None:
    # msgspec reports nested paths in the message ("at `$.companion.email`"); prefer that path.
    if "`$." in message:
        return message.split("`$.", 1)[1].split("`", 1)[0]
    if "unknown field `" in message:
        return message.split("unknown field `", 1)[1].split("`", 1)[0]
    if "missing required field `" in message:
        return message.split("missing required field `", 1)[1].split("`", 1)[0]
    return key or None


def _validation_handler(request: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            message = str(item.get("message", ""))
            errors.append({"field": _field_name(item.get("key"), message), "message": message,
                           "source": item.get("source")})
    detail = exc.detail or "Invalid input"
    if errors and errors[0]["field"]:
        detail = f"Invalid value for '{errors[0]['field']}': {errors[0]['message']}"
    return problem(400, "validation_error", "Invalid input", detail, request.url.path, errors=errors or None)


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


def _http_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    status = exc.status_code
    code = _STATUS_CODES.get(status, "http_error" if status < 500 else "internal_error")
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    response = problem(status, code, title, str(exc.detail or title), request.url.path)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def _unexpected_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.exception("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, "internal_error", "Internal Server Error", "Something went wrong on our side.",
                   request.url.path)


def problem_handlers() -> dict[type[Exception] | int, Any]:
    return {
        DomainError: _domain_error_handler,
        ValidationException: _validation_handler,
        NotAuthorizedException: _http_handler,
        PermissionDeniedException: _http_handler,
        HTTPException: _http_handler,
        Exception: _unexpected_handler,
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
