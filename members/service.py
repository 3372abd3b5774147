"""Member use-cases: sign-up, sign-in, tokens and sessions, profile (global roles: members.roles)."""

from __future__ import annotations

import hashlib
import importlib
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.db import as_utc, is_unique_violation, utcnow, write_transaction
from core.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, Unauthenticated
from core.ratelimit import LOGIN_PER_EMAIL, LOGIN_PER_IP, SIGNUP_PER_IP, Limit, enforce, hit
from members.rules import EXPERIENCE_LEVELS, email_is_valid, name_problem, normalise_email, password_problem
from members.tables import AuthToken, EmailVerification, Member, PasswordReset
from pairing.rules import INDUSTRIES_BY_CODE as INDUSTRIES

_hasher = PasswordHasher()
# Verifying against this when the e-mail is unknown keeps sign-in time the same for both cases.
_DUMMY_HASH = _hasher.hash("not-a-real-password-0")


@dataclass(frozen=True)
class Principal:
    """The signed-in member as the rest of the app sees it.

    `is_organiser` and `is_admin` are the global roles (granted by an administrator, members.roles). Roles at one
    event (facilitator, door) are asked per event (events.team.event_roles_of); `has_event_role` only says that
    the member holds one somewhere (for the menu), and grants nothing by itself.
    """

    id: int
    email: str
    name: str
    is_organiser: bool
    is_admin: bool
    token_kind: str
    has_event_role: bool = False

    @property
    def roles(self) -> tuple[str, ...]:
        roles = []
        if self.is_admin:
            roles.append("admin")
        if self.is_organiser:
            roles.append("organiser")
        roles.append("member")
        return tuple(roles)


@dataclass(frozen=True)
class NewMember:
    email: str
    password: str
    name: str
    organisation: str = ""
    industry: str = "customer_contact"
    experience_level: int = 0
    experience_years: int | None = None
    birth_date: date | None = None
    language: str = "nl"


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime | None
    member: dict[str, Any]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


def check_name(name: str) -> None:
    """A member's own name: not empty, and nothing that could carry a link or markup into someone's mail."""
    problem = name_problem(name)
    if problem == "empty":
        raise InvalidInput("Vul je naam in.", field="name")
    if problem is not None:
        raise InvalidInput("Een naam kan alleen letters, cijfers, spaties en ' - . , bevatten, en geen webadres.",
                           field="name")


def _check_profile(industry: str, experience_level: int, birth_date: date | None, today: date) -> None:
    if industry not in INDUSTRIES:
        raise InvalidInput(f"Onbekende sector '{industry}'.", field="industry")
    if experience_level not in EXPERIENCE_LEVELS:
        raise InvalidInput("Ervaring moet tussen 0 (starter) en 4 (expert) liggen.", field="experience_level")
    if birth_date is not None and not (date(1900, 1, 1) <= birth_date <= today):
        raise InvalidInput("Deze geboortedatum kan niet kloppen.", field="birth_date")


# Sign-up per address typed: a few an hour, for new and existing addresses alike (a 429 says nothing either).
SIGNUP_PER_EMAIL = Limit("signup_email", 5, 60 * 60)
# The one answer to a well-formed sign-up, whether or not the address already has an account.
SIGNUP_ACCEPTED_MESSAGE = (
    "We hebben een mail gestuurd naar dit e-mailadres. Open de link erin om je adres te bevestigen; daarna kun je "
    "inloggen."
)


def _check_new_member(data: NewMember, email: str, today: date) -> None:
    if not email_is_valid(email):
        raise InvalidInput("Vul een geldig e-mailadres in.", field="email")
    check_name(data.name)
    weak = password_problem(data.password, email, data.name)
    if weak:
        raise InvalidInput(weak, field="password")
    _check_profile(data.industry, data.experience_level, data.birth_date, today)


async def signup(data: NewMember, *, client_ip: str | None = None) -> None:
    """Sign up, answering the same whether or not the address has an account (no account enumeration).

    New address: the account is created unverified and a verification mail is queued; signing in waits for the
    link (see `login`). Existing address: nothing changes, and the owner is mailed that someone tried, with a link
    to sign in and a fresh password-reset link (which also verifies the address). Both paths hash the password, so
    they take the same time. Rate-limited per client address (`client_ip`) and per e-mail address typed, counted
    before anything is looked up. Invalid input (a weak password, a bad name) is refused the same for both.
    """
    await enforce(SIGNUP_PER_IP, client_ip)
    email = normalise_email(data.email)
    now = utcnow()
    _check_new_member(data, email, now.date())
    await enforce(SIGNUP_PER_EMAIL, email)
    try:
        await _create_member(data, email, verified=False, now=now)
    except AccountExists:
        from ticketing.outbox import queue_account_exists  # ticketing's outbox sends every mail

        await queue_account_exists(email, f"exists:{email}:{secrets.token_hex(8)}", now)


