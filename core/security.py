"""Security headers on every response, the session cookie's attributes, and who the client is.

- `security_headers(settings)` is a `before_send` hook: it runs for every response the app sends, 404s for
  unknown paths included (route middleware would miss those). A header a handler set itself wins, so a
  page or a feed can narrow its own policy.
- `session_cookie(token, settings)` is the one place that decides how `ng_session` is set: HttpOnly,
  SameSite=Lax, Secure whenever the site is served over https (always in production).
- `client_ip(connection)` is the socket peer, or the first untrusted address in X-Forwarded-For when the
  peer is one of settings.trusted_proxies (a forged header from anyone else is ignored).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.types import Message, Scope

from settings import Settings

SESSION_COOKIE = "ng_session"
STRIPE_JS = "https://js.stripe.com"
STRIPE_HOOKS = "https://hooks.stripe.com"
STRIPE_API = "https://api.stripe.com"
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), usb=(), "
    "payment=(self \"https://js.stripe.com\")"
)
HSTS = "max-age=31536000; includeSubDomains"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(settings: Settings) -> str:
    """No inline scripts or styles; Stripe.js (and the local Stripe-compatible server in development)."""
    scripts = ["'self'", STRIPE_JS]
    frames = [STRIPE_JS, STRIPE_HOOKS]
    connect = ["'self'", STRIPE_API]
    if settings.stripe_api_base:
        local = _origin(settings.stripe_api_base)
        scripts.append(local)
        frames.append(local)
        connect.append(local)
    return "; ".join([
        "default-src 'self'",
        f"script-src {' '.join(scripts)}",
        f"frame-src {' '.join(frames)}",
        f"connect-src {' '.join(connect)}",
        "img-src 'self' data:",
        "style-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ])


def _is_feed(path: str) -> bool:
    # Calendar feeds carry a secret token in their URL: never let it leak through a Referer.
    return path.endswith(".ics") or "/feeds/" in path or path.startswith("/feeds") or "/feed/" in path


def _is_token_page(path: str) -> bool:
    # The companion's own page (/partner/{token}) is opened by a bearer token in its URL, like a feed: its every
    # answer, an error page too, is neither cached nor named in a Referer.
    return path.startswith("/partner/")


def header_values(settings: Settings, path: str) -> list[tuple[bytes, bytes]]:
    secret = _is_feed(path) or _is_token_page(path)
    headers = [
        (b"content-security-policy", content_security_policy(settings).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer" if secret else b"strict-origin-when-cross-origin"),
        (b"x-frame-options", b"DENY"),
        (b"permissions-policy", PERMISSIONS_POLICY.encode()),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if _is_token_page(path):
        headers.append((b"cache-control", b"no-store"))
    if settings.is_production:
        headers.append((b"strict-transport-security", HSTS.encode()))
    return headers


def security_headers(settings: Settings) -> Any:
    """A `before_send` hook adding the security headers a response does not already carry."""
    for_pages = header_values(settings, "/")
    for_feeds = header_values(settings, "/feeds/x.ics")
    for_token_pages = header_values(settings, "/partner/x")

    async def before_send(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = list(message.get("headers") or [])
        present = {bytes(name).lower() for name, _ in headers}
        path = scope.get("path", "")
        wanted = for_feeds if _is_feed(path) else for_token_pages if _is_token_page(path) else for_pages
        headers += [(name, value) for name, value in wanted if name not in present]
        message["headers"] = headers

    return before_send


def session_cookie(token: str, settings: Settings, *, max_age: int | None = None) -> Cookie:
    """The browser session cookie: HttpOnly, SameSite=Lax, Secure over https (and always in production)."""
    return Cookie(
        key=SESSION_COOKIE,
        value=token,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.session_days * 24 * 3600 if max_age is None else max_age,
    )


def expired_session_cookie(settings: Settings) -> Cookie:
    """Clears the session cookie with the same attributes it was set with."""
    return session_cookie("", settings, max_age=0)


@lru_cache(maxsize=32)
def _networks(proxies: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(p, strict=False) for p in proxies)


def _trusted(address: str, networks: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_ip_from(scope: Scope, settings: Settings) -> str:
    client = scope.get("client")
    peer = client[0] if client else "unknown"
    if not settings.trusted_proxies:
        return peer
    networks = _networks(settings.trusted_proxies)
    if not _trusted(peer, networks):
        return peer
    forwarded: list[str] = []
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-for":
            forwarded += [part.strip() for part in value.decode("latin-1").split(",") if part.strip()]
    # Walk from the nearest hop outwards; the first address not belonging to our proxies is the client.
    for address in reversed(forwarded):
        if not _trusted(address, networks):
            return address[:64]
    return forwarded[0][:64] if forwarded else peer


def client_ip(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """For code that has only the connection (guards, page helpers): the app's settings from its state, where
    create_app put them. A bare app without them (a unit test's) trusts no proxy: the socket peer."""
    settings = connection.app.state.get("settings")
    if not isinstance(settings, Settings):
        client = connection.scope.get("client")
        return client[0] if client else "unknown"
    return client_ip_from(connection.scope, settings)
