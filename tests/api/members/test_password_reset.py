"""Password reset ("wachtwoord vergeten"): a mailed single-use link, valid one hour, that sets a new password and
revokes every session and API token of the account.

The mail goes through the outbox into settings.mail_dir (no SMTP_HOST), and the link is read from it, as a member
would. Asking never tells whether an account exists: the same status and body for every well-formed address.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from settings import Settings
from tests.support.members import Members, session_from_before_verification

pytestmark = pytest.mark.anyio

LINK = re.compile(r"http://testserver/wachtwoord-herstellen/([A-Za-z0-9_-]{40,})")
NEW_PASSWORD = "een-heel-nieuw-wachtwoord-81"
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return replace(Settings(), database_url=database_url, background_jobs=False, app_env="test",
                   public_base_url="http://testserver", mail_dir=tmp_path / "mail")


async def reset_mails(settings: Settings, to: str) -> list[tuple[str, EmailMessage]]:
    """Send the outbox and return (token, message) of every reset mail `to` has received so far."""
    from notifications import outbox

    await outbox.send_outbox(settings)
    found = []
    async for path in anyio.Path(settings.mail_dir).glob("*.eml"):
        message = BytesParser(policy=policy.default).parsebytes(await path.read_bytes())
        assert isinstance(message, EmailMessage)
        match = LINK.search(message.get_content())
        if to.lower() in str(message["To"]).lower() and match:
            found.append((match.group(1), message))
    return found


async def ask(client: httpx.AsyncClient, email: str) -> httpx.Response:
    return await client.post("/api/v1/auth/password-reset", json={"email": email})


async def confirm(client: httpx.AsyncClient, token: str, password: str = NEW_PASSWORD) -> httpx.Response:
    return await client.post("/api/v1/auth/password-reset/confirm", json={"token": token, "password": password})


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"email": email, "password": password})


async def test_the_mailed_link_sets_a_new_password_and_signs_everyone_out(
        client: httpx.AsyncClient, members: Members, settings: Settings) -> None:
    from members.tables import PasswordReset

    sanne = await members.create(email="sanne@example.nl", name="Sanne de Boer", verified=False)
    # Unconfirmed, so no new sign-in (members.sessions.login); a second device from before, another API token.
    assert (await login(client, sanne["email"], sanne["password"])).status_code == 401
    other_device = {"Authorization": f"Bearer {await session_from_before_verification(sanne['id'])}"}
    bystander = await members.create(email="bas@example.nl")

    # The same answer with and without an account (and whatever the case of the address).
    asked = await ask(client, " Sanne@Example.NL ")
    unknown = await ask(client, "niemand@example.nl")
    assert asked.status_code == unknown.status_code == 202, asked.text
    assert asked.json() == unknown.json()
    assert asked.json()["status"] == "accepted"
    assert "Als er een account" in asked.json()["detail"]
    assert "set-cookie" not in asked.headers

    [(token, message)] = await reset_mails(settings, "sanne@example.nl")
    assert message["Subject"] == "Stel een nieuw wachtwoord in voor Nieuw Geluid"
    assert message["Content-Language"] == "nl"
    assert "1 uur" in message.get_content()
    assert await reset_mails(settings, "niemand@example.nl") == []
    rows = await PasswordReset.select()
    assert len(rows) == 1
    assert token not in str(rows)
    assert rows[0]["expires_at"] - rows[0]["created_at"] == timedelta(hours=1)

    # A weak password is refused and nothing changes: the old password works, the link still works.
    weak = await confirm(client, token, "kort")
    assert weak.status_code == 422, weak.text
    assert weak.json()["code"] == "validation_error", weak.text
    assert weak.json()["errors"][0]["field"] == "password"
    named = await confirm(client, token, "sanne-de-boer-en-meer")
    assert named.status_code == 422, named.text  # the sign-up rule: not the name or the e-mail address
    assert (await client.get("/api/v1/me", headers=sanne["headers"])).status_code == 200
    assert (await PasswordReset.select(PasswordReset.used_at))[0]["used_at"] is None

    done = await confirm(client, token)
    assert done.status_code == 200, done.text
    assert done.json()["reset_at"]
    assert "set-cookie" not in done.headers
    # Whoever had the old password is out: every session and API token of the account is revoked.
    assert (await client.get("/api/v1/me", headers=sanne["headers"])).status_code == 401
    assert (await client.get("/api/v1/me", headers=other_device)).status_code == 401
    assert (await client.get("/api/v1/me", headers=bystander["headers"])).status_code == 200  # others stay in
    assert (await login(client, sanne["email"], sanne["password"])).status_code == 401
    fresh = await login(client, sanne["email"], NEW_PASSWORD)
    assert fresh.status_code == 200, fresh.text
    # The mail proved the mailbox: the address is verified now.
    assert fresh.json()["member"]["email_verified"] is True

    # Single use; a forged or malformed token has its own code.
    again = await confirm(client, token)
    assert again.status_code == 409
    assert again.json()["code"] == "password_reset_token_used"
    forged = await confirm(client, token[:-4] + "AAAA")
    assert forged.status_code == 400
    assert forged.json()["code"] == "password_reset_token_invalid"
    too_long = await confirm(client, "x" * 201)
    assert too_long.status_code == 400


async def test_using_one_link_spends_the_others(client: httpx.AsyncClient, members: Members,
                                                settings: Settings) -> None:
    noor = await members.create(email="noor@example.nl")
    for _ in range(2):
        assert (await ask(client, noor["email"])).status_code == 202
    links = await reset_mails(settings, noor["email"])
    assert len(links) == 2
    assert links[0][0] != links[1][0]
    assert (await confirm(client, links[1][0])).status_code == 200
    spent = await confirm(client, links[0][0])
    assert spent.status_code == 409
    assert spent.json()["code"] == "password_reset_token_used"


async def test_a_link_expires_after_an_hour(client: httpx.AsyncClient, members: Members,
                                            settings: Settings) -> None:
    from core.db import utcnow
    from members import errors, password_reset
    from members.tables import PasswordReset

    lotte = await members.create(email="lotte@example.nl", language="en")
    assert (await ask(client, lotte["email"])).status_code == 202
    [(token, message)] = await reset_mails(settings, lotte["email"])
    assert message["Subject"] == "Set a new password for Nieuw Geluid"
    assert message["Content-Language"] == "en"

    issued = await PasswordReset.select(PasswordReset.created_at).first()
    assert issued is not None
    created = issued["created_at"]
    assert await password_reset.check_password_reset(token, now=created + timedelta(minutes=59))
    with pytest.raises(errors.PasswordResetTokenExpired):
        await password_reset.confirm_password_reset(token, NEW_PASSWORD, now=created + timedelta(hours=1))
    assert (await client.get("/api/v1/me", headers=lotte["headers"])).status_code == 200  # nothing changed

    await PasswordReset.update({PasswordReset.expires_at: utcnow() - timedelta(seconds=1)}).where(
        PasswordReset.id > 0)
    expired = await confirm(client, token)
    assert expired.status_code == 410
    assert expired.json()["code"] == "password_reset_token_expired"
    page = await client.get(f"/wachtwoord-herstellen/{token}")
    assert page.status_code == 410
    assert "verlopen" in page.text
    assert 'href="/wachtwoord-vergeten"' in page.text
    assert 'name="password"' not in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert (await login(client, lotte["email"], lotte["password"])).status_code == 200


async def test_no_mail_for_a_removed_account(client: httpx.AsyncClient, members: Members,
                                             settings: Settings) -> None:
    from members.tables import Member

    daan = await members.create(email="daan@example.nl")
    deleted = await client.request("DELETE", "/api/v1/me", json={"password": daan["password"]},
                                   headers=daan["headers"])
    assert deleted.status_code == 200, deleted.text
    assert deleted.json()["outcome"] == "deleted", deleted.text
    assert (await ask(client, "daan@example.nl")).status_code == 202
    # An anonymised account keeps a placeholder row whose password matches nothing
    # (members.passwords.ANONYMISED_PASSWORD_HASH).
    kim = await members.create(email="kim@example.nl")
    await Member.update({Member.password_hash: "!"}).where(Member.id == kim["id"])
    assert (await ask(client, "kim@example.nl")).status_code == 202
    # A mail queued for an account that is deleted before the outbox sends it is skipped.
    eva = await members.create(email="eva@example.nl")
    assert (await ask(client, "eva@example.nl")).status_code == 202
    await Member.delete().where(Member.id == eva["id"])
    for address in ("daan@example.nl", "kim@example.nl", "eva@example.nl"):
        assert await reset_mails(settings, address) == []


async def test_asking_is_rate_limited_per_address_and_per_client(app: Any, client: httpx.AsyncClient,
                                                                 members: Members) -> None:
    from members.password_reset import RESET_PER_EMAIL, RESET_PER_IP

    await members.create(email="fien@example.nl")
    for address in ("fien@example.nl", "onbekend@example.nl"):  # counted alike: a 429 tells nothing either
        statuses = [(await ask(client, address)).status_code for _ in range(RESET_PER_EMAIL.limit + 1)]
        assert statuses == [202] * RESET_PER_EMAIL.limit + [429], statuses
    refused = await ask(client, "fien@example.nl")
    assert refused.json()["code"] == "rate_limited"
    assert int(refused.headers["retry-after"]) > 0

    transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as noisy:
        # A different address each time: only the per-client limit can stop these.
        statuses = [(await ask(noisy, f"gok{i}@example.nl")).status_code for i in range(RESET_PER_IP.limit + 1)]
    assert 429 not in statuses[:RESET_PER_IP.limit], statuses
    assert statuses[-1] == 429, statuses
    assert (await ask(client, "iemand@example.nl")).status_code == 202  # another client is not slowed


@pytest.fixture
async def browser(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as c:
        yield c


async def post_form(browser: httpx.AsyncClient, path: str, form: dict[str, str]) -> httpx.Response:
    page = await browser.get(path)
    token = CSRF.search(page.text)
    assert token, page.text[:500]
    return await browser.post(path, data={**form, "_csrf_token": token.group(1)})


async def test_the_two_forms_on_the_pages(browser: httpx.AsyncClient, members: Members,
                                          settings: Settings) -> None:
    roos = await members.create(email="roos@example.nl", name="Roos Mulder")
    signed_in = await post_form(browser, "/inloggen", {"email": roos["email"], "password": roos["password"]})
    assert signed_in.status_code == 303
    assert (await browser.get("/profiel")).status_code == 200

    login_page = await browser.get("/inloggen")
    assert 'href="/wachtwoord-vergeten"' in login_page.text
    assert "Wachtwoord vergeten?" in login_page.text
    form = await browser.get("/wachtwoord-vergeten")
    assert form.status_code == 200
    assert '<label class="field__label" for="f-email">E-mailadres' in form.text

    # The same page for an unknown address and a known one; a malformed one gets its error at the field.
    unknown = await post_form(browser, "/wachtwoord-vergeten", {"email": "niemand@example.nl"})
    sent = await post_form(browser, "/wachtwoord-vergeten", {"email": roos["email"]})
    assert unknown.status_code == sent.status_code == 200
    assert "Als er een account met dit e-mailadres is" in sent.text
    assert re.sub(CSRF, "", unknown.text) == re.sub(CSRF, "", sent.text)
    malformed = await post_form(browser, "/wachtwoord-vergeten", {"email": "geen-adres"})
    assert malformed.status_code == 422
    assert 'id="f-email-error"' in malformed.text
    no_csrf = await browser.post("/wachtwoord-vergeten", data={"email": roos["email"]})
    assert no_csrf.status_code == 403

    [(token, _)] = await reset_mails(settings, roos["email"])
    path = f"/wachtwoord-herstellen/{token}"
    reset = await browser.get(path)
    assert reset.status_code == 200
    assert reset.headers["referrer-policy"] == "no-referrer"
    assert '<label class="field__label" for="f-password">Nieuw wachtwoord' in reset.text
    assert '<label class="field__label" for="f-password_repeat">Herhaal het nieuwe wachtwoord' in reset.text
    assert f'action="{path}"' in reset.text

    mismatch = await post_form(browser, path, {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD + "x"})
    assert mismatch.status_code == 422
    assert 'id="f-password_repeat-error"' in mismatch.text
    assert "niet hetzelfde" in mismatch.text
    weak = await post_form(browser, path, {"password": "kort", "password_repeat": "kort"})
    assert weak.status_code == 422
    assert 'id="f-password-error"' in weak.text
    assert "minstens 10 tekens" in weak.text
    assert (await browser.post(path, data={"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
            ).status_code == 403  # no CSRF token
    assert (await client_me(browser, roos)).status_code == 200  # nothing changed so far

    done = await post_form(browser, path, {"password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD})
    assert done.status_code == 303
    assert done.headers["location"] == "/inloggen?melding=wachtwoord-hersteld"
    assert "Max-Age=0" in next(c for c in done.headers.get_list("set-cookie") if c.startswith("ng_session="))
    notice = await browser.get(done.headers["location"])
    assert "Je nieuwe wachtwoord is ingesteld" in notice.text
    assert (await client_me(browser, roos)).status_code == 401  # the member's API token is revoked too

    used = await browser.get(path)
    assert used.status_code == 409
    assert "al gebruikt" in used.text
    assert 'href="/wachtwoord-vergeten"' in used.text
    forged = await browser.get("/wachtwoord-herstellen/vervalst")
    assert forged.status_code == 400
    assert 'href="/wachtwoord-vergeten"' in forged.text
    english = await browser.get("/wachtwoord-herstellen/vervalst", headers={"Accept-Language": "en"})
    assert "This link to set a new password is not valid" in english.text
    assert "Ask for a new link" in english.text
    again = await post_form(browser, "/inloggen", {"email": roos["email"], "password": NEW_PASSWORD})
    assert again.status_code == 303, again.text[:300]


async def client_me(browser: httpx.AsyncClient, member: dict[str, Any]) -> httpx.Response:
    return await browser.get("/api/v1/me", headers=member["headers"])


async def test_spent_and_expired_links_are_pruned_after_a_week(client: httpx.AsyncClient, members: Members,
                                                             settings: Settings) -> None:
    """The background job deletes verification and reset links a week after they were used or expired; a fresh
    link, and a spent one younger than a week (which still answers "used"), stay."""
    from core import jobs
    from members import mailed_links
    from members.tables import EmailVerification, PasswordReset

    assert "members.prune_mailed_links" in jobs.registered()
    mees = await members.create(email="mees@example.nl")
    unverified = await members.create(email="nieuw@example.nl", verified=False)
    for _ in range(2):
        assert (await ask(client, mees["email"])).status_code == 202
    links = await reset_mails(settings, mees["email"])  # sends the outbox: verification mail included
    assert (await confirm(client, links[1][0])).status_code == 200  # spends both reset links
    assert len(await PasswordReset.select()) == 2
    assert len(await EmailVerification.select()) == 1
    resets = await PasswordReset.select(PasswordReset.used_at, PasswordReset.expires_at)
    used_at = max(r["used_at"] for r in resets)

    assert await mailed_links.prune_mailed_links(now=used_at + timedelta(days=6)) == 0
    spent = await confirm(client, links[0][0])
    assert spent.status_code == 409
    assert spent.json()["code"] == "password_reset_token_used"
    verification = await EmailVerification.select(EmailVerification.expires_at).first()
    assert verification is not None
    # A week after use both reset links go; the unused verification link goes a week after it expired.
    assert await mailed_links.prune_mailed_links(now=used_at + timedelta(days=7, seconds=1)) == 2
    assert len(await EmailVerification.select()) == 1
    assert await mailed_links.prune_mailed_links(now=verification["expires_at"] + timedelta(days=7, seconds=1)) == 1
    assert await PasswordReset.select() == []
    assert await EmailVerification.select() == []
    assert unverified["id"]  # the account itself is untouched
    assert (await client.get("/api/v1/me", headers=unverified["headers"])).status_code == 200


async def test_the_data_export_lists_the_links_mailed_but_never_their_tokens(
        client: httpx.AsyncClient, members: Members, settings: Settings) -> None:
    from members.tables import PasswordReset

    ida = await members.create(email="ida@example.nl")
    assert (await ask(client, ida["email"])).status_code == 202
    [(token, _message)] = await reset_mails(settings, ida["email"])
    response = await client.get("/api/v1/me/export", headers=ida["headers"])
    assert response.status_code == 200, response.text
    [link] = response.json()["mailed_links"]
    assert link["kind"] == "password_reset"
    assert link["email"] == "ida@example.nl"
    assert link["used_at"] is None
    assert link["created_at"]
    assert link["expires_at"]
    stored = await PasswordReset.select(PasswordReset.token_hash).first()
    assert stored is not None
    assert token not in response.text
    assert stored["token_hash"] not in response.text
