"""Signing in and out: sessions (pages) and API tokens, and the principal behind a token on every request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import anyio.to_thread
from argon2.exceptions import InvalidHashError, VerificationError

from core.db import as_utc, utcnow
from core.errors import Unauthenticated
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from core.ratelimit import LOGIN_PER_EMAIL, LOGIN_PER_IP, enforce, hit
from members.accounts import get_profile
from members.passwords import HASHER, dummy_hash
from members.rules import normalise_email
from members.schemas import MemberOut
from members.tables import AuthToken, Member
from members.tokens import hash_token, new_token
from members.verification import VERIFY_RESEND_PER_MEMBER, queue_verification_mail


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime | None
    member: MemberOut


async def issue_token(member_id: int, kind: str, lifetime: timedelta | None,
                      label: str = "") -> tuple[str, datetime | None]:
    token = new_token()
    now = utcnow()
    expires_at = now + lifetime if lifetime else None
    await AuthToken.insert(
        AuthToken(member=member_id, token_hash=hash_token(token), kind=kind, label=label[:80],
                  created_at=now, expires_at=expires_at)
    )
    return token, expires_at


async def authenticate(email: str, password: str) -> dict[str, Any]:
    row = await Member.select(Member.id, Member.password_hash, Member.email, Member.email_verified_at).where(
        Member.email == normalise_email(email)
    ).first()
    stored = row["password_hash"] if row else None
    try:
        await anyio.to_thread.run_sync(
            lambda: HASHER.verify(dummy_hash() if stored is None else stored, password))
        ok = row is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None:
        raise Unauthenticated(_l("E-mailadres of wachtwoord klopt niet."))
    return row


async def login(email: str, password: str, *, kind: str, lifetime: timedelta | None, label: str = "",
                client_ip: str | None = None) -> IssuedToken:
    """Sign in. Rate-limited per e-mail address always, and per client address when `client_ip` is given
    (pages and API pass `core.security.client_ip(request)`); counted before the (slow) password check.

    Only with a verified address. An unverified account with the right password gets the very answer a wrong
    password gets (else signing up with an address and then signing in would tell whether it had an account), and a
    fresh verification mail, at most VERIFY_RESEND_PER_MEMBER an hour, silently. Sessions and tokens issued before
    this rule keep working until they expire."""
    await enforce(LOGIN_PER_IP, client_ip and f"ip:{client_ip}")
    await enforce(LOGIN_PER_EMAIL, normalise_email(email))
    try:
        row = await authenticate(email, password)
    except Unauthenticated:
        raise Unauthenticated(_l("E-mailadres of wachtwoord klopt niet, of je e-mailadres is nog niet bevestigd. Net "
                                 "een account gemaakt? Open dan eerst de link in onze bevestigingsmail.")) from None
    if row["email_verified_at"] is None:
        decision = await hit(VERIFY_RESEND_PER_MEMBER, f"member:{row['id']}")
        if decision.allowed:
            await queue_verification_mail(row["id"], row["email"], "login", utcnow())
        raise Unauthenticated(_l("E-mailadres of wachtwoord klopt niet, of je e-mailadres is nog niet bevestigd. Net "
                                 "een account gemaakt? Open dan eerst de link in onze bevestigingsmail."))
    token, expires_at = await issue_token(row["id"], kind, lifetime, label)
    return IssuedToken(token=token, expires_at=expires_at, member=await get_profile(row["id"]))


async def revoke(token: str) -> None:
    await AuthToken.update({AuthToken.revoked_at: utcnow()}).where(
        (AuthToken.token_hash == hash_token(token)) & AuthToken.revoked_at.is_null()
    )


# Whether the member holds a role at some event, as an SQL expression over the member row `m`: events.team
# registers it at import (members sits below events and knows no event table). Until then: nobody does.
_HAS_EVENT_ROLE_SQL = "0"


def register_event_role_probe(sql: str) -> None:
    """Let `principal_for_token` fill `Principal.has_event_role` with `sql` (an expression over `m`, the member)."""
    global _HAS_EVENT_ROLE_SQL
    _HAS_EVENT_ROLE_SQL = sql


async def principal_for_token(token: str) -> Principal | None:
    if not token or len(token) > 200:
        return None
    # Runs on every authenticated request: one hand-written join (Piccolo's query building cost more here
    # than the query itself).
    rows = await AuthToken.raw(
        "SELECT t.kind, t.expires_at, t.revoked_at, m.id AS member_id, m.email, m.name, m.is_organiser, "
        f"m.is_admin, ({_HAS_EVENT_ROLE_SQL}) AS has_event_role "
        "FROM auth_token t JOIN member m ON m.id = t.member WHERE t.token_hash = {}",
        hash_token(token),
    )
    row = rows[0] if rows else None
    if row is None or row["revoked_at"] is not None:
        return None
    expires_at = as_utc(row["expires_at"])
    if expires_at is not None and expires_at <= utcnow():
        return None
    return Principal(
        id=row["member_id"],
        email=row["email"],
        name=row["name"],
        is_organiser=bool(row["is_organiser"]),
        is_admin=bool(row["is_admin"]),
        token_kind=row["kind"],
        has_event_role=bool(row["has_event_role"]),
    )
