"""Rate limits per client that hold across every worker: the counters live in the database.

A worker's memory is no place for them (with two workers an in-memory 60/min limit let 120 through:
docs/stack-notes.md). Each hit is one atomic `INSERT … ON CONFLICT (key) DO UPDATE SET hits = hits + 1 RETURNING hits`
(SQLite ≥ 3.35 and PostgreSQL alike), so concurrent requests on any number of workers count exactly.

The window slides: the estimate is this fixed window's count plus the previous window's count weighted by
how much of it still overlaps the last `period` seconds. That avoids the burst of 2× the limit a plain
fixed window allows around its boundary, at the cost of one extra indexed read (in the same statement).

Keys are SHA-256 hashes of (limit, client, window): no e-mail or IP address is stored. Old rows are
deleted by the `ratelimit_cleanup` background job.

Use:
- in a service: `await enforce(LOGIN_PER_EMAIL, email)` (raises `RateLimited`, a 429 with Retry-After);
- on a route: `guards=[requires_member, order_rate_limit]`, or `rate_limit_guard(Limit(...))` for a new one.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from core import jobs
from core.errors import DomainError
from core.i18n import lazy_gettext as _l
from core.tables import RateLimitBucket
from settings import Settings


class RateLimited(DomainError):
    code, status, title = "rate_limited", 429, _l("Te veel verzoeken")


@dataclass(frozen=True)
class Limit:
    """At most `limit` hits per `period` seconds for one client of the bucket `name`."""

    name: str
    limit: int
    period: int


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: float
    limit: int
    retry_after: int


# Generous enough for a conference Wi-Fi behind one address, tight enough to make guessing useless.
LOGIN_PER_IP = Limit("login_ip", 60, 5 * 60)
LOGIN_PER_EMAIL = Limit("login_email", 10, 15 * 60)
SIGNUP_PER_IP = Limit("signup_ip", 20, 60 * 60)
ORDER_PER_CLIENT = Limit("order_create", 20, 10 * 60)

_scale = 1.0


def configure(settings: Settings) -> None:
    """Apply settings.rate_limit_scale (create_app calls this): every limit times the scale, never below 1;
    a scale of 0 switches rate limiting off (nothing is counted; settings refuse it in production)."""
    global _scale
    _scale = settings.rate_limit_scale


def effective_limit(limit: Limit) -> int:
    return max(1, round(limit.limit * _scale))


def _key(limit: Limit, client: str, window_start: int) -> str:
    return hashlib.sha256(f"{limit.name}\x00{client}\x00{window_start}".encode()).hexdigest()


# One round-trip: count the hit in this window and read the previous window's count in the same statement (a
# subquery in RETURNING works on SQLite ≥ 3.35 and PostgreSQL alike).
_UPSERT = (
    'INSERT INTO rate_limit_bucket ("key", bucket, window_start, hits, expires_at) VALUES ({}, {}, {}, 1, {}) '
    'ON CONFLICT ("key") DO UPDATE SET hits = rate_limit_bucket.hits + 1 '
    'RETURNING hits, (SELECT p.hits FROM rate_limit_bucket p WHERE p."key" = {}) AS previous'
)


@dataclass(frozen=True)
class PendingHit:
    """One hit about to be counted: the upsert's arguments, and how to judge the counts it returns. A caller that
    counts the hit inside a statement of its own (ticketing.orders folds it into the order) uses `UPSERT_SQL`
    with `upsert_args` and `allowed_sql` with `allowed_args`, then `decide` on the counts."""

    limit: Limit
    now: float
    window_start: int
    key: str
    previous_key: str

    @property
    def upsert_args(self) -> tuple[Any, ...]:
        period = self.limit.period
        return self.key, self.limit.name, self.window_start, self.window_start + 2 * period, self.previous_key

    @property
    def overlap(self) -> float:
        return 1 - (self.now - self.window_start) / self.limit.period

    @property
    def allowed_args(self) -> tuple[float, float]:
        return self.overlap, float(effective_limit(self.limit))

    def decide(self, current: int, previous: int) -> Decision:
        period = self.limit.period
        estimate = current + previous * self.overlap
        allowed_hits = effective_limit(self.limit)
        if estimate <= allowed_hits:
            return Decision(True, estimate, allowed_hits, 0)
        if current > allowed_hits or previous == 0:
            wait = self.window_start + period - self.now
        else:
            # The previous window's weight falls linearly; find when the estimate is back at the limit.
            wait = self.window_start + period * (1 - (allowed_hits - current) / previous) - self.now
        return Decision(False, estimate, allowed_hits, max(1, math.ceil(wait)))


UPSERT_SQL = _UPSERT
# Whether the counts the upsert returned (`hits`, `previous`) are within the limit, in SQL: {} overlap, {} limit.
ALLOWED_SQL = "hits + COALESCE(previous, 0) * {}::float8 <= {}::float8"


def counting() -> bool:
    """False when rate limiting is off (scale 0): nothing is counted then."""
    return _scale != 0


def pending(limit: Limit, client: str, *, now: float | None = None) -> PendingHit:
    now = time.time() if now is None else now
    window_start = int(now // limit.period) * limit.period
    return PendingHit(limit, now, window_start, _key(limit, client, window_start),
                      _key(limit, client, window_start - limit.period))


async def hit(limit: Limit, client: str, *, now: float | None = None) -> Decision:
    """Count one hit for `client` and say whether it is within the limit (the hit counts either way). With rate
    limiting off (scale 0) nothing is counted and every hit is allowed."""
    if not counting():
        return Decision(True, 0, 0, 0)
    one = pending(limit, client, now=now)
    rows = await RateLimitBucket.raw(_UPSERT, *one.upsert_args)
    return one.decide(int(rows[0]["hits"]), int(rows[0]["previous"] or 0))


async def enforce(limit: Limit, client: str | None, *, now: float | None = None) -> None:
    """Count a hit and raise RateLimited (429, Retry-After) when the client is over the limit. The message says
    the wait in seconds up to a minute and a half, in whole minutes (rounded up) beyond."""
    if not client:
        return
    refuse_over_limit(await hit(limit, client, now=now))


def refuse_over_limit(decision: Decision) -> None:
    """Raise RateLimited (429, Retry-After) for a hit over the limit; the message says the wait in seconds up to
    a minute and a half, in whole minutes (rounded up) beyond."""
    if decision.allowed:
        return
    wait = decision.retry_after
    if wait < 90:
        raise RateLimited(_l("Te veel pogingen. Probeer het over %(wait)s seconden opnieuw.", wait=wait),
                          retry_after=wait)
    raise RateLimited(_l("Te veel pogingen. Probeer het over %(minutes)s minuten opnieuw.",
                         minutes=math.ceil(wait / 60)), retry_after=wait)


def rate_limit_guard(limit: Limit) -> Any:
    """A Litestar guard counting per signed-in member, or per client IP for anonymous requests."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        from core.auth import current
        from core.security import client_ip

        user = current(connection)
        await enforce(limit, f"member:{user.id}" if user else f"ip:{client_ip(connection)}")

    guard.rate_limit = limit  # type: ignore[attr-defined]  # read by core.openapi to document the 429
    guard.__name__ = f"rate_limit_{limit.name}"
    return guard


# On order creation (ticketing/api.py): per member, so a burst of different buyers is never slowed.
order_rate_limit = rate_limit_guard(ORDER_PER_CLIENT)


async def delete_expired(now: float | None = None) -> int:
    now = time.time() if now is None else now
    gone = await RateLimitBucket.delete().where(RateLimitBucket.expires_at < int(now)).returning(RateLimitBucket.id)
    return len(gone)


@jobs.register("ratelimit_cleanup")
async def cleanup_job(_: Settings) -> int:
    # Idempotent: N workers deleting the same expired rows at once is harmless.
    return await delete_expired()
