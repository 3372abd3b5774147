from __future__ import annotations

import httpx
import pytest

from members.accounts import SIGNUP_ACCEPTED_MESSAGE
from settings import Settings
from tests.support.members import Members, confirm_address

pytestmark = pytest.mark.anyio

SIGNUP = {
    "email": "Sanne@Example.nl",
    "password": "klantcontact-is-vakwerk",
    "name": "Sanne de Vries",
    "organisation": "Bel & Co",
    "industry": "customer_contact",
    "experience_level": 2,
    "birth_date": "1990-05-17",
}


async def test_signup_login_me_logout(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/signup", json=SIGNUP)
    assert response.status_code == 202, response.text
    assert response.json() == {"status": "accepted", "detail": SIGNUP_ACCEPTED_MESSAGE}
    assert "password" not in response.text

    # Until the mailed link is followed, signing in answers exactly as a wrong password does.
    early = await client.post("/api/v1/auth/login", json={"email": SIGNUP["email"], "password": SIGNUP["password"]})
    wrong = await client.post("/api/v1/auth/login", json={"email": SIGNUP["email"], "password": "niet-het-goede-1"})
    assert early.status_code == wrong.status_code == 401
    assert early.json() == wrong.json()
    assert "bevestigingsmail" in early.json()["detail"]
    await confirm_address("sanne@example.nl")

    login = await client.post("/api/v1/auth/login", json={"email": "SANNE@example.nl ", "password": SIGNUP["password"]})
    assert login.status_code == 200, login.text
    assert login.json()["member"]["email"] == "sanne@example.nl"
    assert login.json()["member"]["roles"] == ["member"]
    token = login.json()["token"]
    assert len(token) >= 43
    assert login.json()["token_type"] == "Bearer"
    headers = {"Authorization": f"Bearer {token}"}

    me = await client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["name"] == "Sanne de Vries"
    assert me.json()["birth_date"] == "1990-05-17"

    out = await client.post("/api/v1/auth/logout", headers=headers)
    assert out.status_code == 204
    again = await client.get("/api/v1/me", headers=headers)
    assert again.status_code == 401
    assert again.headers["content-type"].startswith("application/problem+json")
    assert again.json()["code"] == "not_authenticated"


async def test_tokens_are_stored_hashed(client: httpx.AsyncClient, members: Members) -> None:
    from members.tables import AuthToken

    member = await members.create()
    stored = await AuthToken.select(AuthToken.token_hash).where(AuthToken.member == member["id"])
    assert stored
    assert all(row["token_hash"] != member["token"] for row in stored)
    assert all(len(row["token_hash"]) == 64 for row in stored)


async def test_signing_up_with_a_taken_address_answers_the_same_and_mails_the_owner(
        client: httpx.AsyncClient, settings: Settings) -> None:
    """No account enumeration: the second sign-up (another case, another password and name) gets the very same 202
    as the first, changes nothing, and the owner gets a mail with a sign-in and a password-reset link, in which
    nothing typed by the second person travels."""
    from members.tables import Member
    from notifications import outbox
    from notifications.tables import OutboxMail

    first = await client.post("/api/v1/auth/signup", json=SIGNUP)
    other = await client.post("/api/v1/auth/signup", json={**SIGNUP, "email": "sanne@EXAMPLE.nl",
                                                           "name": "Iemand Anders", "password": "een-ander-wachtwoord"})
    assert first.status_code == other.status_code == 202
    assert first.json() == other.json()
    assert first.headers.keys() == other.headers.keys()
    assert await Member.count() == 1
    assert (await Member.select(Member.name).first())["name"] == "Sanne de Vries"  # type: ignore[index]
    mails = await OutboxMail.select().order_by(OutboxMail.id)
    assert [(m["kind"], m["to_email"]) for m in mails] == [("email_verification", "sanne@example.nl"),
                                                           ("account_exists", "sanne@example.nl")]
    message = await outbox.compose(mails[1], settings)
    assert message is not None
    text = message.get_content()
    assert message["Subject"] == "Je hebt al een account bij Nieuw Geluid"
    assert "http://testserver/inloggen" in text
    assert "http://testserver/wachtwoord-herstellen/" in text
    assert text.startswith("Hallo Sanne de Vries,")
    assert "Iemand Anders" not in text
    # The reset link in it works (and confirms the address).
    token = text.split("/wachtwoord-herstellen/", 1)[1].split()[0]
    reset = await client.post("/api/v1/auth/password-reset/confirm",
                              json={"token": token, "password": "nog-een-ander-wachtwoord"})
    assert reset.status_code == 200, reset.text
    login = await client.post("/api/v1/auth/login", json={"email": SIGNUP["email"],
                                                          "password": "nog-een-ander-wachtwoord"})
    assert login.status_code == 200, login.text
    # The owner of an unknown address gets nothing of the kind: a new address only gets its confirmation.
    await client.post("/api/v1/auth/signup", json={**SIGNUP, "email": "nieuw@example.nl"})
    assert await OutboxMail.count().where(OutboxMail.kind == "account_exists") == 1


async def test_signing_up_is_limited_per_address_typed_for_new_and_taken_ones_alike(
        client: httpx.AsyncClient) -> None:
    from core import ratelimit
    from members.accounts import SIGNUP_PER_EMAIL

    limit = ratelimit.effective_limit(SIGNUP_PER_EMAIL)
    for email in ("bestaand@example.nl", "nieuw-adres@example.nl"):
        statuses = [(await client.post("/api/v1/auth/signup", json={**SIGNUP, "email": email})).status_code
                    for _ in range(limit + 1)]
        assert statuses == [202] * limit + [429], (email, statuses)


async def test_wrong_password_unknown_email_and_unconfirmed_account_look_the_same(
        client: httpx.AsyncClient) -> None:
    await client.post("/api/v1/auth/signup", json=SIGNUP)
    unconfirmed = await client.post("/api/v1/auth/login", json={"email": SIGNUP["email"],
                                                                "password": SIGNUP["password"]})
    await confirm_address("sanne@example.nl")
    wrong = await client.post("/api/v1/auth/login", json={"email": SIGNUP["email"], "password": "niet-het-goede-1"})
    unknown = await client.post("/api/v1/auth/login", json={"email": "nobody@example.nl", "password": "x" * 12})
    assert wrong.status_code == unknown.status_code == unconfirmed.status_code == 401
    assert wrong.json() == unknown.json() == unconfirmed.json()


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"password": "kort"}, "password", 422),
        ({"password": "wachtwoord1"}, "password", 422),
        ({"email": "geen-email"}, "email", 422),
        ({"industry": "astrology"}, "industry", 422),
        ({"experience_level": 9}, "experience_level", 400),
        ({"birth_date": "3000-01-01"}, "birth_date", 422),
        ({"birth_date": "17-05-1990"}, "birth_date", 400),
        ({"name": ""}, "name", 400),
        ({"unexpected": 1}, "unexpected", 400),
    ],
)
async def test_signup_validation_names_the_field(
    client: httpx.AsyncClient, change: dict[str, object], field: str, status: int
) -> None:
    response = await client.post("/api/v1/auth/signup", json={**SIGNUP, **change})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "validation_error"
    assert any(e["field"] == field for e in body["errors"]), body
    assert field in body["detail"] or body["errors"][0]["field"] == field


