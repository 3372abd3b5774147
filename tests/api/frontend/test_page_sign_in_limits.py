"""The pages' sign-in and sign-up count towards the same per-address limits as the API (client_ip passed on),
and set the one shared session cookie (core.security.session_cookie)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from settings import Settings
from tests.support.members import Members

pytestmark = pytest.mark.anyio


@pytest.fixture
def settings(database_url: str) -> Settings:
    # LOGIN_PER_IP 60 → 12, LOGIN_PER_EMAIL 10 → 2, SIGNUP_PER_IP 20 → 4 per window.
    return replace(Settings(), database_url=database_url, background_jobs=False, app_env="test",
                   public_base_url="http://testserver", rate_limit_scale=0.2)


@pytest.fixture
async def browsers(app: Any) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """Two browsers on different addresses (the socket peer is the client: no trusted proxies)."""
    clients = {
        ip: httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(ip, 50000)),
                              base_url="http://testserver")
        for ip in ("198.51.100.7", "203.0.113.20")
    }
    try:
        yield clients
    finally:
        for c in clients.values():
            await c.aclose()


async def post_form(browser: httpx.AsyncClient, path: str, form: dict[str, str]) -> httpx.Response:
    page = await browser.get(path)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    return await browser.post(path, data={**form, "_csrf_token": token.group(1)})


async def test_page_sign_in_is_limited_per_address(browsers: dict[str, httpx.AsyncClient],
                                                   members: Members) -> None:
    member = await members.create(email="sanne@example.nl")
    noisy, other = browsers["198.51.100.7"], browsers["203.0.113.20"]
    # A different (unknown) e-mail each time: only the per-address limit can stop these.
    statuses = [(await post_form(noisy, "/inloggen", {"email": f"gok{i}@example.nl", "password": "x" * 12})
                 ).status_code for i in range(14)]
    assert 429 not in statuses[:12], statuses
    assert statuses[12:] == [429, 429], statuses
    # Even the right password is refused from that address now…
    refused = await post_form(noisy, "/inloggen", {"email": member["email"], "password": member["password"]})
    assert refused.status_code == 429
    assert "ng_session" not in refused.headers.get("set-cookie", "")
    # …while another address signs in, with the shared session cookie's attributes.
    ok = await post_form(other, "/inloggen", {"email": member["email"], "password": member["password"]})
    assert ok.status_code == 303, ok.text[:300]
    cookie = next(c for c in ok.headers.get_list("set-cookie") if c.startswith("ng_session="))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/" in cookie
    assert "Max-Age=" in cookie
    profile = await other.get("/profiel")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', profile.text)
    assert profile.status_code == 200
    assert token
    out = await other.post("/uitloggen", data={"_csrf_token": token.group(1)})
    cleared = next(c for c in out.headers.get_list("set-cookie") if c.startswith("ng_session="))
    assert out.status_code == 303
    assert "Max-Age=0" in cleared
    assert "HttpOnly" in cleared


async def test_page_sign_up_is_limited_per_address(browsers: dict[str, httpx.AsyncClient]) -> None:
    noisy, other = browsers["198.51.100.7"], browsers["203.0.113.20"]

    def form(i: int) -> dict[str, str]:
        return {"name": f"Nieuw Lid {i}", "email": f"nieuw{i}@example.nl", "password": "een-sterk-wachtwoord-93",
                "organisation": "Org", "industry": "retail", "experience_level": "1", "birth_date": ""}

    answers = [await post_form(noisy, "/aanmelden", form(i)) for i in range(5)]
    # Signed up: the page asks to confirm the address (nobody is signed in before that, no redirect).
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429], [a.status_code for a in answers]
    assert all("Bekijk je e-mail" in a.text and "ng_session" not in a.headers.get("set-cookie", "")
               for a in answers[:4])
    assert (await post_form(other, "/aanmelden", form(9))).status_code == 200
