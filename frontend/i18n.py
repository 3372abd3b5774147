"""Page languages: Dutch first (the default), English second.

Catalogues
    ``frontend/locale/{nl,en}/LC_MESSAGES/messages.po``, one catalogue for two kinds of msgid:

    - page strings (``{{ _("My tickets") }}`` in templates, ``_()`` in ``frontend/``) have **English**
      msgids, so the Dutch catalogue must translate them: ``tests/unit/frontend/test_i18n.py`` fails when
      one has no Dutch translation, so an untranslated string never reaches a Dutch page;
    - the services' messages (``_l("Dit evenement bestaat niet.")``, ``core.i18n``) have **Dutch** msgids
      (Dutch first: the API and a Dutch page show them as raised), so the English catalogue must translate
      them: ``tests/unit/test_message_catalogue.py`` fails when a raised message has no English. Their
      entries in the Dutch catalogue stay empty (an empty msgstr falls back to the msgid, the Dutch).

    The ``.po`` files are read with ``babel.messages.pofile.read_po`` when the process starts and compiled
    in memory: no ``.mo`` files, no compile step at install time. Fuzzy entries are ignored, as gettext does.

Adding strings: ``make messages`` (``devtools/messages.py``: ``pybabel extract`` with ``frontend/locale/babel.cfg``
into ``frontend/locale/messages.pot``, then ``pybabel update`` of both catalogues), then fill in the empty msgstr
lines: page strings in ``nl/LC_MESSAGES/messages.po``, service messages in ``en/LC_MESSAGES/messages.po``.
``tests/unit/test_message_catalogue.py`` fails when the ``.pot`` misses a msgid the code uses (or keeps one it
dropped), and when a catalogue was not updated from it; the tests above name every msgid that lacks a translation.

In templates use Jinja's i18n extension, new style (placeholders are keyword arguments, auto-escaped)::

    {{ _("Hello %(name)s", name=member.first_name) }}
    {{ ngettext("%(num)d seat left", "%(num)d seats left", seats) }}
    {{ pgettext("button", "Save") }}
    {% trans %}...{% endtrans %} works too, but prefer _() so the extraction is obvious.

The language of a page, in order: a ``lang`` variable in the template context (if it is "nl" or
"en"), else the request: the ``lang`` cookie (set by the ``/lang/{code}`` route of
:func:`create_language_router`), then ``Accept-Language``, then Dutch. The gettext callables read the
context at render time, so one shared Jinja environment serves concurrent requests in different
languages. Macros that call ``_()`` must be imported ``with context``:
``{% import "_macros.html" as ui with context %}``.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, pass_context
from litestar import Request, Router, get
from litestar.datastructures import Cookie
from litestar.exceptions import NotFoundException
from litestar.response import Redirect

from core.i18n import LazyMessage, negotiate_language

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"
LANGUAGES: tuple[str, ...] = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
LANGUAGE_NAMES: dict[str, str] = {"nl": "Nederlands", "en": "English"}
LANGUAGE_COOKIE = "lang"
LANGUAGE_COOKIE_MAX_AGE = 365 * 24 * 3600
_REQUEST_STATE_KEY = "page_language"


# --- catalogues -----------------------------------------------------------------------------------


def load_translations(locale_dir: Path = LOCALE_DIR, languages: tuple[str, ...] = LANGUAGES
                      ) -> dict[str, Translations]:
    """Read each language's ``messages.po`` and compile it in memory into a gettext translator."""
    translators: dict[str, Translations] = {}
    for lang in languages:
        po_path = locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=lang, domain=DOMAIN)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        translators[lang] = Translations(fp=buffer, domain=DOMAIN)
    return translators


@lru_cache(maxsize=1)
def _translators() -> dict[str, Translations]:
    return load_translations()


def get_translations(lang: str) -> Translations:
    """The translator for a page language (Dutch for anything we do not offer)."""
    translators = _translators()
    return translators.get(lang, translators[DEFAULT_LANGUAGE])


def preload_translations() -> None:
    """Read the catalogues now (call at startup, e.g. from the lifespan) so a broken .po fails early."""
    _translators()


def gettext(lang: str, message: str) -> str:
    """Translate ``message`` (an English msgid) for ``lang``: for Python code such as flash messages."""
    return get_translations(lang).ugettext(message)


def render_message(message: str, lang: str) -> str:
    """A service's message (``core.i18n.LazyMessage``) in ``lang``, its values filled in; other text as it is."""
    if isinstance(message, LazyMessage):
        return message.render(get_translations(lang).ugettext, lang)
    return message


def ngettext(lang: str, singular: str, plural: str, n: int) -> str:
    return get_translations(lang).ungettext(singular, plural, n)


