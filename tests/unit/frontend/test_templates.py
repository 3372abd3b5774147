"""base.html and the macros, rendered through Litestar with the real template config."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from litestar import Litestar, get
from litestar.response import Template
from litestar.testing import TestClient

from frontend.assets import TEMPLATE_DIR, asset_url, create_static_router, create_template_config
from tests.support.page_routes import page_dependencies, page_routes

PAGE = """{% extends "base.html" %}
{% block title %}{{ _("Agenda") }}{% endblock %}
{% block content %}
<h1>{{ _("Agenda") }}</h1>
<p id="when">{{ starts|datetime_local }} · {{ starts|time_range(ends) }} · {{ 9500|price }} · {{ 0|price -}}
</p>
<form method="post">
{{ ui.error_summary(errors) }}
{{ ui.field("email", "E-mail", type="email", hint="We sturen je ticket hierheen.", error=errors.get("email"),
            required=True, autocomplete="email") }}
{{ ui.select("level", "Ervaring", [("starter", "Starter"), ("expert", "Expert")], selected="expert") }}
{{ ui.radio_group("size", "Grootte", [("s", "Klein"), ("l", "Groot", "Tot 8 mensen")], checked="l") }}
{{ ui.button("Verstuur", attrs={"hx-post": "/x"}) }}
</form>
{{ ui.level_badge("intermediate") }} {{ ui.badge("Zorg", "industry") }}
{{ ui.bar_chart([("Starter", 4), ("Expert", 1), ("Geen", 0)], "Ervaring") }}
{% endblock %}"""


@pytest.fixture
def client(tmp_path: Path) -> TestClient[Litestar]:
    (tmp_path / "page.html").write_text(PAGE, encoding="utf-8")

    @get("/page", sync_to_thread=False)
    def page() -> Template:
        return Template("page.html", context={
            "starts": datetime(2027, 3, 10, 12, tzinfo=UTC),
            "ends": datetime(2027, 3, 10, 20, tzinfo=UTC),
            "errors": {"email": "Vul een e-mailadres in."},
            "active_nav": "agenda",
            "flash_messages": [{"category": "success", "message": "Opgeslagen"}],
        })

    app = Litestar(
        route_handlers=[page, create_static_router(), *page_routes()],
        dependencies=page_dependencies(),
        template_config=create_template_config([tmp_path, TEMPLATE_DIR]),
    )
    with TestClient(app) as test_client:
        yield test_client


def test_dutch_by_default(client: TestClient[Litestar]) -> None:
    html = client.get("/page").text
    assert '<html lang="nl">' in html
    assert "<title>Agenda · Nieuw Geluid</title>" in html
    assert 'href="#main">Naar de inhoud</a>' in html
    assert "Mijn tickets" in html
    assert "Inloggen" in html
    assert 'href="/agenda" aria-current="page"' in html
    assert "10 maart 2027, 13:00 · 13:00–21:00 · €\u00a095,00 · Gratis" in html
    assert "Er is 1 probleem met dit formulier" in html


def test_english_from_accept_language_and_from_the_cookie(client: TestClient[Litestar]) -> None:
    html = client.get("/page", headers={"accept-language": "en-GB,en;q=0.9"}).text
    assert '<html lang="en">' in html
    assert "My tickets" in html
    assert "10 March 2027, 13:00 · 13:00–21:00 · €95.00 · Free" in html
    client.cookies.set("lang", "nl")
    html = client.get("/page", headers={"accept-language": "en"}).text
    assert '<html lang="nl">' in html


def test_language_switch_links_back_to_the_page(client: TestClient[Litestar]) -> None:
    html = client.get("/page?x=1").text
    assert 'href="/lang/en?next=%2Fpage%3Fx%3D1" lang="en" hreflang="en">English</a>' in html
    switched = client.get("/lang/en?next=%2Fpage%3Fx%3D1")
    assert switched.url.path == "/page"
    assert '<html lang="en">' in switched.text


def test_assets_are_versioned_and_no_inline_script_or_style(client: TestClient[Litestar]) -> None:
    html = client.get("/page").text
    assert f'<link rel="stylesheet" href="{asset_url("css/app.css")}">' in html
    assert f'<script defer src="{asset_url("vendor/htmx-2.0.11.min.js")}"></script>' in html
    htmx_tag = f'<script defer src="{asset_url("vendor/htmx-2.0.11.min.js")}">'
    assert re.findall(r"<script\b[^>]*>", html) == [htmx_tag]
    assert "<style" not in html
    assert " style=" not in html
    assert " on" + "click=" not in html
    for url in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
        assert client.get(url).status_code == 200, url


def test_form_field_ties_hint_and_error_to_the_input(client: TestClient[Litestar]) -> None:
    html = client.get("/page").text
    field = re.search(r"<input class=\"field__control\" id=\"f-email\"[^>]*>", html)
    assert field is not None
    tag = field.group(0)
    assert 'aria-describedby="f-email-error f-email-hint"' in tag
    assert 'aria-invalid="true"' in tag
    assert 'autocomplete="email"' in tag
    assert " required" in tag
    assert '<label class="field__label" for="f-email">E-mail</label>' in html
    assert 'id="f-email-error"><span class="visually-hidden">Fout: </span>Vul een e-mailadres in.</p>' in html
    assert '<option value="expert" selected>Expert</option>' in html
    assert 'value="l" checked aria-describedby="f-size-2-hint"' in html
    assert '<button class="btn btn--primary" type="submit" hx-post="/x">Verstuur</button>' in html


def test_badges_and_bar_chart(client: TestClient[Litestar]) -> None:
    html = client.get("/page").text
    assert "badge--level-2" in html
    assert "Gevorderd" in html
    assert '<span class="badge badge--industry">Zorg</span>' in html
    assert "bar-chart__bar w-100" in html
    assert "bar-chart__bar w-25" in html
    assert "bar-chart__bar w-0" in html
    assert '<span class="bar-chart__value">4</span>' in html
    assert '<div class="alert alert--success" role="status">' in html
