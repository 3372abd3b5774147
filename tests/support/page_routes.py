"""The app's page routes for a test app that renders the real templates without a database: templates link with
``url_for('route_name', ...)``, which needs the routes' names in the app (no page handler runs). The app-wide
dependencies come along, since Litestar checks at start-up that every handler's dependency is provided."""

from __future__ import annotations

from litestar import Router
from litestar.di import Provide

from core.auth import AUTH_DEPENDENCIES
from frontend.i18n import create_language_router
from frontend.pages import create_page_router
from settings import Settings


def page_routes() -> list[Router]:
    """Every page and the language switch (base.html links to both)."""
    return [create_page_router(), create_language_router()]


def _settings() -> Settings:
    return Settings()


def page_dependencies() -> dict[str, Provide]:
    return {"settings": Provide(_settings, sync_to_thread=False), **AUTH_DEPENDENCIES}