def pgettext(lang: str, context: str, message: str) -> str:
    return get_translations(lang).upgettext(context, message)


# --- choosing the language ------------------------------------------------------------------------


def pick_language(cookie: str | None = None, accept_language: str | None = None) -> str:
    """The ``lang`` cookie if it names a language we offer, then Accept-Language, then Dutch."""
    if cookie in LANGUAGES:
        return cookie
    return negotiate_language(accept_language, LANGUAGES)


def request_language(request: Request[Any, Any, Any]) -> str:
    """The page language for a request (cached on ``request.state`` for the rest of the request)."""
    cached = request.state.get(_REQUEST_STATE_KEY)
    if cached in LANGUAGES:
        return str(cached)
    lang = pick_language(request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))
    request.state[_REQUEST_STATE_KEY] = lang
    return lang


def language_for_context(context: Mapping[str, Any]) -> str:
    """The page language of a template context: an explicit ``lang``, else the request, else Dutch."""
    lang = context.get("lang")
    if isinstance(lang, str) and lang in LANGUAGES:
        return lang
    request = context.get("request")
    if isinstance(request, Request):
        return request_language(request)
    return DEFAULT_LANGUAGE


# --- Jinja ----------------------------------------------------------------------------------------


@pass_context
def _context_gettext(context: Mapping[str, Any], message: str) -> str:
    return get_translations(language_for_context(context)).ugettext(message)


@pass_context
def _context_ngettext(context: Mapping[str, Any], singular: str, plural: str, n: int) -> str:
    return get_translations(language_for_context(context)).ungettext(singular, plural, n)


@pass_context
def _context_pgettext(context: Mapping[str, Any], msgctxt: str, message: str) -> str:
    return get_translations(language_for_context(context)).upgettext(msgctxt, message)


@pass_context
def _context_npgettext(context: Mapping[str, Any], msgctxt: str, singular: str, plural: str, n: int) -> str:
    return get_translations(language_for_context(context)).unpgettext(msgctxt, singular, plural, n)


def safe_next_path(target: str | None, default: str = "/") -> str:
    """Only a local path may be a redirect target (no scheme, no host, no '//' or '/\\' tricks)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ch in target for ch in "\r\n\t\\"):
        return default
    return target


def next_query(next_path: str) -> str:
    """``?next=<the path, quoted whole>``: where the sign-in page or the language switch sends the visitor back to
    (a template global too: ``url_for('login_page') ~ next_query(url_for('my_tickets'))``)."""
    return f"?next={quote(safe_next_path(next_path), safe='')}"


@pass_context
def _language_switch_url(context: Mapping[str, Any], lang: str) -> str:
    """``/lang/en?next=/the/current/page?x=1`` (the named route ``set_language``): a plain link that works without
    JavaScript."""
    request = context["request"]
    next_path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return str(request.app.route_reverse("set_language", code=lang)) + next_query(next_path)


def install_i18n(env: Environment) -> None:
    """Add ``jinja2.ext.i18n`` with context-aware gettext callables and the language globals.

    Globals: ``_``, ``gettext``, ``ngettext``, ``pgettext``, ``npgettext``, ``current_language()``,
    ``language_switch_url(lang)``, ``next_query(path)``, ``LANGUAGES``, ``LANGUAGE_NAMES``.
    """
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_context_gettext,
        ngettext=_context_ngettext,
        newstyle=True,
        pgettext=_context_pgettext,
        npgettext=_context_npgettext,
    )
    env.globals.update(
        current_language=pass_context(language_for_context),
        language_switch_url=_language_switch_url,
        next_query=next_query,
        LANGUAGES=LANGUAGES,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
    )


# --- the language switch route --------------------------------------------------------------------


@get("/lang/{code:str}", name="set_language", include_in_schema=False, sync_to_thread=False)
def set_language(request: Request[Any, Any, Any]) -> Redirect:
    """Remember the chosen language in a cookie and go back to the page the person was on."""
    code = str(request.path_params["code"])
    if code not in LANGUAGES:
        raise NotFoundException(detail=f"unknown language {code!r}")
    target = safe_next_path(request.query_params.get("next"))
    return Redirect(
        path=target,
        status_code=303,
        cookies=[
            Cookie(key=LANGUAGE_COOKIE, value=code, max_age=LANGUAGE_COOKIE_MAX_AGE, path="/",
                   samesite="lax", httponly=True, secure=request.url.scheme == "https")
        ],
        headers={"Cache-Control": "no-store"},
    )


def create_language_router() -> Router:
    """``GET /lang/{nl|en}?next=/path``: sets the ``lang`` cookie for a year and redirects (303) back."""
    return Router(path="/", route_handlers=[set_language])