class AccountExists(Conflict):
    code = "account_exists"


async def _create_member(data: NewMember, email: str, *, verified: bool, now: datetime) -> int:
    """Insert the account (hashing the password in a thread) and, unless verified, queue its verification mail.
    Raises AccountExists when the address is taken."""
    password_hash = await anyio.to_thread.run_sync(_hasher.hash, data.password)
    try:
        rows = await Member.insert(
            Member(
                email=email,
                name=" ".join(data.name.split()),
                password_hash=password_hash,
                organisation=data.organisation.strip(),
                industry=data.industry,
                experience_level=data.experience_level,
                experience_years=data.experience_years,
                birth_date=data.birth_date,
                language=data.language if data.language in ("nl", "en") else "nl",
                email_verified_at=now if verified else None,
                created_at=now,
                updated_at=now,
            )
        ).returning(Member.id)
    except Exception as exc:
        if is_unique_violation(exc):
            raise AccountExists("Er is al een account met dit e-mailadres.", field="email") from exc
        raise
    if not verified:
        await _queue_verification_mail(rows[0]["id"], email, "signup", now)
    return int(rows[0]["id"])


async def create_member(data: NewMember, *, verified: bool = True) -> dict[str, Any]:
    """Create an account directly (the CLI, the demo seed and test set-up; never a public route): checked like a
    sign-up, verified unless `verified=False` (then its verification mail is queued). AccountExists when taken.
    Without roles: `ensure_member` grants them (and logs it)."""
    email = normalise_email(data.email)
    now = utcnow()
    _check_new_member(data, email, now.date())
    return await get_profile(await _create_member(data, email, verified=verified, now=now))


async def _issue(member_id: int, kind: str, lifetime: timedelta | None, label: str = "") -> tuple[str, datetime | None]:
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
    stored = row["password_hash"] if row else _DUMMY_HASH
    try:
        await anyio.to_thread.run_sync(_hasher.verify, stored, password)
        ok = row is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None:
        raise Unauthenticated("E-mailadres of wachtwoord klopt niet.")
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
        raise Unauthenticated("E-mailadres of wachtwoord klopt niet, of je e-mailadres is nog niet bevestigd. Net "
                              "een account gemaakt? Open dan eerst de link in onze bevestigingsmail.") from None
    if row["email_verified_at"] is None:
        decision = await hit(VERIFY_RESEND_PER_MEMBER, f"member:{row['id']}")
        if decision.allowed:
            await _queue_verification_mail(row["id"], row["email"], "login", utcnow())
        raise Unauthenticated("E-mailadres of wachtwoord klopt niet, of je e-mailadres is nog niet bevestigd. Net "
                              "een account gemaakt? Open dan eerst de link in onze bevestigingsmail.")
    token, expires_at = await _issue(row["id"], kind, lifetime, label)
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


_PROFILE_COLUMNS = (
    Member.id, Member.email, Member.name, Member.organisation, Member.industry, Member.experience_level,
    Member.experience_years, Member.birth_date, Member.is_organiser, Member.is_admin, Member.language,
    Member.email_verified_at, Member.created_at,
)


def _profile(row: dict[str, Any]) -> dict[str, Any]:
    roles = [r for r, on in (("admin", row["is_admin"]), ("organiser", row["is_organiser"])) if on]
    return {
        "id": row["id"],
        "email": row["email"],
        "name": row["name"],
        "organisation": row["organisation"],
        "industry": row["industry"],
        "experience_level": row["experience_level"],
        "experience_years": row["experience_years"],
        "birth_date": row["birth_date"],
        "language": row["language"],
        "roles": [*roles, "member"],
        "email_verified": row["email_verified_at"] is not None,
        "email_verified_at": as_utc(row["email_verified_at"]),
        "created_at": as_utc(row["created_at"]),
    }


async def get_profile(member_id: int) -> dict[str, Any]:
    row = await Member.select(*_PROFILE_COLUMNS).where(Member.id == member_id).first()
    if row is None:
        raise NotFound("Dit account bestaat niet (meer).")
    return _profile(row)


