"""The browser-test support works end to end, and base.html with the shared styles passes the page checks.

A tiny Litestar app (not app.py) renders a showcase page built from base.html and _macros.html, served
with the hashed static router and gzip, in Chromium on a desktop and on a 390×844 phone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar, Response, get
from litestar.config.compression import CompressionConfig
from litestar.response import Template
from playwright.sync_api import Browser

from frontend.assets import TEMPLATE_DIR, create_static_router, create_template_config
from tests.support.browser import (
    PAGE_BUDGET_BYTES,
    LiveServer,
    NetworkGuard,
    PageWeight,
    axe_serious,
    chromium_available,
    chromium_browser,
    describe_violations,
    new_context,
    page_screenshots,
    screenshot,
    serve,
)
from tests.support.page_routes import page_dependencies, page_routes

__all__ = ["chromium_browser"]  # the session fixture, imported for this module

pytestmark = [
    pytest.mark.browser,
    pytest.mark.page_checks,  # a showcase app of its own, no database
    pytest.mark.skipif(not chromium_available(), reason="run scripts/ensure-chromium.sh"),
]

SHOWCASE = """{% extends "base.html" %}
{% block title %}{{ _("Agenda") }}{% endblock %}
{% block content %}
<h1>Klantcontact Hackathon 2027</h1>
<p class="muted">{{ starts|datetime_local }} · {{ starts|time_range(ends) }} · Utrecht</p>
<div class="card-grid">
  <article class="card">
    <h2 class="card__title">Duo-ticket</h2>
    <p class="card__meta">{{ 9500|price }} · {{ _("Agenda") }}</p>
    <p>Kom samen met een collega: één ticket, twee plekken.</p>
    <div class="cluster">{{ ui.level_badge("starter") }}{{ ui.level_badge("intermediate") }}
      {{ ui.level_badge("experienced") }}{{ ui.level_badge("expert") }}{{ ui.badge("Zorg", "industry") }}
      {{ ui.badge("Energie", "industry") }}</div>
  </article>
  <article class="card">
    <h2 class="card__title">Meetup</h2>
    <p class="card__meta">{{ 0|price }}</p>
    {{ ui.bar_chart([("Starter", 12), ("Gevorderd", 7), ("Ervaren", 4), ("Expert", 2)], "Ervaring") }}
  </article>
</div>
<section class="card">
  <h2>Bestellen</h2>
  <form method="post" action="/bestellen" novalidate>
    {{ ui.error_summary({"email": "Vul een geldig e-mailadres in."}) }}
    {{ ui.field("name", "Naam", required=True, autocomplete="name", value="Sanne de Vries") }}
    {{ ui.field("email", "E-mail", type="email", required=True, autocomplete="email", value="sanne@",
                hint="Hier sturen we je tickets naartoe.", error="Vul een geldig e-mailadres in.") }}
    {{ ui.select("industry", "Branche", [("zorg", "Zorg"), ("energie", "Energie")], placeholder="Kies…") }}
    {{ ui.radio_group("level", "Ervaring", [("starter", "Starter", "Minder dan een jaar"),
                                             ("expert", "Expert")], checked="starter", required=True) }}
    {{ ui.checkbox("newsletter", "Stuur me de nieuwsbrief") }}
    <div class="form-actions">{{ ui.button("Bestellen") }}{{ ui.button("Annuleren", "secondary", href="/") }}
      {{ ui.button("Verwijderen", "danger", type="button") }}</div>
  </form>
</section>
{{ ui.alert("Je bestelling is binnen.", "success") }}
{{ ui.alert("Nog 3 plekken vrij.", "info") }}
<h2>Programma</h2>
<div class="table-scroll" tabindex="0" role="region" aria-label="Programma">
<table>
  <thead><tr><th>Tijd</th><th>Sessie</th><th>Zaal</th><th class="num">Plekken</th></tr></thead>
  <tbody>
    <tr><td>13:00–14:00</td><td>Opening: het nieuwe geluid van klantcontact</td><td>Grote zaal</td>
      <td class="num">120</td></tr>
    <tr><td>14:15–16:00</td><td>Breakouts per thema</td><td>Zalen 1–6</td><td class="num">96</td></tr>
  </tbody>
