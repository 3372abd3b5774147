"""The privacy statement, the terms and the contact page (linked from every page's footer).

Written for this platform: what it stores, why and how long (members, ticketing, the retention jobs), with the
organiser's legal name and contact from settings (ORGANISER_NAME, ORGANISER_ADDRESS, ORGANISER_KVK,
CONTACT_EMAIL; production refuses the development values). The long texts are one template per language
(Dutch is the original), chosen by the page language; the contact page is translated like any other page.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.response import Template

from frontend.i18n import request_language
from frontend.pages.common import page
from settings import Settings


def _legal_page(request: Request[Any, Any, Any], name: str, settings: Settings) -> Template:
    lang = request_language(request)
    return page(request, f"legal/{name}_{'en' if lang == 'en' else 'nl'}.html", active_nav="",
                session_days=settings.session_days, hold_minutes=max(1, round(settings.hold_minutes)))


class LegalPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/privacy", name="privacy_page")
    async def privacy(self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]) -> Template:
        return _legal_page(request, "privacy", settings)

    @get("/voorwaarden", name="terms_page")
    async def terms(self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]) -> Template:
        return _legal_page(request, "terms", settings)

    @get("/contact", name="contact_page")
    async def contact(self, request: Request[Any, Any, Any]) -> Template:
        return page(request, "legal/contact.html", active_nav="")
