"""One error mapping, two faces: problem+json on API paths, an HTML page (or the sign-in page) on page paths."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from litestar import Litestar, get, post
from litestar.config.csrf import CSRFConfig
from litestar.testing import TestClient

from core.errors import InvalidInput, NotFound, Unauthenticated, problem_handlers
from frontend.assets import create_template_config
from frontend.pages.common import FormBody
from frontend.pages.errors import is_page_request, page_aware_handlers
from tests.support.page_routes import page_dependencies, page_routes


@get("/api/v1/thing")
async def api_thing() -> None:
    raise NotFound("Dit evenement bestaat niet.")


@get("/e/weg")
async def page_gone() -> None:
    raise NotFound("Dit evenement bestaat niet.")


@get("/mijn/iets")
async def page_needs_sign_in() -> None:
    raise Unauthenticated("Log in om verder te gaan.")


@get("/boom")
async def page_bug() -> None:
    raise RuntimeError("a bug")


@post("/formulier")
async def page_form(data: FormBody) -> dict[str, Any]:
    raise InvalidInput("Vul een titel in.", field="title")


@pytest.fixture
def client() -> Iterator[TestClient[Litestar]]:
    app = Litestar(
        route_handlers=[api_thing, page_gone, page_needs_sign_in, page_bug, page_form, *page_routes()],
        dependencies=page_dependencies(),
        exception_handlers=page_aware_handlers(problem_handlers()),
        template_config=create_template_config(),
        csrf_config=CSRFConfig(secret="s" * 32, cookie_httponly=True, exclude=[r"^/api/"]),
    )
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def test_api_paths_keep_problem_details(client: TestClient[Litestar]) -> None:
    response = client.get("/api/v1/thing")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "not_found"
    assert client.get("/api/v1/nowhere").headers["content-type"].startswith("application/problem+json")


def test_page_paths_get_a_dutch_or_english_html_page(client: TestClient[Litestar]) -> None:
    response = client.get("/e/weg")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Pagina niet gevonden</h1>" in response.text
    assert "Dit evenement bestaat niet." in response.text
    english = client.get("/nergens", headers={"accept-language": "en"})
    assert english.status_code == 404
    assert "<h1>Page not found</h1>" in english.text
    assert "content-security-policy" in english.headers


def test_a_page_that_needs_sign_in_sends_you_to_the_sign_in_page(client: TestClient[Litestar]) -> None:
    response = client.get("/mijn/iets?tab=1", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/inloggen?next=%2Fmijn%2Fiets%3Ftab%3D1"


def test_a_bug_on_a_page_is_a_friendly_500_without_details(client: TestClient[Litestar]) -> None:
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Er ging iets mis aan onze kant" in response.text
    assert "a bug" not in response.text


def test_forms_need_the_csrf_token(client: TestClient[Litestar]) -> None:
    refused = client.post("/formulier", data={"title": ""})
    assert refused.status_code == 403
    assert "text/html" in refused.headers["content-type"]
    client.get("/e/weg")  # any page visit sets the (HttpOnly) token cookie
    token = client.cookies.get("csrftoken")
    assert token
    accepted = client.post("/formulier", data={"title": "", "_csrf_token": token})
    assert accepted.status_code == 422
    assert "Vul een titel in." in accepted.text


@pytest.mark.parametrize(("path", "is_page"), [("/", True), ("/e/x", True), ("/api/v1/events", False),
                                               ("/schema/openapi.json", False), ("/feeds/x/abc.ics", False),
                                               ("/e/x.ics", False), ("/static/css/app.css", False)])
def test_which_paths_are_pages(path: str, is_page: bool) -> None:
    from litestar.testing import RequestFactory

    assert is_page_request(RequestFactory().get(path)) is is_page
