"""Every page, in Dutch and in English, on a phone: axe serious/critical clean, within the 60 KB budget,
nothing off-origin, no CSP error, no sideways scrolling (``Browse.check``).

The journeys check the pages on their way; this sweep also covers the ones no journey ends on — the board
list, a board before any plan, the cancel confirmations, "my agenda" before groups are published, the 403 and
404 pages — and every page again in English, where labels and messages are other strings.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from core.demo import DEMO_FACILITATOR, DEMO_ORGANISER, DEMO_SLUG
from tests.browser.conftest import Browse
from tests.browser.support import LiveServer

pytestmark = pytest.mark.browser

PUBLIC = ["/", f"/e/{DEMO_SLUG}", "/inloggen", "/aanmelden", "/wachtwoord-vergeten"]
ORGANISER = ["/organiseren", "/organiseren/nieuw", f"/organiseren/{DEMO_SLUG}",
             f"/organiseren/{DEMO_SLUG}/deelnemers", f"/organiseren/{DEMO_SLUG}/annuleren",
             f"/begeleiden/{DEMO_SLUG}", "/mijn/tickets", "/mijn/agenda", "/profiel"]
FACILITATOR = ["/begeleiden", f"/begeleiden/{DEMO_SLUG}", "/mijn/agenda"]


def sign_in(me: Browse, account: tuple[str, str]) -> None:
    me.goto("/inloggen")
    me.page.get_by_label("E-mailadres").fill(account[0])
    me.page.get_by_label("Wachtwoord", exact=True).fill(account[1])
    me.will_navigate()
    me.page.get_by_role("button", name="Inloggen").click()
    me.page.wait_for_load_state("networkidle")
    expect(me.page.get_by_role("button", name="Uitloggen")).to_be_attached()


def visit(me: Browse, path: str, lang: str, status: int = 200) -> None:
    me.will_navigate()
    response = me.page.goto(me.url(path))
    assert response is not None and response.status == status, (path, response and response.status)
    expect(me.page.locator("html")).to_have_attribute("lang", lang)
    me.check(f"{lang}{path.replace('/', '_') or '_root'}")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_page_passes_the_page_checks(chromium_browser: Browser, site: LiveServer, lang: str) -> None:
    for account, paths in ((None, PUBLIC), (DEMO_ORGANISER, ORGANISER), (DEMO_FACILITATOR, FACILITATOR)):
        me = Browse(chromium_browser, site, phone=True, journey=f"sweep-{lang}")
        try:
            if account is not None:
                sign_in(me, account)
            if lang == "en":
                me.goto("/lang/en?next=/")
            for path in paths:
                visit(me, path, lang)
            if account == DEMO_FACILITATOR:
                visit(me, "/organiseren", lang, status=403)  # a facilitator is no organiser
            if account is None:
                visit(me, "/e/bestaat-niet", lang, status=404)
        finally:
            me.close()
