"""Global roles and the role log: administrators grant and revoke the organiser and administrator roles.

Who may grant what (issue 11: any organiser could revoke any other's role, with an unconfirmed address):
- an **administrator** (beheerder) grants and revokes `organiser` and `admin`, sees every event and the role log;
  the first one is made on the command line (`create-admin`); the last one cannot give the role up;
- an event's **organiser** grants the roles of one event (facilitator, door): events.team;
- a role only ever goes to an account whose e-mail address is confirmed;
- every grant and revoke, from any of these and from the command line, is written to the role log (`RoleLog`):
  who, whom, what, when, and at which event.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final, Literal

from core.db import as_utc, is_postgres, utcnow, write_transaction
from core.errors import AdminOnly, InvalidInput
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from members.accounts import get_profile
from members.errors import AccountNotFound, AddressNotVerified, LastAdministrator
from members.rules import normalise_email
from members.schemas import PersonRef, RoleGrantOut, RoleHolderOut, RoleLogEntryOut
from members.tables import Member, RoleLog

GlobalRole = Literal["admin", "organiser"]
GLOBAL_ROLES: Final[tuple[GlobalRole, ...]] = ("admin", "organiser")
_COLUMNS: Final = {"admin": Member.is_admin, "organiser": Member.is_organiser}
# How many log entries an administrator sees at once (newest first).
ROLE_LOG_PAGE: Final = 200


def require_admin(actor: Principal | None) -> Principal:
    if actor is None or not actor.is_admin:
        raise AdminOnly(_l("Alleen een beheerder mag dit doen."))
    return actor


async def log_role_change(actor_id: int | None, subject_id: int, role: str, action: Literal["grant", "revoke"], *,
                          at: datetime, event_id: int | None = None, event_slug: str = "") -> None:
    """One line in the role log (inside the caller's transaction, so the change and its line go together)."""
    await RoleLog.insert(RoleLog(actor=actor_id, subject=subject_id, role=role, action=action, event_id=event_id,
                                 event_slug=event_slug, at=at))


async def verified_account(email: str) -> PersonRef:
    """The account with this address (id, email, name), when its address is confirmed: AccountNotFound or
    AddressNotVerified otherwise. Every role grant starts here."""
    row = await Member.select(Member.id, Member.email, Member.name, Member.email_verified_at).where(
        Member.email == normalise_email(email)
    ).first()
    if row is None:
        raise AccountNotFound(_l("Er is geen account met dit e-mailadres."), field="email")
    if row["email_verified_at"] is None:
        raise AddressNotVerified(_l("Dit e-mailadres is nog niet bevestigd: een rol krijgt alleen een account met "
                                    "een bevestigd adres. Vraag de persoon eerst de link in de bevestigingsmail te "
                                    "openen."),
                                 field="email")
    return PersonRef(id=row["id"], email=row["email"], name=row["name"])


async def _other_admins(member_id: int) -> int:
    """How many administrators there are besides `member_id`, inside a write transaction. On PostgreSQL the admin
    rows are locked first, so two administrators revoking each other at once cannot leave nobody (the second waits,
    then counts again); SQLite's write transaction already runs alone."""
    query = Member.select(Member.id).where(Member.is_admin.eq(True))
    if is_postgres():
        query = query.lock_rows()
    return sum(1 for row in await query if row["id"] != member_id)


async def apply_global_role(actor_id: int | None, member_id: int, role: GlobalRole, enabled: bool,
                            now: datetime) -> bool:
    """Set one global role inside the caller's write transaction, log it when it changed; whether it changed.
    Refuses to take the administrator role from the last administrator."""
    column = _COLUMNS[role]
    if role == "admin" and not enabled and await _other_admins(member_id) == 0:
        raise LastAdministrator(_l("Je bent de laatste beheerder: maak eerst iemand anders beheerder."), field="role")
    changed = await Member.update({column: enabled, Member.updated_at: now}).where(
        (Member.id == member_id) & (column != enabled)
    ).returning(Member.id)
    if changed:
        await log_role_change(actor_id, member_id, role, "grant" if enabled else "revoke", at=now)
    return bool(changed)


async def set_role(actor: Principal, email: str, role: str, enabled: bool) -> RoleGrantOut:
    """Grant or revoke `organiser` or `admin` (administrators only). Revoking is allowed for any account; granting
    needs a confirmed address. Returns who the account is and its roles (never its profile)."""
    require_admin(actor)
    if role not in _COLUMNS:
        raise InvalidInput(_l("Rol moet 'organiser' of 'admin' zijn; facilitator en deur zijn rollen per evenement "
                              "(het Team van het evenement)."), field="role")
    if enabled:
        member_id = (await verified_account(email)).id
    else:
        row = await Member.select(Member.id).where(Member.email == normalise_email(email)).first()
        if row is None:
            raise AccountNotFound(_l("Er is geen account met dit e-mailadres."), field="email")
        member_id = row["id"]
    async with write_transaction():
        await apply_global_role(actor.id, member_id, role, enabled, utcnow())  # type: ignore[arg-type]
    profile = await get_profile(member_id)
    return RoleGrantOut(id=profile.id, email=profile.email, name=profile.name, roles=profile.roles)


async def role_holders(actor: Principal) -> list[RoleHolderOut]:
    """Every administrator and organiser (administrators only), by name."""
    require_admin(actor)
    rows = await Member.select(Member.id, Member.email, Member.name, Member.is_admin, Member.is_organiser).where(
        Member.is_admin.eq(True) | Member.is_organiser.eq(True)
    ).order_by(Member.name)
    return [RoleHolderOut(id=r["id"], email=r["email"], name=r["name"],
                          roles=[role for role in GLOBAL_ROLES if r[f"is_{role}"]]) for r in rows]


async def role_log(actor: Principal, limit: int = ROLE_LOG_PAGE) -> list[RoleLogEntryOut]:
    """The latest grants and revokes, newest first (administrators only), with who did it and to whom."""
    require_admin(actor)
    rows = await RoleLog.select(
        RoleLog.id, RoleLog.role, RoleLog.action, RoleLog.event_id, RoleLog.event_slug, RoleLog.at,
        RoleLog.actor, RoleLog.actor.email, RoleLog.actor.name,
        RoleLog.subject, RoleLog.subject.email, RoleLog.subject.name,
    ).order_by(RoleLog.at, ascending=False).order_by(RoleLog.id, ascending=False).limit(max(1, min(limit, 1000)))
    return [_log_entry(r) for r in rows]


def _log_entry(row: dict[str, Any]) -> RoleLogEntryOut:
    at = as_utc(row["at"])
    assert at is not None  # a NOT NULL column
    return RoleLogEntryOut(
        id=row["id"], at=at, action=row["action"], role=row["role"], event_slug=row["event_slug"] or None,
        actor=_person(row["actor"], row["actor.email"], row["actor.name"]),
        subject=_person(row["subject"], row["subject.email"], row["subject.name"]),
    )


def _person(member_id: int | None, email: str | None, name: str | None) -> PersonRef | None:
    """Who an entry names: None for the command line or a migration (no actor), or an account deleted since."""
    if member_id is None:
        return None
    return PersonRef(id=member_id, email=email or "", name=name or "")
