"""Members for API tests: through the service with a real sign-in (`Members`), or straight into the tables
with a bearer token when a test needs many (`quick_member`, `quick_members`), or through the sign-up API as a
new account is made (`sign_up`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

import httpx

PASSWORD = "een-goed-wachtwoord-42"


class Members:
    """Creates members with roles and hands out bearer headers."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.count = 0

    async def create(self, *roles: str, verified: bool = True, **profile: Any) -> dict[str, Any]:
        """A member (through ensure_member, like the CLI: e-mail verified at creation unless `verified=False`,
        which gives an account as sign-up makes it, with its verification mail queued)."""
        from members.service import NewMember, ensure_member

        self.count += 1
        email = profile.pop("email", f"lid{self.count}@example.nl")
        password = profile.pop("password", PASSWORD)
        data = NewMember(email=email, password=password, name=profile.pop("name", f"Lid {self.count}"), **profile)
        member, _ = await ensure_member(data, roles=tuple(roles), verified=verified)
        response = await self.client.post("/api/v1/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        token = response.json()["token"]
        return {**member, "password": password, "token": token, "headers": {"Authorization": f"Bearer {token}"}}


async def sign_up(client: httpx.AsyncClient, email: str, name: str = "Sam Jong", **extra: Any) -> dict[str, Any]:
    """A new account through `POST /auth/signup` (e-mail not yet verified), signed in with a bearer token."""
    created = await client.post("/api/v1/auth/signup", json={"email": email, "password": PASSWORD, "name": name,
                                                             **extra})
    assert created.status_code == 201, created.text
    assert created.json()["email_verified"] is False and created.json()["email_verified_at"] is None
    login = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return {**created.json(), "headers": {"Authorization": f"Bearer {login.json()['token']}"}}


_quick = count(1)


async def quick_member(*roles: str, verified: bool = True, **profile: Any) -> dict[str, Any]:
    """A member with a bearer token, straight through the tables (no password: it cannot sign in); e-mail
    verified like the `members` fixture's, unless `verified=False`."""
    from members.service import hash_token, new_token
    from members.tables import AuthToken, Member

    n = next(_quick)
    now = datetime.now(UTC)
    values = {"email": f"snel{n}@example.nl", "name": f"Lid {n}", **profile}
    row = (await Member.insert(Member(
        **values, password_hash="!", is_organiser="organiser" in roles, is_facilitator="facilitator" in roles,
        email_verified_at=now if verified else None, created_at=now, updated_at=now,
    )).returning(Member.id))[0]
    token = new_token()
    await AuthToken.insert(AuthToken(member=row["id"], token_hash=hash_token(token), kind="api", created_at=now,
                                     expires_at=now + timedelta(days=1)))
    return {"id": row["id"], **values, "headers": {"Authorization": f"Bearer {token}"}}


async def quick_members(count: int, prefix: str = "koper") -> list[dict[str, Any]]:
    """`count` verified buyers with bearer tokens in two inserts (for load and concurrency tests)."""
    from members.service import hash_token, new_token
    from members.tables import AuthToken, Member

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