</table>
</div>
<h2>Groepen</h2>
<div class="board" tabindex="0" role="region" aria-label="Groepen per ronde">
{% for round in [1, 2, 3] %}
  <section class="board__round" aria-labelledby="round-{{ round }}">
    <h3 class="board__round-title" id="round-{{ round }}">Ronde {{ round }}</h3>
    {% for theme in ["Chatbots", "Wachttijd"] %}
    <div class="board__group">
      <h4 class="board__group-title">{{ theme }} <span class="board__group-count">3 / 4</span></h4>
      <ul class="board__cards">
        {% for person in ["Sanne", "Mo", "Priya"] %}
        {% set picked = round == 1 and loop.first and theme == "Chatbots" %}
        <li><button type="button" class="board__card" aria-pressed="{{ 'true' if picked else 'false' }}">
          {{- person }} {{ ui.level_badge("expert" if loop.first else "starter") }}</button></li>
        {% endfor %}
      </ul>
    </div>
    {% endfor %}
  </section>
{% endfor %}
</div>
{% endblock %}"""

# What the app will send: no 'unsafe-inline' anywhere, so an inline script or style would be refused.
CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'"

LEAKY = """{% extends "base.html" %}{% block content %}<h1>Lek</h1>
<img src="https://cdn.example.com/pixel.png" alt="">{% endblock %}"""


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from datetime import UTC, datetime

    pages: Path = tmp_path_factory.mktemp("pages")
    (pages / "showcase.html").write_text(SHOWCASE, encoding="utf-8")
    (pages / "leaky.html").write_text(LEAKY, encoding="utf-8")

    def strict_csp(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = CSP
        return response

    @get("/showcase", sync_to_thread=False, after_request=strict_csp)
    def showcase() -> Template:
        return Template("showcase.html", context={
            "starts": datetime(2027, 3, 10, 12, tzinfo=UTC), "ends": datetime(2027, 3, 10, 20, tzinfo=UTC),
            "active_nav": "agenda", "flash_messages": [{"category": "error", "message": "Betaling mislukt."}],
        })

    @get("/leaky", sync_to_thread=False)
    def leaky() -> Template:
        return Template("leaky.html")

    app = Litestar(
        # base.html links with url_for: the app's page routes give the names (no page handler runs here).
        route_handlers=[showcase, leaky, create_static_router(), *page_routes()],
        dependencies=page_dependencies(),
        template_config=create_template_config([pages, TEMPLATE_DIR]),
        compression_config=CompressionConfig(backend="gzip"),
    )
    with serve(app) as server:
        yield server


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_base_page_passes_the_page_checks(
    chromium_browser: Browser, live_app: LiveServer, phone: bool
) -> None:
    context = new_context(chromium_browser, phone=phone)
    guard = NetworkGuard().attach(context)
    page = context.new_page()
    weight = PageWeight(page)
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    try:
        page.goto(live_app.url("/showcase"))
        assert page.evaluate("() => typeof window.htmx") == "object"  # the vendored htmx loaded
        assert page.locator("html").get_attribute("lang") == "nl"
        total = weight.total_bytes()
        print(f"\npage weight ({'phone' if phone else 'desktop'}):\n{weight.report()}")
        assert total < PAGE_BUDGET_BYTES, weight.report()
        violations = axe_serious(page)
        assert not violations, describe_violations(violations)
        guard.assert_clean()
        assert not [text for text in console if "Content Security Policy" in text], console
        if phone:  # nothing but the board and tables may scroll sideways
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        page_screenshots(page, f"base-{'phone' if phone else 'desktop'}")
    finally:
        context.close()


def test_language_switch_and_keyboard_focus(chromium_browser: Browser, live_app: LiveServer) -> None:
    context = new_context(chromium_browser, phone=True)
    guard = NetworkGuard().attach(context)
    page = context.new_page()
    try:
        page.goto(live_app.url("/showcase"))
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.className") == "skip-link"
        assert page.locator(".skip-link").is_visible()
        page.get_by_role("link", name="English").click()
        page.wait_for_url(live_app.url("/showcase"))
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_role("link", name="My tickets").is_visible()
        assert not axe_serious(page)
        screenshot(page, "base-phone-en", full_page=False)
        guard.assert_clean()
    finally:
        context.close()


def test_guard_blocks_and_records_off_origin_requests(
    chromium_browser: Browser, live_app: LiveServer
) -> None:
    context = new_context(chromium_browser)
    guard = NetworkGuard().attach(context)
    page = context.new_page()
    try:
        page.goto(live_app.url("/leaky"))
        page.wait_for_load_state("networkidle")
        assert guard.blocked == ["https://cdn.example.com/pixel.png"]
        with pytest.raises(AssertionError, match=r"cdn\.example\.com"):
            guard.assert_clean()
        assert NetworkGuard(allow={"js.stripe.com"}).is_allowed("https://js.stripe.com/v3/")
    finally:
        context.close()