async def update_profile(member_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    current = await get_profile(member_id)
    merged = {**current, **changes}
    _check_profile(merged["industry"], merged["experience_level"], merged["birth_date"], utcnow().date())
    if "name" in changes:
        check_name(str(changes["name"]))
        changes = {**changes, "name": " ".join(str(changes["name"]).split())}
    values: dict[Any, Any] = {getattr(Member, k): v for k, v in changes.items()}
    values[Member.updated_at] = utcnow()
    await Member.update(values).where(Member.id == member_id)
    return await get_profile(member_id)


# --------------------------------------------------------------------------- personal data (AVG/GDPR)


class PasswordIncorrect(Forbidden):
    code = "password_incorrect"


class AccountHasLiveTicket(Conflict):
    code = "live_ticket"


# Where ticketing keeps the functions members asks for (its use-case modules).
_TICKETING_MODULES = {"list_my_orders": "ticketing.orders", "live_ticket_event_ids": "ticketing.tickets",
                      "my_entries": "ticketing.waitlist"}


def _ticketing_hook(name: str) -> Any:
    """A function of ticketing's use cases when ticketing provides it (feature-detected: built in parallel)."""
    module_name = _TICKETING_MODULES.get(name)
    if module_name is None:
        return None
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return None
    return getattr(module, name, None)


async def export_member_data(member_id: int) -> dict[str, Any]:
    """Everything stored about a member, for the member: profile, sign-ins (never token hashes), the
    verification and reset links mailed to them (never the token), feed settings, events they organise,
    their duo orders (with both places and tickets) and their places on waiting lists."""
    profile = await get_profile(member_id)
    feed = await Member.select(Member.feed_token_hash, Member.feed_reminder_minutes, Member.updated_at).where(
        Member.id == member_id
    ).first()
    tokens = await AuthToken.select(
        AuthToken.kind, AuthToken.label, AuthToken.created_at, AuthToken.expires_at, AuthToken.revoked_at
    ).where(AuthToken.member == member_id).order_by(AuthToken.created_at)
    from events import service as events_service  # events.service imports this module

    principal = Principal(member_id, profile["email"], profile["name"], "organiser" in profile["roles"],
                          "admin" in profile["roles"], "export")
    organised = await events_service.list_managed(principal)
    list_orders = _ticketing_hook("list_my_orders")
    waiting_entries = _ticketing_hook("my_entries")
    links = []
    for kind, table in (("email_verification", EmailVerification), ("password_reset", PasswordReset)):
        for row in await table.select(table.email, table.created_at, table.expires_at, table.used_at).where(
                table.member == member_id):
            links.append({"kind": kind, "email": row["email"], "created_at": as_utc(row["created_at"]),
                          "expires_at": as_utc(row["expires_at"]), "used_at": as_utc(row["used_at"])})
    links.sort(key=lambda link: (link["created_at"] is None, link["created_at"]))
    return {
        "exported_at": utcnow(),
        "profile": profile,
        "updated_at": as_utc(feed["updated_at"]) if feed else None,
        "personal_feed": {
            "active": bool(feed and feed["feed_token_hash"]),
            "reminder_minutes": feed["feed_reminder_minutes"] if feed else None,
        },
        "tokens": [
            {"kind": t["kind"], "label": t["label"], "created_at": as_utc(t["created_at"]),
             "expires_at": as_utc(t["expires_at"]), "revoked_at": as_utc(t["revoked_at"])}
            for t in tokens
        ],
        "mailed_links": links,
        "events_organised": [{"slug": e["slug"], "title": e["title"], "status": e["status"]} for e in organised],
        "orders": list(await list_orders(principal)) if list_orders else [],
        "waiting_lists": list(await waiting_entries(principal)) if waiting_entries else [],
    }


async def _holds_ticket_for_coming_event(member_id: int, now: datetime) -> bool:
    live_ticket_event_ids = _ticketing_hook("live_ticket_event_ids")
    if live_ticket_event_ids is None:
        return False
    event_ids = set(await live_ticket_event_ids(member_id))
    if not event_ids:
        return False
    from events import service as events_service

    coming = await events_service.list_published(now=now)  # events that have not ended yet
    return any(e["id"] in event_ids and e["status"] == "published" for e in coming)


def _is_foreign_key_violation(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.IntegrityError) and "FOREIGN KEY" in str(exc).upper():
        return True
    return type(exc).__name__ == "ForeignKeyViolationError"  # asyncpg


# What an anonymised account keeps as its password hash: matches no password (argon2 refuses it), and the
# password-reset code recognises it.
_ANONYMISED_PASSWORD_HASH = "!"


async def delete_account(
    member_id: int, password: str, *, now: datetime | None = None
) -> Literal["deleted", "anonymised"]:
    """Delete the member's account after they re-enter their password. Returns "deleted" or "anonymised".

    Refused (`live_ticket`) while they hold a live ticket for an event that has not ended: the seat, the
    companion and the payment depend on it; they cancel or wait until the event is over. When records that
    others or the law need still point at the member (paid orders — bookkeeping keeps them seven years —
    or events they organised), the account is anonymised instead: name, e-mail, birth date, organisation
    and password are wiped, every token is deleted, and the row stays only as a placeholder.
    """
    now = now or utcnow()
    row = await Member.select(Member.email, Member.is_admin).where(Member.id == member_id).first()
    if row is None:
        raise NotFound("Dit account bestaat niet (meer).")
    await enforce(LOGIN_PER_EMAIL, row["email"])
    try:
        await authenticate(row["email"], password)
    except Unauthenticated as exc:
        raise PasswordIncorrect("Het wachtwoord klopt niet.", field="password") from exc
    if row["is_admin"] and not await Member.exists().where(Member.is_admin.eq(True) & (Member.id != member_id)):
        from members.roles import LastAdministrator

        raise LastAdministrator("Je bent de laatste beheerder: maak eerst iemand anders beheerder, dan kun je je "
                                "account verwijderen.")
    if await _holds_ticket_for_coming_event(member_id, now):
        raise AccountHasLiveTicket(
            "Je hebt een geldig ticket voor een evenement dat nog komt. Annuleer het eerst, of verwijder je "
            "account na het evenement."
        )
    forget = _ticketing_hook("forget_member")
    if forget is not None:
        await forget(member_id, now)
    try:
        async with write_transaction():
            await AuthToken.delete().where(AuthToken.member == member_id)
            await Member.delete().where(Member.id == member_id)
        return "deleted"
    except Exception as exc:
        if not _is_foreign_key_violation(exc):
            raise
    async with write_transaction():
        await AuthToken.delete().where(AuthToken.member == member_id)
        await PasswordReset.delete().where(PasswordReset.member == member_id)
        await Member.update({
            Member.email: f"verwijderd-{member_id}@verwijderd.invalid",
            Member.name: "Verwijderd account",
            Member.password_hash: _ANONYMISED_PASSWORD_HASH,
            Member.organisation: "",
            Member.experience_years: None,
            Member.birth_date: None,
            Member.is_organiser: False,
            Member.is_admin: False,
            Member.feed_token_hash: None,
            Member.feed_reminder_minutes: None,
            Member.email_verified_at: None,
            Member.updated_at: now,
        }).where(Member.id == member_id)
    return "anonymised"


async def member_id_for_email(email: str) -> int | None:
    row = await Member.select(Member.id).where(Member.email == normalise_email(email)).first()
    return row["id"] if row else None


async def ensure_member(data: NewMember, roles: tuple[str, ...], *,
                        verified: bool = True) -> tuple[dict[str, Any], bool]:
    """Create the member unless the e-mail exists; give it the global roles (`organiser`, `admin`) either way: the
    command line, the demo and test set-up. Every role it grants goes to the role log, by nobody (the operator).

    A member created here is verified at creation (the operator typed the address; no mail is sent) unless
    `verified=False`. An EXISTING account is never marked verified here: it may have been made by someone else
    with that address before the operator ran the command, and granting a role proves nothing about the mailbox.
    So a role is refused (`address_not_verified`) for an account whose address is not confirmed.
    """
    from members import roles as global_roles  # members.roles builds on this module

    unknown = set(roles) - set(global_roles.GLOBAL_ROLES)
    if unknown:
        raise InvalidInput("Alleen 'organiser' en 'admin' gelden overal; facilitator en deur zijn rollen per "
                           "evenement.", field="role")
    address = normalise_email(data.email)
    existing = await Member.select(Member.id, Member.email_verified_at).where(Member.email == address).first()
    if roles and (existing["email_verified_at"] is None if existing else not verified):
        raise global_roles.AddressNotVerified("Een rol krijgt alleen een account met een bevestigd e-mailadres.",
                                              field="email")
    if existing is None:
        member_id, created = (await create_member(data, verified=verified))["id"], True
    else:
        member_id, created = existing["id"], False
    if roles:
        now = utcnow()
        async with write_transaction():
            for role in global_roles.GLOBAL_ROLES:
                if role in roles:
                    await global_roles.apply_global_role(None, member_id, role, True, now)
    return await get_profile(member_id), created


# --------------------------------------------------------------------------- calendar feed tokens


# Reminders a member can opt into for their personal feed: none (None) or up to a week before.
MAX_FEED_REMINDER_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class FeedOwner:
    """The member behind a personal calendar feed token, with what the feed needs to know about them."""

    member_id: int
    reminder_minutes: int | None
    items_digest: str | None
    items_changed_at: datetime | None


def new_feed_token() -> str:
    # 192 random bits, URL-safe (no padding), so it can sit in a path segment as is.
    return secrets.token_urlsafe(24)


async def rotate_feed_token(member_id: int) -> str:
    """Give the member a new personal feed token; the previous URL stops working at once.

    Only the hash is stored, so the token is returned here and can never be shown again.
    """
    token = new_feed_token()
    updated = await Member.update({Member.feed_token_hash: hash_token(token), Member.updated_at: utcnow()}).where(
        Member.id == member_id
    ).returning(Member.id)
    if not updated:
        raise NotFound("Dit account bestaat niet (meer).")
    return token


async def revoke_feed_token(member_id: int) -> None:
    await Member.update({Member.feed_token_hash: None, Member.updated_at: utcnow()}).where(Member.id == member_id)


async def member_for_feed_token(token: str) -> FeedOwner | None:
    if not token or len(token) > 200:
        return None
    row = await Member.select(
        Member.id, Member.feed_reminder_minutes, Member.feed_items_digest, Member.feed_items_changed_at
    ).where(Member.feed_token_hash == hash_token(token)).first()
    if row is None:
        return None
    return FeedOwner(
        member_id=row["id"],
        reminder_minutes=row["feed_reminder_minutes"],
        items_digest=row["feed_items_digest"],
        items_changed_at=as_utc(row["feed_items_changed_at"]),
    )


async def feed_settings(member_id: int) -> dict[str, Any]:
    row = await Member.select(Member.feed_token_hash, Member.feed_reminder_minutes).where(
        Member.id == member_id
    ).first()
    if row is None:
        raise NotFound("Dit account bestaat niet (meer).")
    return {"has_personal_feed": row["feed_token_hash"] is not None, "reminder_minutes": row["feed_reminder_minutes"]}


async def set_feed_reminder(member_id: int, minutes: int | None) -> dict[str, Any]:
    """Opt in to (minutes before each item) or out of (None) reminders in the personal feed."""
    if minutes is not None and not 0 <= minutes <= MAX_FEED_REMINDER_MINUTES:
        raise InvalidInput("Een herinnering kan van 0 minuten tot een week van tevoren.", field="reminder_minutes")
    await Member.update({Member.feed_reminder_minutes: minutes, Member.updated_at: utcnow()}).where(
        Member.id == member_id
    )
    return await feed_settings(member_id)


async def note_feed_items(member_id: int, digest: str, now: datetime, previous: datetime | None = None) -> datetime:
    """Record that the personal feed now lists a different set of items; return since when it has.

    The time is at least a whole second after `previous` (the last change), because Last-Modified has
    one-second resolution: two changes within a second must still give two different Last-Modified values.
    A conditional update, so workers that notice the same change at once agree on one time.
    """
    at = max(now, previous + timedelta(seconds=1)) if previous is not None else now
    changed = await Member.update({Member.feed_items_digest: digest, Member.feed_items_changed_at: at}).where(
        (Member.id == member_id)
        & (Member.feed_items_digest.is_null() | (Member.feed_items_digest != digest))
    ).returning(Member.feed_items_changed_at)
    if changed:
        return at
    row = await Member.select(Member.feed_items_changed_at).where(Member.id == member_id).first()
    stored = as_utc(row["feed_items_changed_at"]) if row else None
    return stored or now


# --------------------------------------------------------------------------- e-mail verification

# Resending the verification mail: a few per hour per account is plenty for a lost or late mail.
VERIFY_RESEND_PER_MEMBER = Limit("verify_resend", 3, 60 * 60)
VERIFICATION_LIFETIME = timedelta(hours=48)


class VerificationTokenInvalid(DomainError):
    """Unknown or forged token, or a link for an address the account no longer has."""

    code, status, title = "verification_token_invalid", 400, "Invalid verification link"


class VerificationTokenUsed(Conflict):
    code, title = "verification_token_used", "Verification link already used"


class VerificationTokenExpired(DomainError):
    code, status, title = "verification_token_expired", 410, "Verification link expired"


class EmailAlreadyVerified(Conflict):
    code, title = "email_already_verified", "E-mail address already verified"


async def _queue_verification_mail(member_id: int, email: str, reason: str, now: datetime) -> None:
    """Queue a verification mail in the outbox; the token is made when the mail is composed (only its hash is
    stored, so it cannot be made earlier and read back)."""
    from ticketing.outbox import queue_email_verification  # ticketing's outbox sends every mail

    await queue_email_verification(member_id, email, f"verify:{member_id}:{reason}:{secrets.token_hex(6)}", now)


async def resend_verification(member_id: int, *, now: datetime | None = None) -> None:
    """Queue a new verification mail (rate-limited per account); refused when the address is verified."""
    now = now or utcnow()
    row = await Member.select(Member.email, Member.email_verified_at).where(Member.id == member_id).first()
    if row is None:
        raise NotFound("Dit account bestaat niet (meer).")
    if row["email_verified_at"] is not None:
        raise EmailAlreadyVerified("Je e-mailadres is al bevestigd.")
    await enforce(VERIFY_RESEND_PER_MEMBER, f"member:{member_id}")
    await _queue_verification_mail(member_id, row["email"], "resend", now)


async def issue_verification_token(to_email: str, now: datetime | None = None) -> tuple[dict[str, Any], str] | None:
    """A fresh single-use token for the account that has `to_email` now and is not yet verified (the outbox calls
    this when it composes the mail): (member name and language, token), or None when the mail no longer applies."""
    now = now or utcnow()
    email = normalise_email(to_email)
    row = await Member.select(Member.id, Member.name, Member.language, Member.email_verified_at).where(
        Member.email == email
    ).first()
    if row is None or row["email_verified_at"] is not None:
        return None
    token = new_token()
    await EmailVerification.insert(EmailVerification(
        member=row["id"], token_hash=hash_token(token), email=email, created_at=now,
        expires_at=now + VERIFICATION_LIFETIME,
    ))
    return {"id": row["id"], "name": row["name"], "language": row["language"]}, token


async def verify_email(token: str, *, now: datetime | None = None) -> dict[str, Any]:
    """Mark the account's e-mail verified with the token from the mail. Single use: the token is consumed by one
    conditional UPDATE, so two clicks at once verify once and the second gets `verification_token_used`.
    Signs nobody in. Returns {"verified_at": …}."""
    now = now or utcnow()
    if not token or len(token) > 200:
        raise VerificationTokenInvalid("Deze bevestigingslink klopt niet.")
    digest = hash_token(token)
    claimed = await EmailVerification.update({EmailVerification.used_at: now}).where(
        (EmailVerification.token_hash == digest) & EmailVerification.used_at.is_null()
        & (EmailVerification.expires_at > now)
    ).returning(EmailVerification.member, EmailVerification.email)
    if not claimed:
        row = await EmailVerification.select(EmailVerification.used_at).where(
            EmailVerification.token_hash == digest).first()
        if row is None:
            raise VerificationTokenInvalid("Deze bevestigingslink klopt niet.")
        if row["used_at"] is not None:
            raise VerificationTokenUsed("Deze bevestigingslink is al gebruikt.")
        raise VerificationTokenExpired("Deze bevestigingslink is verlopen. Vraag een nieuwe aan.")
    member_id, email = claimed[0]["member"], claimed[0]["email"]
    async with write_transaction():
        updated = await Member.update({Member.email_verified_at: now, Member.updated_at: now}).where(
            (Member.id == member_id) & (Member.email == email) & Member.email_verified_at.is_null()
        ).returning(Member.email_verified_at)
        # Every other link of this account is spent now too.
        await EmailVerification.update({EmailVerification.used_at: now}).where(
            (EmailVerification.member == member_id) & EmailVerification.used_at.is_null()
        )
    if updated:
        return {"verified_at": now}
    row = await Member.select(Member.email, Member.email_verified_at).where(Member.id == member_id).first()
    if row is None or row["email"] != email:
        raise VerificationTokenInvalid("Deze bevestigingslink hoort bij een ander e-mailadres.")
    return {"verified_at": as_utc(row["email_verified_at"])}  # verified meanwhile (another link)


async def verified_email(member_id: int) -> str | None:
    """The member's e-mail address when it is verified, else None: the ONLY way to match things to an account by
    e-mail (a companion's ticket, its feed items, breakout groups)."""
    row = await Member.select(Member.email, Member.email_verified_at).where(Member.id == member_id).first()
    if row is None or row["email_verified_at"] is None:
        return None
    return normalise_email(row["email"])


# --------------------------------------------------------------------------- password reset ("wachtwoord vergeten")

# Per address a few mails an hour is plenty for a lost or late mail, and keeps anyone from flooding a mailbox;
# per client address generous enough for a conference Wi-Fi behind one address. Both count for unknown
# addresses too, so a 429 says nothing about whether an account exists.
RESET_PER_EMAIL = Limit("reset_email", 3, 60 * 60)
RESET_PER_IP = Limit("reset_ip", 30, 60 * 60)
PASSWORD_RESET_LIFETIME = timedelta(hours=1)
# The one answer to a reset request, whether or not the address has an account (no account enumeration).
RESET_REQUESTED_MESSAGE = (
    "Als er een account met dit e-mailadres is, hebben we een link gestuurd om een nieuw wachtwoord in te stellen. "
    "De link werkt een uur."
)


class PasswordResetTokenInvalid(DomainError):
    """Unknown or forged token, or a link for an address the account no longer has (or a removed account)."""

    code, status, title = "password_reset_token_invalid", 400, "Invalid password-reset link"


class PasswordResetTokenUsed(Conflict):
    code, title = "password_reset_token_used", "Password-reset link already used"


class PasswordResetTokenExpired(DomainError):
    code, status, title = "password_reset_token_expired", 410, "Password-reset link expired"


async def request_password_reset(email: str, *, client_ip: str | None = None, now: datetime | None = None) -> None:
    """Queue a mail with a password-reset link for the account with `email`, if there is one.

    The caller answers the same whatever happens here (RESET_REQUESTED_MESSAGE): nothing tells whether the address
    has an account. Rate-limited per client address (when `client_ip` is given) and per e-mail address, counted
    before the account is looked up. Nothing is sent for an anonymised account.
    """
    now = now or utcnow()
    await enforce(RESET_PER_IP, client_ip and f"ip:{client_ip}")
    address = normalise_email(email)
    if not email_is_valid(address):
        raise InvalidInput("Vul een geldig e-mailadres in.", field="email")
    await enforce(RESET_PER_EMAIL, address)
    row = await Member.select(Member.id, Member.password_hash).where(Member.email == address).first()
    if row is None or row["password_hash"] == _ANONYMISED_PASSWORD_HASH:
        return
    from ticketing.outbox import queue_password_reset  # ticketing's outbox sends every mail

    await queue_password_reset(row["id"], address, f"reset:{row['id']}:{secrets.token_hex(8)}", now)


async def issue_password_reset_token(to_email: str,
                                     now: datetime | None = None) -> tuple[dict[str, Any], str] | None:
    """A fresh single-use reset token for the account that has `to_email` now (the outbox calls this when it
    composes the mail, so the hour starts when the mail goes out): (member name and language, token), or None
    when the mail no longer applies (no such account any more, or anonymised)."""
    now = now or utcnow()
    email = normalise_email(to_email)
    row = await Member.select(Member.id, Member.name, Member.language, Member.password_hash).where(
        Member.email == email
    ).first()
    if row is None or row["password_hash"] == _ANONYMISED_PASSWORD_HASH:
        return None
    token = new_token()
    await PasswordReset.insert(PasswordReset(
        member=row["id"], token_hash=hash_token(token), email=email, created_at=now,
        expires_at=now + PASSWORD_RESET_LIFETIME,
    ))
    return {"id": row["id"], "name": row["name"], "language": row["language"]}, token


async def _reset_link(token: str, now: datetime) -> dict[str, Any]:
    """The member a reset token may still reset, or the error that says why not (checks only, changes nothing)."""
    if not token or len(token) > 200:
        raise PasswordResetTokenInvalid("Deze link om je wachtwoord te herstellen klopt niet.")
    link = await PasswordReset.select(
        PasswordReset.member, PasswordReset.email, PasswordReset.expires_at, PasswordReset.used_at
    ).where(PasswordReset.token_hash == hash_token(token)).first()
    if link is None:
        raise PasswordResetTokenInvalid("Deze link om je wachtwoord te herstellen klopt niet.")
    if link["used_at"] is not None:
        raise PasswordResetTokenUsed("Deze link om je wachtwoord te herstellen is al gebruikt.")
    expires_at = as_utc(link["expires_at"])
    if expires_at is None or expires_at <= now:
        raise PasswordResetTokenExpired("Deze link om je wachtwoord te herstellen is verlopen. Vraag een nieuwe aan.")
    member = await Member.select(Member.id, Member.email, Member.name, Member.password_hash).where(
        Member.id == link["member"]
    ).first()
    if member is None or member["email"] != link["email"] or member["password_hash"] == _ANONYMISED_PASSWORD_HASH:
        raise PasswordResetTokenInvalid("Deze link hoort bij een ander e-mailadres.")
    return {"member_id": member["id"], "email": member["email"], "name": member["name"],
            "expires_at": expires_at}


async def check_password_reset(token: str, *, now: datetime | None = None) -> dict[str, Any]:
    """Whether a reset link still works (the page checks before it shows the form): {"expires_at": …}, or the
    error `confirm_password_reset` would give. Consumes nothing."""
    link = await _reset_link(token, now or utcnow())
    return {"expires_at": link["expires_at"]}


async def confirm_password_reset(token: str, new_password: str, *, now: datetime | None = None) -> dict[str, Any]:
    """Set a new password with the token from the mail. Returns {"reset_at": …}; signs nobody in.

    The token is checked first (`password_reset_token_invalid` / `_used` / `_expired`), then the password with the
    sign-up rule (422, and nothing changes: the link keeps working). Then, in one write transaction: the token is
    consumed by a conditional UPDATE (two submits at once reset once; the second gets `_used`), the hash is set,
    every other reset link of the account is spent, every session and API token of the account is revoked
    (whoever knew the old password is out), and the address is marked verified: the mail proved the mailbox.
    """
    now = now or utcnow()
    link = await _reset_link(token, now)
    weak = password_problem(new_password, link["email"], link["name"])
    if weak:
        raise InvalidInput(weak, field="password")
    password_hash = await anyio.to_thread.run_sync(_hasher.hash, new_password)
    member_id, email = link["member_id"], link["email"]
    async with write_transaction():
        claimed = await PasswordReset.update({PasswordReset.used_at: now}).where(
            (PasswordReset.token_hash == hash_token(token)) & PasswordReset.used_at.is_null()
            & (PasswordReset.expires_at > now)
        ).returning(PasswordReset.id)
        if not claimed:  # another submit of this link won meanwhile (or its hour just ran out)
            await _reset_link(token, now)  # raises the matching error
            raise PasswordResetTokenUsed("Deze link om je wachtwoord te herstellen is al gebruikt.")
        updated = await Member.update({Member.password_hash: password_hash, Member.updated_at: now}).where(
            (Member.id == member_id) & (Member.email == email)
            & (Member.password_hash != _ANONYMISED_PASSWORD_HASH)
        ).returning(Member.id)
        if not updated:  # the account changed its address or was removed meanwhile: undo the claim too
            raise PasswordResetTokenInvalid("Deze link hoort bij een ander e-mailadres.")
        await Member.update({Member.email_verified_at: now}).where(
            (Member.id == member_id) & Member.email_verified_at.is_null()
        )
        await PasswordReset.update({PasswordReset.used_at: now}).where(
            (PasswordReset.member == member_id) & PasswordReset.used_at.is_null()
        )
        await AuthToken.update({AuthToken.revoked_at: now}).where(
            (AuthToken.member == member_id) & AuthToken.revoked_at.is_null()
        )
    return {"reset_at": now}


# --------------------------------------------------------------------------- mailed links: clean-up

# A spent or expired link is kept a week, so following it soon after still says "used" or "expired" (not
# "invalid"), then deleted by a background job: it only ever held a hash, but nothing needs it any more.
MAILED_LINKS_KEPT = timedelta(days=7)


async def prune_mailed_links(now: datetime | None = None) -> int:
    """Delete verification and reset links used or expired more than MAILED_LINKS_KEPT ago; how many went."""
    before = (now or utcnow()) - MAILED_LINKS_KEPT
    gone = 0
    for table in (EmailVerification, PasswordReset):
        done = table.used_at.is_not_null() & (table.used_at < before)
        rows = await table.delete().where(done | (table.expires_at < before)).returning(table.id)
        gone += len(rows)
    return gone