async def test_malformed_json_is_a_problem_not_a_500(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/signup", content=b"{not json",
                                 headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] in {"bad_request", "validation_error"}


async def test_industries_have_dutch_and_english_labels(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/industries")
    assert response.status_code == 200
    industries = {i["code"]: i for i in response.json()}
    assert industries["customer_contact"]["label_nl"] == "Klantcontact"
    assert industries["customer_contact"]["label_en"] == "Customer contact"
    assert len(industries) >= 10


async def test_profile_update(client: httpx.AsyncClient, members: Members) -> None:
    member = await members.create()
    response = await client.patch("/api/v1/me", headers=member["headers"],
                                  json={"organisation": "Nieuwe Werkgever", "experience_level": 3})
    assert response.status_code == 200, response.text
    assert response.json()["organisation"] == "Nieuwe Werkgever"
    bad = await client.patch("/api/v1/me", headers=member["headers"], json={"industry": "nope"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "industry"


async def test_session_expiry_is_enforced(client: httpx.AsyncClient, members: Members) -> None:
    from datetime import timedelta

    from core.db import utcnow
    from members.tables import AuthToken

    member = await members.create()
    await AuthToken.update({AuthToken.expires_at: utcnow() - timedelta(seconds=1)}).where(
        AuthToken.member == member["id"]
    )
    response = await client.get("/api/v1/me", headers=member["headers"])
    assert response.status_code == 401


async def test_create_organiser_command(client: httpx.AsyncClient, database_url: str) -> None:
    """A fresh install gets its first organiser from the CLI; it never takes over an existing account."""
    import os

    import anyio

    from tests.support.database import ROOT

    env = {**os.environ, "DATABASE_URL": database_url}
    litestar = [str(ROOT / ".venv" / "bin" / "litestar"), "--app", "app:app", "create-organiser"]

    async def run(*args: str, stdin: bytes = b"") -> anyio.abc.Process:
        return await anyio.run_process([*litestar, *args], input=stdin, cwd=ROOT, env=env, check=False)

    weak = await run("--email", "Eerste@Example.nl", "--name", "Eerste", "--password", "kort")
    assert weak.returncode != 0
    assert b"Traceback" not in weak.stderr + weak.stdout
    assert b"Error" in weak.stderr, weak.stderr
    assert b"(password)" in weak.stderr, weak.stderr

    prompted = await run("--email", "Eerste@Example.nl", "--name", "Eerste",
                         stdin=b"organiseer-het-samen\norganiseer-het-samen\n")
    assert prompted.returncode == 0, prompted.stderr
    assert b"Created organiser eerste@example.nl" in prompted.stdout
    # The CLI runs outside the test process, so its hash has the production parameters (the suite's own are
    # cheaper: tests/support/passwords.py); signing in verifies it in the app.
    from members.tables import Member
    from tests.support.passwords import PRODUCTION_HASH_PREFIX

    stored = await Member.select(Member.password_hash).where(Member.email == "eerste@example.nl").first()
    assert stored is not None, stored
    assert stored["password_hash"].startswith(PRODUCTION_HASH_PREFIX), stored
    login = await client.post("/api/v1/auth/login", json={"email": "eerste@example.nl",
                                                          "password": "organiseer-het-samen"})
    assert login.status_code == 200, login.text

    member = await client.post("/api/v1/auth/signup", json=SIGNUP)
    assert member.status_code == 202
    await confirm_address("sanne@example.nl")
    promoted = await run("--email", SIGNUP["email"], "--name", "Sanne", "--password", "een-ander-wachtwoord")
    assert promoted.returncode == 0, promoted.stderr
    assert b"left unchanged" in promoted.stdout
    assert b"Updated organiser sanne@example.nl" in promoted.stdout
    own = await client.post("/api/v1/auth/login", json={"email": SIGNUP["email"], "password": SIGNUP["password"]})
    assert own.status_code == 200
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {own.json()['token']}"})
    assert "organiser" in me.json()["roles"]
