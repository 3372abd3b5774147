"""Members for API tests: through the service with a real sign-in (`Members`), or straight into the tables
with a bearer token when a test needs many (`quick_member`, `quick_members`), or through the sign-up API as a
new account is made (`sign_up`, then a session from before sign-in needed a confirmed address)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import httpx
import msgspec

PASSWORD = "een-goed-wachtwoord-42"


class Members:
    """Creates members with roles and hands out bearer headers."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.count = 0

    async def create(self, *roles: str, verified: bool = True, **profile: Any) -> dict[str, Any]:
        """A member (through ensure_member, like the CLI: e-mail verified at creation unless `verified=False`,
        which gives an account as sign-up makes it, with its verification mail queued). Roles: the global ones
        (`organiser`, `admin`); a role at one event is given with `give_event_role`."""
        from members.accounts import NewMember, ensure_member

        self.count += 1
        email = profile.pop("email", f"lid{self.count}@example.nl")
        password = profile.pop("password", PASSWORD)
        data = NewMember(email=email, password=password, name=profile.pop("name", f"Lid {self.count}"), **profile)
        member, _ = await ensure_member(data, roles=tuple(roles), verified=verified)
        if verified:
            response = await self.client.post("/api/v1/auth/login", json={"email": email, "password": password})
            assert response.status_code == 200, response.text
            token = response.json()["token"]
        else:
            token = await session_from_before_verification(member.id)
        return {**msgspec.structs.asdict(member), "password": password, "token": token,
                "headers": {"Authorization": f"Bearer {token}"}}


async def session_from_before_verification(member_id: int) -> str:
    """An API token of an account whose address is not confirmed. Signing in needs a confirmed address now
    (members.sessions.login), but tokens and sessions issued before that rule keep working: these are the
    signed-in, unconfirmed members that the e-mail-matched routes (a companion's ticket, feeds, groups) guard
    against. Made the way sign-in makes one."""
    from members.sessions import issue_token as _issue

    token, _ = await _issue(member_id, "api", timedelta(days=1), "from before verification was required")
    return token


async def confirm_address(email: str) -> None:
    """Follow the confirmation link, as the mailed one would be followed (a token made by the service and spent by
    the same verify_email the link's page calls)."""
    from members.verification import issue_verification_token, verify_email

    issued = await issue_verification_token(email)
    assert issued is not None, f"{email} has no unconfirmed account"
    await verify_email(issued.token)


async def sign_up(client: httpx.AsyncClient, email: str, name: str = "Sam Jong", **extra: Any) -> dict[str, Any]:
    """A new account through `POST /auth/signup` (always 202; e-mail not yet verified), then a session as an account
    from before sign-in needed a confirmed address (signing in is refused until then: test_members)."""
    from members.accounts import get_profile, member_id_for_email

    created = await client.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD, "name": name,
                                                             **extra})
    assert created.status_code == 202, created.text
    member_id = await member_id_for_email(email)
    assert member_id is not None
    profile = await get_profile(member_id)
    assert profile.email_verified is False
    assert profile.email_verified_at is None
    token = await session_from_before_verification(member_id)
    return {**msgspec.structs.asdict(profile), "headers": {"Authorization": f"Bearer {token}"}}


_quick = count(1)


async def quick_member(*roles: str, verified: bool = True, **profile: Any) -> dict[str, Any]:
    """A member with a bearer token, straight through the tables (no password: it cannot sign in); e-mail
    verified like the `members` fixture's, unless `verified=False`."""
    from members.tables import AuthToken, Member
    from members.tokens import hash_token, new_token

    n = next(_quick)
    now = datetime.now(UTC)
    values = {"email": f"snel{n}@example.nl", "name": f"Lid {n}", **profile}
    row = (await Member.insert(Member(
        **values, password_hash="!", is_organiser="organiser" in roles, is_admin="admin" in roles,
        email_verified_at=now if verified else None, created_at=now, updated_at=now,
    )).returning(Member.id))[0]
    token = new_token()
    await AuthToken.insert(AuthToken(member=row["id"], token_hash=hash_token(token), kind="api", created_at=now,
                                     expires_at=now + timedelta(days=1)))
    return {"id": row["id"], **values, "headers": {"Authorization": f"Bearer {token}"}}


async def quick_members(count: int, prefix: str = "koper") -> list[dict[str, Any]]:
    """`count` verified buyers with bearer tokens in two inserts (for load and concurrency tests)."""
    from members.tables import AuthToken, Member
    from members.tokens import hash_token, new_token

    now = datetime.now(UTC)
    rows = await Member.insert(*[
        Member(email=f"{prefix}{i}@example.nl", name=f"Koper {i}", password_hash="!", organisation="Org",
               industry="customer_contact", email_verified_at=now, created_at=now, updated_at=now)
        for i in range(count)
    ]).returning(Member.id, Member.email)
    tokens = [new_token() for _ in rows]
    await AuthToken.insert(*[
        AuthToken(member=r["id"], token_hash=hash_token(t), kind="api", created_at=now,
                  expires_at=now + timedelta(days=1))
        for r, t in zip(rows, tokens, strict=True)
    ])
    return [{"id": r["id"], "email": r["email"], "headers": {"Authorization": f"Bearer {t}"}}
            for r, t in zip(rows, tokens, strict=True)]


async def give_event_role(slug: str, email: str, role: str = "facilitator") -> None:
    """A role at one event, granted as the event's organiser grants it (events.team, logged)."""
    from core.principal import Principal
    from events.tables import Event
    from events.team import grant_event_role
    from members.tables import Member

    event = await Event.select(Event.organiser).where(Event.slug == slug).first()
    assert event is not None, f"no event {slug} with an organiser"
    assert event["organiser"] is not None, f"no event {slug} with an organiser"
    row = await Member.select().where(Member.id == event["organiser"]).first()
    assert row is not None
    organiser = Principal(row["id"], row["email"], row["name"], True, bool(row["is_admin"]), "api")
    await grant_event_role(organiser, slug, email, role)
