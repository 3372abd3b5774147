"""Accounts: sign-up, accounts made by the command line and the demo, the profile."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import anyio.to_thread
import msgspec

from core.db import as_utc, is_unique_violation, utcnow, write_transaction
from core.errors import InvalidFields, InvalidInput, NotFound
from core.i18n import lazy_gettext as _l
from core.ratelimit import SIGNUP_PER_IP, Limit, enforce
from members.errors import AccountExists, AddressNotVerified
from members.passwords import HASHER
from members.rules import EXPERIENCE_LEVELS, email_is_valid, name_problem, normalise_email, password_problem
from members.rules import INDUSTRIES_BY_CODE as INDUSTRIES
from members.schemas import MemberOut
from members.tables import Member
from members.verification import queue_verification_mail
from notifications import outbox

# The outbox kind of the note to an account's owner that someone signed up with their address (members.mail).
ACCOUNT_EXISTS_MAIL = "account_exists"


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


def _name_problem(name: str) -> InvalidInput | None:
    problem = name_problem(name)
    if problem == "empty":
        return InvalidInput(_l("Vul je naam in."), field="name")
    if problem is not None:
        return InvalidInput(_l("Een naam kan alleen letters, cijfers, spaties en ' - . , bevatten, en geen webadres."),
                            field="name")
    return None


def check_name(name: str) -> None:
    """A member's own name: not empty, and nothing that could carry a link or markup into someone's mail."""
    problem = _name_problem(name)
    if problem is not None:
        raise problem


def _profile_problems(industry: str, experience_level: int, birth_date: date | None, today: date
                      ) -> list[InvalidInput]:
    problems = []
    if industry not in INDUSTRIES:
        problems.append(InvalidInput(_l("Onbekende sector '%(industry)s'.", industry=industry), field="industry"))
    if experience_level not in EXPERIENCE_LEVELS:
        problems.append(InvalidInput(_l("Ervaring moet tussen 0 (starter) en 4 (expert) liggen."),
                                     field="experience_level"))
    if birth_date is not None and not (date(1900, 1, 1) <= birth_date <= today):
        problems.append(InvalidInput(_l("Deze geboortedatum kan niet kloppen."), field="birth_date"))
    return problems


def check_profile(industry: str, experience_level: int, birth_date: date | None, today: date) -> None:
    problems = _profile_problems(industry, experience_level, birth_date, today)
    if problems:
        raise InvalidFields(problems)


# Sign-up per address typed: a few an hour, for new and existing addresses alike (a 429 says nothing either).
SIGNUP_PER_EMAIL = Limit("signup_email", 5, 60 * 60)


# The one answer to a well-formed sign-up, whether or not the address already has an account.
SIGNUP_ACCEPTED_MESSAGE = (
    "We hebben een mail gestuurd naar dit e-mailadres. Open de link erin om je adres te bevestigen; daarna kun je "
    "inloggen."
)


def new_member_problems(data: NewMember, email: str, today: date) -> list[InvalidInput]:
    """Every problem with a new account's data at once (each with its field): a form shows them all (issue 15)."""
    problems = []
    if not email_is_valid(email):
        problems.append(InvalidInput(_l("Vul een geldig e-mailadres in."), field="email"))
    name = _name_problem(data.name)
    if name is not None:
        problems.append(name)
    weak = password_problem(data.password, email, data.name)
    if weak:
        problems.append(InvalidInput(weak, field="password"))
    return problems + _profile_problems(data.industry, data.experience_level, data.birth_date, today)


def _check_new_member(data: NewMember, email: str, today: date) -> None:
    problems = new_member_problems(data, email, today)
    if problems:
        raise InvalidFields(problems)


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
        await outbox.queue(ACCOUNT_EXISTS_MAIL, email, f"exists:{email}:{secrets.token_hex(8)}", now)


