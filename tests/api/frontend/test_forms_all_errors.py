"""Sign-up shows every mistake at once (issue 15), not one round at a time: the form's own checks and the
service's (address, name, password strength) together, in the page language; the API reports them all too."""

from __future__ import annotations

import httpx
import pytest

from tests.support.pages import post_form

pytestmark = pytest.mark.anyio


async def test_sign_up_shows_every_error_at_once(client: httpx.AsyncClient) -> None:
    form = {"name": "Klik op www.phish.example", "email": "geen-adres", "password": "kort", "organisation": "",
            "industry": "customer_contact", "experience_level": "", "birth_date": "31-02"}
    answer = await post_form(client, "/aanmelden", form)
    assert answer.status_code == 422, answer.text[:300]
    page = answer.text
    for field in ("name", "email", "password", "experience_level", "birth_date"):
        assert f'id="f-{field}-error"' in page, field
    assert "Vul een geldig e-mailadres in." in page
    assert "geen webadres" in page

    client.cookies.set("lang", "en")
    english = await post_form(client, "/aanmelden", form)
    assert "Enter a valid e-mail address." in english.text or "valid e-mail" in english.text

    api = await client.post("/api/v1/auth/signup", json={
        "name": "Klik op www.phish.example", "email": "geen-adres@x", "password": "kort",
        "industry": "customer_contact", "experience_level": 2})
    assert api.status_code == 422, api.text
    assert {e["field"] for e in api.json()["errors"]} >= {"name", "email", "password"}
