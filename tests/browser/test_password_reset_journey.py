"""Forgot your password, on a phone: from the sign-in page to a new password and back in.

The member asks for a link on /wachtwoord-vergeten (the answer is the same for any address), opens the link
from the mail (read from the outbox, as in the companion journey), sees a too-short password refused while
typing (htmx) and on submit, sets a strong one, lands on the sign-in page signed out everywhere, and signs in
with the new password; the old one no longer works.
"""

from __future__ import annotations

import tempfile

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.seed import seed
from tests.support.browser import Browse, LiveServer

pytestmark = pytest.mark.browser

EMAIL, OLD, NEW = "vergeten@example.nl", "oud-wachtwoord-van-de-klantenservice", "nieuwe-zin-voor-na-de-koffie"


def test_forgotten_password_to_signed_in_again(chromium_browser: Browser, site: LiveServer) -> None:
    seed("account", email=EMAIL, password=OLD, name="Vera Vergeet")
    me = Browse(chromium_browser, site, phone=True, journey="password-reset")
    page = me.page
    try:
        me.goto("/inloggen")
        me.will_navigate()
        page.get_by_role("link", name="Wachtwoord vergeten?").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Wachtwoord vergeten?")
        page.get_by_label("E-mailadres").fill(EMAIL)
        me.will_navigate()
        page.get_by_role("button", name="Stuur me een link").click()
        expect(page.get_by_role("status")).to_contain_text("Als er een account met dit e-mailadres is")
        me.check("sent")

        with tempfile.TemporaryDirectory(prefix="ng-reset-mail-") as mail_dir:
            link = seed("verification_link", to=EMAIL, mail_dir=mail_dir, prefix="/wachtwoord-herstellen/")["path"]
        me.goto(link)
        expect(page.get_by_role("heading", level=1)).to_have_text("Nieuw wachtwoord instellen")
        password = page.get_by_label("Nieuw wachtwoord", exact=True)
        password.fill("kort")
        expect(page.locator("#password-strength")).to_contain_text("minstens 10 tekens")  # live, htmx
        page.get_by_label("Herhaal het nieuwe wachtwoord").fill("kort")
        me.will_navigate()
        page.get_by_role("button", name="Nieuw wachtwoord opslaan").click()
        expect(page.locator(".field--invalid")).to_contain_text("minstens 10 tekens")
        me.check("weak")
        page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW)
        expect(page.locator("#password-strength")).to_contain_text("Sterk genoeg")
        page.get_by_label("Herhaal het nieuwe wachtwoord").fill(NEW)
        me.will_navigate()
        page.get_by_role("button", name="Nieuw wachtwoord opslaan").click()
        expect(page).to_have_url(site.url("/inloggen?melding=wachtwoord-hersteld"))
        expect(page.get_by_text("Je nieuwe wachtwoord is ingesteld")).to_be_visible()
        me.check("done")

        me.goto(link)  # the link is spent
        expect(page.get_by_role("link", name="Vraag een nieuwe link aan")).to_be_visible()

        me.goto("/inloggen")
        page.get_by_label("E-mailadres").fill(EMAIL)
        page.get_by_label("Wachtwoord", exact=True).fill(OLD)
        me.will_navigate()
        page.get_by_role("button", name="Inloggen").click()
        expect(page.get_by_role("button", name="Uitloggen")).to_have_count(0)  # the old password is gone
        page.get_by_label("Wachtwoord", exact=True).fill(NEW)
        me.will_navigate()
        page.get_by_role("button", name="Inloggen").click()
        expect(page.get_by_role("button", name="Uitloggen")).to_be_attached()
    finally:
        me.close()
