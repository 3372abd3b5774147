"""The request edge: bodies and queries that no handler should ever see, refused once for every route.

- A NUL character (U+0000) in any text: PostgreSQL cannot store it in a text column and answers with an
  error, SQLite stores it and cuts names short in other tools. Refused with 422 `validation_error` (naming
  the field) wherever it hides: the path, the query string, a form field (`%00`), a JSON string or key
  (`\\u0000`). One check here instead of one per field.
- A JSON body that the decoder cannot take apart at all: nesting deeper than msgspec's recursion limit
  raised a RecursionError from deep inside Litestar's body parsing (a 500, also anonymously). Refused with
  400 `bad_request`. Plain malformed JSON keeps Litestar's own 400.

The body is read once here and handed on unchanged, so handlers (and the Stripe signature check) see the
bytes as they were sent. Bodies above the app's size limit are left to Litestar, which answers 413.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.enums import ScopeType
from litestar.exceptions import ClientException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, HTTPRequestEvent, Receive, ReceiveMessage, Scope, Send

from core.errors import InvalidInput
from core.i18n import lazy_gettext as _l

MAX_BODY_BYTES = 10_000_000  # Litestar's default request_max_body_size: larger bodies are its 413
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def refuse_nul(field: str | None = None) -> InvalidInput:
    return InvalidInput(_l("Tekst mag geen NUL-teken (U+0000) bevatten."), field=field or None)


class UnreadableBody(ClientException):
    """A body the decoder gives up on (too deeply nested): 400, never a 500."""


def _has_encoded_nul(raw: bytes) -> bool:
    return b"\x00" in raw or b"%00" in raw


def _form_field_with_nul(body: bytes) -> str | None:
    """The name of the first form field whose name or value holds a NUL (`%00`), or "" when only the raw
    body does; None when there is none. (`+` and other escapes never encode NUL.)"""
    if not _has_encoded_nul(body):
        return None
    for pair in body.split(b"&"):
        name, _, value = pair.partition(b"=")
        if _has_encoded_nul(name) or _has_encoded_nul(value):
            return name.replace(b"%00", b"").replace(b"\x00", b"").decode("latin-1")[:60]
    return ""


def _json_field_with_nul(value: Any) -> str | None:
    """The dotted path of the first string (or key) holding a NUL, or None. Iterative: the decoder already
    accepted the nesting, and a recursive walk would hit Python's own limit at a similar depth."""
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return path
        elif isinstance(item, dict):
            for key, child in item.items():
                child_path = f"{path}.{key}" if path else str(key)
                if "\x00" in str(key):
                    return child_path.replace("\x00", "")
                stack.append((child_path, child))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", child) for i, child in enumerate(item))
    return None


def _multipart_field_with_nul(content_type: str, body: bytes) -> str | None:
    """As `_form_field_with_nul`, for a multipart form: the text fields are checked, uploaded files (a part with a
    filename) are bytes and may hold any byte."""
    boundary = next((p.split("=", 1)[1].strip().strip('"') for p in content_type.split(";")
                     if p.strip().lower().startswith("boundary=")), "")
    if not boundary or b"\x00" not in body:
        return None
    for part in body.split(b"--" + boundary.encode("latin-1")):
        head, _, value = part.partition(b"\r\n\r\n")
        if b"filename=" in head.lower():
            continue
        if b"\x00" in head or b"\x00" in value:
            name = head.split(b'name="', 1)[1].split(b'"', 1)[0] if b'name="' in head else b""
            return name.replace(b"\x00", b"").decode("latin-1")[:60]
    return None


def check_body(content_type: str, body: bytes) -> None:
    """Raise for a body with a NUL in any text (422) or JSON too deeply nested to decode (400). An image sent as the
    body itself (`image/…`, the banner upload) is bytes, not text: it is left to its handler."""
    if not body:
        return
    given, content_type = content_type, content_type.lower()
    if content_type.startswith("image/"):
        return
    if content_type.startswith("multipart/form-data"):
        field = _multipart_field_with_nul(given, body)  # the boundary as sent: it is case-sensitive
        if field is not None:
            raise refuse_nul(field)
        return
    if content_type.startswith(_FORM_TYPES):
        field = _form_field_with_nul(body)
        if field is not None:
            raise refuse_nul(field)
        return
    # Litestar decodes a body as JSON whatever its Content-Type says, so every other body is tried as JSON.
    try:
        decoded = msgspec.json.decode(body)
    except RecursionError as exc:
        raise UnreadableBody("The JSON body is nested too deeply.") from exc
    except msgspec.DecodeError:
        if b"\x00" in body:
            raise refuse_nul() from None
        return  # malformed JSON: Litestar's own 400 says where
    field = _json_field_with_nul(decoded)
    if field is not None:
        raise refuse_nul(field)


def check_target(scope: Scope) -> None:
    """Raise 422 for a NUL in the path or the query string."""
    if "\x00" in scope.get("path", "") or _has_encoded_nul(scope.get("query_string", b"")):
        raise refuse_nul()


class RequestEdgeMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        check_target(scope)
        if scope.get("method") not in _BODY_METHODS:
            await next_app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        first: ReceiveMessage | None = None
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: hand that on as it came
                first = message
                break
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            more = message.get("more_body", False)
            if size > MAX_BODY_BYTES:
                break
        body = b"".join(chunks)
        if first is None and not more:
            content_type = ""
            for name, value in scope.get("headers", []):
                if name == b"content-type":
                    content_type = value.decode("latin-1")
            check_body(content_type, body)
        replayed = False

        async def replay() -> ReceiveMessage:
            nonlocal replayed
            if not replayed:
                replayed = True
                if first is not None and not chunks:
                    return first
                return HTTPRequestEvent(type="http.request", body=body, more_body=more)
            if first is not None:
                return first
            return await receive()

        await next_app(scope, replay, send)
