"""Who is asking: bearer tokens (API clients) and session cookies (browsers), both stored in the database.

The middleware only identifies; guards decide. Storing sessions in the database (not a worker's memory)
keeps a sign-in valid across any number of workers. Which member a token belongs to is the members' business:
members.sessions.principal_for_token, registered by create_app with `provide_token_lookup` (core imports no
domain).

Handlers get who is asking as a dependency (`AUTH_DEPENDENCIES`, registered app-wide in `create_app`), never
from the request: ``member: NamedDependency[Principal]`` behind a guard that requires a sign-in (a 401 without
one), ``viewer: NamedDependency[Principal | None]`` where anyone may ask. Neither shows in the OpenAPI schema:
their providers read only the connection.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.enums import ScopeType
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from core.errors import AdminOnly, Forbidden, Unauthenticated
from core.i18n import lazy_gettext as _l
from core.principal import Principal

SESSION_COOKIE = "ng_session"

# A bearer token or session cookie → its member (None: unknown, expired or revoked).
TokenLookup = Callable[[str], Awaitable[Principal | None]]
_lookup: list[TokenLookup] = []


def provide_token_lookup(lookup: TokenLookup) -> None:
    """Register how a token is looked up (create_app: members.sessions.principal_for_token)."""
    _lookup[:] = [lookup]


async def principal_for_token(token: str) -> Principal | None:
    if not _lookup:
        raise RuntimeError("no token lookup registered: create_app calls core.auth.provide_token_lookup")
    return await _lookup[0](token)


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _cookie_may_authenticate(scope: Scope) -> bool:
    """The session cookie signs in pages (whose forms carry a CSRF token) and API reads, never API writes.

    CSRF protection is off for /api (bearer clients send no CSRF token); a change under /api that a cookie
    could authenticate would then rest on SameSite alone, which a sibling subdomain gets around.
    """
    return not (scope.get("path", "").startswith("/api/") and scope.get("method", "GET") not in _SAFE_METHODS)


def _token_from_scope(scope: Scope) -> str | None:
    cookie_token = None
    cookie_allowed = _cookie_may_authenticate(scope)
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            scheme, _, credentials = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and credentials.strip():
                return credentials.strip()
        elif name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, val = part.strip().partition("=")
                if key == SESSION_COOKIE and val and cookie_allowed:
                    cookie_token = val
    return cookie_token


class AuthenticationMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        token = _token_from_scope(scope)
        scope["user"] = await principal_for_token(token) if token else None
        scope["auth"] = token
        await next_app(scope, receive, send)


def current(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal | None:
    user = connection.scope.get("user")
    return user if isinstance(user, Principal) else None


def signed_in(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The principal of a route behind a guard; raises when nobody is signed in."""
    user = current(connection)
    if user is None:
        raise Unauthenticated(_l("Log in om verder te gaan."))
    return user


def provide_member(request: Request[Any, Any, Any]) -> Principal:
    """The `member` dependency: the signed-in member (the route's guard has already required one)."""
    return signed_in(request)


def provide_viewer(request: Request[Any, Any, Any]) -> Principal | None:
    """The `viewer` dependency: whoever is signed in, or None on a public route."""
    return current(request)


AUTH_DEPENDENCIES = {
    "member": Provide(provide_member, sync_to_thread=False),
    "viewer": Provide(provide_viewer, sync_to_thread=False),
}


# The guards are coroutines although they do no I/O: Litestar runs a plain-function guard in its thread pool
# (`ensure_async_callable`), a thread hop on every guarded request, and under a rush those requests queue for
# the pool's threads.
async def requires_member(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    if current(connection) is None:
        raise Unauthenticated(_l("Log in om verder te gaan."))


async def requires_organiser(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    user = current(connection)
    if user is None:
        raise Unauthenticated(_l("Log in om verder te gaan."))
    if not user.is_organiser:
        raise Forbidden(_l("Alleen organisatoren mogen dit doen."))


async def requires_facilitator(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Organisers and whoever holds a role at some event; which event's board they may open, the use case decides
    (pairing.access.planned_event: the event's organiser and its own facilitators)."""
    user = current(connection)
    if user is None:
        raise Unauthenticated(_l("Log in om verder te gaan."))
    if not (user.has_event_role or user.is_organiser):
        raise Forbidden(_l("Alleen facilitatoren en organisatoren mogen dit doen."))


async def requires_admin(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    user = current(connection)
    if user is None:
        raise Unauthenticated(_l("Log in om verder te gaan."))
    if not user.is_admin:
        raise AdminOnly(_l("Alleen een beheerder mag dit doen."))
