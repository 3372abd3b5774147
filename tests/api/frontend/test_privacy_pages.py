"""The privacy statement, terms and contact page (issue 11): in the footer of every page, Dutch first with English,
the organiser's legal name and contact from settings; production refuses development mail and http URLs."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace

import httpx
import pytest

from settings import Settings, SettingsError
from tests.support.database import ROOT
from tests.support.members import Members

pytestmark = pytest.mark.anyio

ORGANISER = {"organiser_name": "Stichting Testgeluid", "organiser_address": "Klantweg 1, 3511 AA Utrecht",
             "organiser_kvk": "87654321", "contact_email": "privacy@testgeluid.nl"}


@pytest.fixture
def settings(database_url: str) -> Settings:
    return replace(Settings(), database_url=database_url, background_jobs=False, app_env="test",
                   public_base_url="http://testserver", **ORGANISER)


@pytest.mark.parametrize("path", ["/", "/inloggen", "/aanmelden", "/wachtwoord-vergeten", "/privacy", "/voorwaarden",
                                  "/contact", "/e/bestaat-niet"])
async def test_every_page_links_the_privacy_statement_terms_and_contact_in_its_footer(
        client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    assert response.status_code in (200, 404), response.text[:300]
    footer = response.text.split('<footer class="site-footer">', 1)[1]
    for href, label in (("/privacy", "Privacy"), ("/voorwaarden", "Voorwaarden"), ("/contact", "Contact")):
        assert f'href="{href}"' in footer, footer
        assert label in footer, footer
    assert "Stichting Testgeluid" in footer


async def test_the_privacy_statement_is_written_for_this_platform_in_dutch_and_english(
        client: httpx.AsyncClient, settings: Settings) -> None:
    dutch = await client.get("/privacy")
    assert dutch.status_code == 200
    assert '<html lang="nl">' in dutch.text
    for fact in ("Stichting Testgeluid", "Klantweg 1, 3511 AA Utrecht", "87654321", "mailto:privacy@testgeluid.nl",
                 "We wissen hem zodra het evenement voorbij is", "zeven jaar", f"na {settings.session_days} dagen",
                 "/api/v1/me/export", "Autoriteit Persoonsgegevens", "argon2", "Stripe", "ng_session"):
        assert fact in dutch.text, fact
    english = await client.get("/privacy", headers={"Accept-Language": "en"})
    assert '<html lang="en">' in english.text
    assert "Privacy statement" in english.text
    for fact in ("Stichting Testgeluid", "We erase it as soon as the event is over", "seven years",
                 f"after {settings.session_days} days", "privacy@testgeluid.nl"):
        assert fact in english.text, fact
    terms = await client.get("/voorwaarden")
    assert "Voorwaarden" in terms.text
    assert "Stichting Testgeluid" in terms.text
    assert "15 minuten" in terms.text
    assert "Terms" in (await client.get("/voorwaarden", headers={"Accept-Language": "en"})).text
    contact = await client.get("/contact", headers={"Accept-Language": "en"})
    assert "privacy@testgeluid.nl" in contact.text
    assert "87654321" in contact.text
    assert "Contact" in contact.text


async def test_the_profile_page_offers_the_data_export(client: httpx.AsyncClient, members: Members) -> None:
    member = await members.create()
    profile = await client.get("/profiel", headers=member["headers"])
    assert 'href="/api/v1/me/export"' in profile.text
    export = await client.get("/api/v1/me/export", headers=member["headers"])
    assert export.status_code == 200
    assert export.json()["profile"]["email"] == member["email"]


PRODUCTION = {"APP_ENV": "production", "SECRET_KEY": "x" * 40, "STRIPE_SECRET_KEY": "sk_live_abc",
              "STRIPE_PUBLISHABLE_KEY": "pk_live_abc", "STRIPE_WEBHOOK_SECRET": "whsec_live",
              "PUBLIC_BASE_URL": "https://tickets.nieuwgeluid.nl", "MAIL_FROM": "Nieuw Geluid <tickets@nieuwgeluid.nl>",
              "ORGANISER_NAME": "Stichting Nieuw Geluid", "CONTACT_EMAIL": "contact@nieuwgeluid.nl"}


def _production(monkeypatch: pytest.MonkeyPatch, **changes: str | None) -> Settings:
    for name in ("STRIPE_API_BASE", "RATE_LIMIT_SCALE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in {**PRODUCTION, **changes}.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    return Settings.from_env()


def test_production_refuses_the_development_sender_and_http_and_the_placeholder_organiser(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert _production(monkeypatch).legal["name"] == "Stichting Nieuw Geluid"
    for changes, fragment in (({"MAIL_FROM": None}, "MAIL_FROM"),
                              ({"MAIL_FROM": "tickets@nieuwgeluid.local"}, "MAIL_FROM"),
                              ({"PUBLIC_BASE_URL": "http://tickets.nieuwgeluid.nl"}, "PUBLIC_BASE_URL"),
                              ({"ORGANISER_NAME": None}, "ORGANISER_NAME"),
                              ({"CONTACT_EMAIL": None}, "CONTACT_EMAIL")):
        with pytest.raises(SettingsError, match=fragment) as refused:
            _production(monkeypatch, **changes)
        assert "\n" not in str(refused.value)


def test_the_server_start_says_why_in_one_line() -> None:
    env = {**os.environ, **PRODUCTION, "PUBLIC_BASE_URL": "http://tickets.nieuwgeluid.nl"}
    env.pop("MAIL_FROM")
    env.pop("STRIPE_API_BASE", None)
    started = subprocess.run([sys.executable, "-m", "core.serve", "--port", "0"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=60)
    assert started.returncode == 1
    lines = started.stderr.strip().splitlines()
    assert len(lines) == 1, started.stderr
    assert "Traceback" not in started.stderr, started.stderr
    assert "MAIL_FROM" in lines[0]
    assert "PUBLIC_BASE_URL" in lines[0]
    assert lines[0].startswith("Nieuw Geluid did not")
