"""Personal data (AVG/GDPR): everything stored about a member as one download, and deleting the account."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any, Literal

from core.db import as_utc, utcnow, write_transaction
from core.errors import NotFound, Unauthenticated
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from core.ratelimit import LOGIN_PER_EMAIL, enforce
from members.accounts import get_profile
from members.errors import AccountHasLiveTicket, PasswordIncorrect
from members.passwords import ANONYMISED_PASSWORD_HASH
from members.schemas import MailedLinkInfo, MemberExport, PersonalFeedInfo, TokenInfo
from members.sessions import authenticate
from members.tables import AuthToken, EmailVerification, Member, PasswordReset

# What the folders above members keep about a member, and what they do when an account goes: each registers its
# part at start-up (create_app), so members imports none of them (docs/architecture.md, "Layers").
# - an export section: the member's events organised (events), orders and waiting-list places (ticketing);
ExportSection = Callable[[Principal], Awaitable[Iterable[Any]]]
EXPORT_SECTIONS = ("events_organised", "orders", "waiting_lists")
_sections: dict[str, ExportSection] = {}
# - a reason to refuse deletion: True while the member holds a live ticket for an event to come (ticketing);
DeletionBlocker = Callable[[int, datetime], Awaitable[bool]]
_blockers: list[DeletionBlocker] = []
# - what goes with the account before it is deleted or anonymised: places on waiting lists (ticketing).
ForgetHook = Callable[[int], Awaitable[object]]  # what it returns is not used
_forgetters: list[ForgetHook] = []


def provide_export_section(name: str, section: ExportSection) -> None:
    """`section(principal)` lists what the export shows under `name` (one of EXPORT_SECTIONS; empty without one)."""
    if name not in EXPORT_SECTIONS:
        raise ValueError(f"unknown export section {name!r}")
    _sections[name] = section


def refuse_deletion_when(blocker: DeletionBlocker) -> None:
    if blocker not in _blockers:
        _blockers.append(blocker)


def on_account_deletion(forget: ForgetHook) -> None:
    """`forget(member_id)` runs before the account is deleted or anonymised."""
    if forget not in _forgetters:
        _forgetters.append(forget)


async def _section(name: str, principal: Principal) -> list[Any]:
    section = _sections.get(name)
    return list(await section(principal)) if section else []


async def export_member_data(member_id: int) -> MemberExport:
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
    principal = Principal(member_id, profile.email, profile.name, "organiser" in profile.roles,
                          "admin" in profile.roles, "export")
    links = []
    for kind, table in (("email_verification", EmailVerification), ("password_reset", PasswordReset)):
        for row in await table.select(table.email, table.created_at, table.expires_at, table.used_at).where(
                table.member == member_id):
            links.append(MailedLinkInfo(kind=kind, email=row["email"], created_at=as_utc(row["created_at"]),
                                        expires_at=as_utc(row["expires_at"]), used_at=as_utc(row["used_at"])))
    links.sort(key=lambda link: (link.created_at is None, link.created_at))
    return MemberExport(
        exported_at=utcnow(),
        profile=profile,
        updated_at=as_utc(feed["updated_at"]) if feed else None,
        personal_feed=PersonalFeedInfo(active=bool(feed and feed["feed_token_hash"]),
                                       reminder_minutes=feed["feed_reminder_minutes"] if feed else None),
        tokens=[TokenInfo(kind=t["kind"], label=t["label"], created_at=as_utc(t["created_at"]),
                          expires_at=as_utc(t["expires_at"]), revoked_at=as_utc(t["revoked_at"])) for t in tokens],
        mailed_links=links,
        events_organised=await _section("events_organised", principal),
        orders=await _section("orders", principal),
        waiting_lists=await _section("waiting_lists", principal),
    )


def _is_foreign_key_violation(exc: BaseException) -> bool:
    if isinstance(exc, sqlite3.IntegrityError) and "FOREIGN KEY" in str(exc).upper():
        return True
    return type(exc).__name__ == "ForeignKeyViolationError"  # asyncpg


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
        raise NotFound(_l("Dit account bestaat niet (meer)."))
    await enforce(LOGIN_PER_EMAIL, row["email"])
    try:
        await authenticate(row["email"], password)
    except Unauthenticated as exc:
        raise PasswordIncorrect(_l("Het wachtwoord klopt niet."), field="password") from exc
    if row["is_admin"] and not await Member.exists().where(Member.is_admin.eq(True) & (Member.id != member_id)):
        from members.roles import LastAdministrator

        raise LastAdministrator(_l("Je bent de laatste beheerder: maak eerst iemand anders beheerder, dan kun je je "
                                   "account verwijderen."))
    if any([await blocked(member_id, now) for blocked in _blockers]):
        raise AccountHasLiveTicket(
            _l("Je hebt een geldig ticket voor een evenement dat nog komt. Annuleer het eerst, of verwijder je "
               "account na het evenement.")
        )
    # The member's places on waiting lists hold a companion they typed: they go with the account, also when the
    # account is only anonymised below (its paid orders are kept for the books).
    for forget in _forgetters:
        await forget(member_id)
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
            Member.password_hash: ANONYMISED_PASSWORD_HASH,
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
