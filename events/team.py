"""An event's team: the roles people hold at one event (facilitator, door), granted by its organiser.

The read every other folder uses is `event_roles_of(member_id, event_id)`; what each role may do is a pure rule in
events.rules (`may_plan_breakouts`, `may_check_in`). Granting and revoking (`grant_event_role`,
`revoke_event_role`) is for the event's own organiser and for administrators, never for another organiser; a role
only goes to an account whose address is confirmed; every change is written to the role log (members.roles), in
the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from core.db import as_utc, unique_violation_raises, utcnow, write_transaction
from core.errors import InvalidInput, NotFound
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from events import rules
from events.errors import EventOrganiserOnly, RoleForOrganiser
from events.rules import EventRoleKind
from events.schemas import TeamMemberOut
from events.service import can_manage, can_view
from events.tables import Event, EventRole
from members.roles import log_role_change, verified_account
from members.sessions import register_event_role_probe
from members.tables import Member

# Principal.has_event_role (the menu's "Groups" link): one EXISTS in the query that identifies every request.
register_event_role_probe("EXISTS (SELECT 1 FROM event_role r WHERE r.member = m.id)")


_KINDS = frozenset(kind.value for kind in EventRoleKind)


class _AlreadyHeld(Exception):
    pass


def _role(role: str) -> EventRoleKind:
    try:
        return EventRoleKind(role)
    except ValueError:
        raise InvalidInput(_l("Rol moet 'facilitator' of 'door' zijn."), field="role") from None


async def event_roles_of(member_id: int, event_id: int) -> frozenset[EventRoleKind]:
    """The roles the member holds at the event (empty for anyone without one, the organiser included)."""
    rows = await EventRole.select(EventRole.role).where(
        (EventRole.member == member_id) & (EventRole.event == event_id)
    )
    return frozenset(EventRoleKind(r["role"]) for r in rows if r["role"] in _KINDS)


async def events_with_role(member_id: int, role: EventRoleKind) -> list[int]:
    """The ids of the events where the member holds `role`."""
    rows = await EventRole.select(EventRole.event).where((EventRole.member == member_id) & (EventRole.role == role))
    return [r["event"] for r in rows]


def manages_team(actor: Principal | None, event: Mapping[str, Any]) -> bool:
    """The event's own organiser, or an administrator."""
    return actor is not None and (actor.is_admin or can_manage(actor, dict(event)))


async def _team_event(actor: Principal, slug: str) -> dict[str, Any]:
    row = await Event.select().where(Event.slug == slug).first()
    if row is None:
        raise NotFound(_l("Dit evenement bestaat niet."))
    if not manages_team(actor, row):
        if not can_view(actor, row):  # a draft is not found for anyone but its organiser (and administrators)
            raise NotFound(_l("Dit evenement bestaat niet."))
        raise EventOrganiserOnly(_l("Alleen de organisator van dit evenement (of een beheerder) kan het team "
                                    "samenstellen."))
    return row


def _entry(row: Mapping[str, Any]) -> TeamMemberOut:
    granted_at = as_utc(row["granted_at"])
    assert granted_at is not None
    return TeamMemberOut(member_id=row["member"], email=row["member.email"], name=row["member.name"],
                         role=row["role"], granted_at=granted_at, granted_by=row["granted_by.name"] or None)


async def _team_rows(event_id: int, member_id: int | None = None) -> list[TeamMemberOut]:
    query = EventRole.select(
        EventRole.member, EventRole.member.email, EventRole.member.name, EventRole.role, EventRole.granted_at,
        EventRole.granted_by.name,
    ).where(EventRole.event == event_id)
    if member_id is not None:
        query = query.where(EventRole.member == member_id)
    rows = await query
    entries = [_entry(r) for r in rows]
    return sorted(entries, key=lambda e: (e.role, e.name.lower(), e.member_id))


async def list_event_team(actor: Principal, slug: str) -> list[TeamMemberOut]:
    """Who holds which role at the event (its organiser and administrators only)."""
    event = await _team_event(actor, slug)
    return await _team_rows(event["id"])


async def grant_event_role(actor: Principal, slug: str, email: str, role: str, *,
                           now: datetime | None = None) -> TeamMemberOut:
    """Give the account with `email` a role at the event; the entry. Idempotent: granting a role someone holds
    changes nothing and logs nothing. Refused for an unconfirmed address (`address_not_verified`) and for the
    event's organiser (`role_for_organiser`)."""
    kind = _role(role)
    event = await _team_event(actor, slug)
    member = await verified_account(email)
    if member.id == event["organiser"]:
        raise RoleForOrganiser(_l("De organisator van het evenement mag dit al; een rol is niet nodig."), field="email")
    now = now or utcnow()
    try:
        with unique_violation_raises(_AlreadyHeld()):
            async with write_transaction():
                await EventRole.insert(EventRole(event=event["id"], member=member.id, role=kind,
                                                 granted_by=actor.id, granted_at=now))
                await log_role_change(actor.id, member.id, kind, "grant", at=now, event_id=event["id"],
                                      event_slug=event["slug"])
    except _AlreadyHeld:
        pass
    return next(e for e in await _team_rows(event["id"], member.id) if e.role == kind)


async def revoke_event_role(actor: Principal, slug: str, member_id: int, role: str, *,
                            now: datetime | None = None) -> bool:
    """Take a role at the event from a member; whether they held it (revoking what nobody holds changes nothing
    and logs nothing)."""
    kind = _role(role)
    event = await _team_event(actor, slug)
    now = now or utcnow()
    async with write_transaction():
        gone = await EventRole.delete().where(
            (EventRole.event == event["id"]) & (EventRole.member == member_id) & (EventRole.role == kind)
        ).returning(EventRole.id)
        if gone:
            await log_role_change(actor.id, member_id, kind, "revoke", at=now, event_id=event["id"],
                                  event_slug=event["slug"])
    return bool(gone)


async def revoke_event_role_by_email(actor: Principal, slug: str, email: str, role: str) -> bool:
    """`revoke_event_role` for the person with this address (the Team tab's form)."""
    await _team_event(actor, slug)
    row = await Member.select(Member.id).where(Member.email == email.strip().lower()).first()
    if row is None:
        return False
    return await revoke_event_role(actor, slug, row["id"], role)


async def may_plan_breakouts(actor: Principal | None, event: Mapping[str, Any]) -> bool:
    """The event's organiser and its facilitators (events.rules.may_plan_breakouts)."""
    if actor is None:
        return False
    return rules.may_plan_breakouts(await event_roles_of(actor.id, event["id"]), can_manage(actor, dict(event)))


async def may_check_in(actor: Principal | None, event: Mapping[str, Any]) -> bool:
    """The event's organiser, its facilitators and its door role (events.rules.may_check_in)."""
    if actor is None:
        return False
    return rules.may_check_in(await event_roles_of(actor.id, event["id"]), can_manage(actor, dict(event)))
