"""create_app(): the Litestar application assembled from each folder's routers, plus its lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, MediaType, get
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme

from checkin.api import ROUTERS as CHECKIN_ROUTERS
from cli import NieuwGeluidCLI
from core import db, jobs, ratelimit
from core.auth import AUTH_DEPENDENCIES, AuthenticationMiddleware, provide_token_lookup
from core.edge import RequestEdgeMiddleware
from core.errors import problem_handlers
from core.openapi import ProblemResponsesPlugin, StrictStructSchemaPlugin
from core.security import security_headers
from events import feeds
from events import service as events_service
from events.api import AdminEventController, EventController, EventMediaController, TeamController
from events.feeds_api import (
    SKIP_COMPRESSION,
    CalendarFeedController,
    MyCalendarController,
    install_feed_token_filter,
)
from frontend.assets import create_static_router, create_template_config
from frontend.i18n import LANGUAGES, create_language_router, preload_translations, render_message
from frontend.pages import create_page_router
from frontend.pages.errors import page_aware_handlers
from ideas.api import ROUTERS as IDEAS_ROUTERS
from invoicing import jobs as invoicing_jobs  # noqa: F401  (registers the invoicing background job)
from invoicing import mail as invoicing_mail
from invoicing.api import ROUTERS as INVOICING_ROUTERS
from members import jobs as members_jobs  # noqa: F401  (registers the members' background jobs)
from members import mail as members_mail
from members import personal_data, sessions
from members.api import AuthController, MemberController
from notifications import jobs as notifications_jobs  # noqa: F401  (registers the outbox's background job)
from notifications import outbox
from pairing import mail as pairing_mail
from pairing import publish
from pairing.api import ROUTERS as PAIRING_ROUTERS
from settings import Settings, get_settings
from ticketing import cancellation, member_data, order_mails, stripe_gateway, tickets
from ticketing import jobs as ticketing_jobs  # noqa: F401  (registers the ticketing background jobs)
from ticketing.api import ROUTERS as TICKETING_ROUTERS

log = logging.getLogger("nieuw_geluid")


@get("/healthz", summary="Liveness check", operation_id="healthz", media_type=MediaType.JSON, tags=["meta"])
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


def install(settings: Settings) -> None:
    """What create_app sets up outside the Litestar app: module settings the services read and the reactions
    across folders. Tests that serve many tests with one app call it again before each (tests/api/conftest.py),
    since a test may have built an app with other settings in between."""
    ratelimit.configure(settings)
    outbox.configure(settings)  # the Message-ID domain of queued mail
    # Reactions across folders are registered here, at start-up, so that no folder imports one above it
    # (docs/architecture.md, "Layers").
    provide_token_lookup(sessions.principal_for_token)  # who a bearer token or session cookie belongs to
    personal_data.provide_export_section("events_organised", events_service.organised_for_export)
    member_data.install()  # orders and waiting lists in the export; a live ticket keeps an account from deletion
    events_service.on_event_cancelled(cancellation.event_cancelled)  # an event cancelled: its duos, refunded
    install_feed_token_filter()  # after the server configured logging: feed tokens never reach a log
    members_mail.install()  # every domain composes its own mails: the outbox asks the composer of each kind
    order_mails.install()
    invoicing_mail.install()  # invoices on payment, credit notes on refund, the PDF on the payment mail
    feeds.provide_sources(tickets=tickets.calendar_event_ids,  # the personal feed's events and groups
                          breakouts=publish.published_breakouts_for_member)
    feeds.provide_companion_source(publish.companion_feed)  # a companion's own feed, without an account
    pairing_mail.install()  # the mail to people whose breakout group changed when groups followed who came


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    install(settings)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        # The catalogues are read and compiled before the first request (a few hundred ms of CPU per worker):
        # left to the first answer that needs one — in a ticket rush the first sold-out answer — they stalled
        # that worker's event loop at the peak.
        preload_translations()
        async with db.connected(settings.db_pool_size):
            payments = stripe_gateway.install(settings)
            try:
                if settings.app_env == "development":
                    # `make run` without real keys: let the local Stripe-compatible server deliver to us.
                    await stripe_gateway.register_dev_webhook(settings)
                async with jobs.running(settings):
                    yield
            finally:
                await stripe_gateway.uninstall(payments)

    def provide_settings() -> Settings:
        return settings

    return Litestar(
        route_handlers=[healthz, AuthController, MemberController, EventController, TeamController,
                        AdminEventController, EventMediaController, *TICKETING_ROUTERS,
                        *PAIRING_ROUTERS, *INVOICING_ROUTERS, *IDEAS_ROUTERS, *CHECKIN_ROUTERS,
                        CalendarFeedController, MyCalendarController,
                        create_static_router(), create_language_router(), create_page_router()],
        # Handlers ask for `settings`, the signed-in `member` or the optional `viewer` by name (NamedDependency).
        dependencies={"settings": Provide(provide_settings, sync_to_thread=False), **AUTH_DEPENDENCIES},
        # The edge first: a NUL or an undecodable body is refused before anything reads it (core/edge.py).
        middleware=[RequestEdgeMiddleware(), AuthenticationMiddleware()],
        # API paths keep problem+json, in the language of Accept-Language (Dutch first); page paths get an HTML
        # error page in the page language (or the sign-in page for a 401).
        exception_handlers=page_aware_handlers(problem_handlers(render_message, LANGUAGES)),
        # `site`: the organiser's legal name and contact, for every page's footer and the legal pages.
        template_config=create_template_config(extra_globals={"site": settings.legal}),
        # Forms carry the token in a field, htmx in a header (base.html), so the cookie can be HttpOnly.
        # API clients authenticate with bearer tokens; calendar feeds and files are read-only.
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_httponly=True,
            cookie_samesite="lax",
            cookie_secure=settings.secure_cookies,
            exclude=[r"^/api/", r"^/feeds/", r"^/schema", r"^/healthz$", r"^/static/", r"\.ics$"],
        ),
        lifespan=[lifespan],
        plugins=[NieuwGeluidCLI(), ProblemResponsesPlugin(), StrictStructSchemaPlugin()],
        # Security headers on every response, unknown paths included (route middleware would miss those).
        before_send=[security_headers(settings)],
        state=State({"settings": settings}),
        compression_config=CompressionConfig(backend="gzip", minimum_size=500, exclude_opt_key=SKIP_COMPRESSION),
        openapi_config=OpenAPIConfig(
            title="Nieuw Geluid API",
            version="1.0.0",
            description="Hackathons and community events for the Dutch customer-contact community.",
            path="/schema",
            render_plugins=[JsonRenderPlugin()],
            components=Components(
                security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")},
            ),
        ),
        debug=False,
    )


def __getattr__(name: str) -> Any:
    # `app:app` for servers and the CLI, built lazily so importing this module has no side effects.
    if name == "app":
        return create_app()
    raise AttributeError(name)