async def _create_member(data: NewMember, email: str, *, verified: bool, now: datetime) -> int:
    """Insert the account (hashing the password in a thread) and, unless verified, queue its verification mail.
    Raises AccountExists when the address is taken."""
    password_hash = await anyio.to_thread.run_sync(HASHER.hash, data.password)
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
            raise AccountExists(_l("Er is al een account met dit e-mailadres."), field="email") from exc
        raise
    if not verified:
        await queue_verification_mail(rows[0]["id"], email, "signup", now)
    return int(rows[0]["id"])


async def create_member(data: NewMember, *, verified: bool = True) -> MemberOut:
    """Create an account directly (the CLI, the demo seed and test set-up; never a public route): checked like a
    sign-up, verified unless `verified=False` (then its verification mail is queued). AccountExists when taken.
    Without roles: `ensure_member` grants them (and logs it)."""
    email = normalise_email(data.email)
    now = utcnow()
    _check_new_member(data, email, now.date())
    return await get_profile(await _create_member(data, email, verified=verified, now=now))


_PROFILE_COLUMNS = (
    Member.id, Member.email, Member.name, Member.organisation, Member.industry, Member.experience_level,
    Member.experience_years, Member.birth_date, Member.is_organiser, Member.is_admin, Member.language,
    Member.email_verified_at, Member.created_at,
)


def _profile(row: dict[str, Any]) -> MemberOut:
    roles = [r for r, on in (("admin", row["is_admin"]), ("organiser", row["is_organiser"])) if on]
    return MemberOut(
        id=row["id"],
        email=row["email"],
        name=row["name"],
        organisation=row["organisation"],
        industry=row["industry"],
        experience_level=row["experience_level"],
        experience_years=row["experience_years"],
        birth_date=row["birth_date"],
        language=row["language"],
        roles=[*roles, "member"],
        email_verified=row["email_verified_at"] is not None,
        email_verified_at=as_utc(row["email_verified_at"]),
        created_at=as_utc(row["created_at"]),
    )


async def get_profile(member_id: int) -> MemberOut:
    row = await Member.select(*_PROFILE_COLUMNS).where(Member.id == member_id).first()
    if row is None:
        raise NotFound(_l("Dit account bestaat niet (meer)."))
    return _profile(row)


async def update_profile(member_id: int, changes: dict[str, Any]) -> MemberOut:
    current = await get_profile(member_id)
    merged = {**msgspec.structs.asdict(current), **changes}
    check_profile(merged["industry"], merged["experience_level"], merged["birth_date"], utcnow().date())
    if "name" in changes:
        check_name(str(changes["name"]))
        changes = {**changes, "name": " ".join(str(changes["name"]).split())}
    values: dict[Any, Any] = {getattr(Member, k): v for k, v in changes.items()}
    values[Member.updated_at] = utcnow()
    await Member.update(values).where(Member.id == member_id)
    return await get_profile(member_id)


async def member_id_for_email(email: str) -> int | None:
    row = await Member.select(Member.id).where(Member.email == normalise_email(email)).first()
    return row["id"] if row else None


async def ensure_member(data: NewMember, roles: tuple[str, ...], *,
                        verified: bool = True) -> tuple[MemberOut, bool]:
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
        raise InvalidInput(_l("Alleen 'organiser' en 'admin' gelden overal; facilitator en deur zijn rollen per "
                              "evenement."), field="role")
    address = normalise_email(data.email)
    existing = await Member.select(Member.id, Member.email_verified_at).where(Member.email == address).first()
    if roles and (existing["email_verified_at"] is None if existing else not verified):
        raise AddressNotVerified(_l("Een rol krijgt alleen een account met een bevestigd e-mailadres."),
                                              field="email")
    if existing is None:
        member_id, created = (await create_member(data, verified=verified)).id, True
    else:
        member_id, created = existing["id"], False
    if roles:
        now = utcnow()
        async with write_transaction():
            for role in global_roles.GLOBAL_ROLES:
                if role in roles:
                    await global_roles.apply_global_role(None, member_id, role, True, now)
    return await get_profile(member_id), created
