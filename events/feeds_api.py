"""HTTP for calendars: the three .ics routes and the member's calendar settings under /api/v1/me/calendar.

The .ics routes answer GET and HEAD with exactly the headers calendar clients rely on and do their own
gzip (a fixed-mtime gzip of cached bytes with its own strong ETag), so the app-wide compression middleware
is switched off for them: compressing after the fact would send one ETag for two different byte strings.
"""

from __future__ import annotations

import logging
import re
from typing import Annotated, Any

import msgspec
from litestar import Controller, HttpMethod, Request, delete, get, patch, post, route
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.response.base import ASGIResponse

from core.auth import requires_member
from core.db import utcnow
from core.errors import NotFound
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from events import feeds
from events.feed_http import http_date, is_not_modified
from events.schemas import CalendarSettingsOut
from members import feed_tokens
from settings import Settings

# Routes with this opt key are skipped by the app's CompressionMiddleware (see app.py).
SKIP_COMPRESSION = "skip_compression"
ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"
_ICS_OPT = {SKIP_COMPRESSION: True}


# --------------------------------------------------------------------------- responses


def _accepts_gzip(request: Request[Any, Any, Any]) -> bool:
    for part in request.headers.get("accept-encoding", "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in ("gzip", "x-gzip"):
            quality = params.replace(" ", "").lower()
            return quality not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def ics_response(request: Request[Any, Any, Any], doc: feeds.IcsDocument) -> ASGIResponse:
    """200 (GET), 200 without a body (HEAD) or 304, with validators for the representation actually sent."""
    packed = _accepts_gzip(request)
    body, etag = (doc.gzip_body, doc.gzip_etag) if packed else (doc.body, doc.etag)
    headers = {
        "etag": etag,
        "cache-control": "private, max-age=300" if doc.private else "public, max-age=300",
        "vary": "Accept-Encoding",
    }
    if doc.last_modified is not None:
        headers["last-modified"] = http_date(doc.last_modified)
    if doc.private:
        headers["x-robots-tag"] = "noindex, nofollow"
        headers["referrer-policy"] = "no-referrer"
    if is_not_modified(request.headers.get("if-none-match"), request.headers.get("if-modified-since"), etag,
                       doc.last_modified, now=utcnow()):
        return ASGIResponse(body=b"", status_code=304, headers=headers)
    headers["content-type"] = ICS_CONTENT_TYPE
    headers["content-length"] = str(len(body))
    headers["x-content-type-options"] = "nosniff"
    disposition = "attachment" if doc.download else "inline"
    headers["content-disposition"] = f'{disposition}; filename="{doc.filename}"'
    if packed:
        headers["content-encoding"] = "gzip"
    head = request.method == HttpMethod.HEAD
    return ASGIResponse(body=b"" if head else body, status_code=200, headers=headers, is_head_response=head,
                        media_type=ICS_CONTENT_TYPE)


class CalendarFeedController(Controller):
    tags = ["calendar"]
    opt = _ICS_OPT

    @route("/calendar.ics", http_method=[HttpMethod.GET, HttpMethod.HEAD], name="community_calendar",
           operation_id="community_calendar",
           summary="The community feed: published events from 30 days ago onwards (iCalendar)")
    async def community(self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]) -> ASGIResponse:
        return ics_response(request, await feeds.community_document(settings))

    # One path segment: Litestar parameters cannot share a segment with a literal ".ics".
    @route("/events/{filename:str}", http_method=[HttpMethod.GET, HttpMethod.HEAD], name="event_calendar",
           operation_id="event_calendar",
           summary="One published event with its agenda, as an .ics download (/events/{slug}.ics)")
    async def event(self, request: Request[Any, Any, Any], filename: FromPath[str], settings: NamedDependency[Settings]
                    ) -> ASGIResponse:
        if not filename.endswith(".ics"):
            raise NotFound(_l("Deze pagina bestaat niet."))
        return ics_response(request, await feeds.event_document(filename.removesuffix(".ics"), settings))

    @route("/feeds/{filename:str}", http_method=[HttpMethod.GET, HttpMethod.HEAD], name="member_calendar",
           operation_id="member_calendar",
           summary="A member's private feed (/feeds/{token}.ics): their events and breakouts")
    async def member(self, request: Request[Any, Any, Any], filename: FromPath[str], settings: NamedDependency[Settings]
                     ) -> ASGIResponse:
        if not filename.endswith(".ics"):
            raise NotFound(_l("Deze agenda bestaat niet (meer)."))
        token = filename.removesuffix(".ics")
        if token.startswith(feeds.COMPANION_FEED_PREFIX):  # a companion without an account (issue 15)
            return ics_response(request, await feeds.companion_document(
                token.removeprefix(feeds.COMPANION_FEED_PREFIX), settings))
        return ics_response(request, await feeds.member_document(token, settings))


# --------------------------------------------------------------------------- /api/v1/me/calendar


ReminderMinutes = Annotated[int, msgspec.Meta(ge=0, le=feed_tokens.MAX_FEED_REMINDER_MINUTES,
                                              description="Minutes before each item; null for no reminders")]


class ReminderUpdate(msgspec.Struct, forbid_unknown_fields=True):
    reminder_minutes: ReminderMinutes | None


class MyCalendarController(Controller):
    path = "/api/v1/me/calendar"
    tags = ["calendar"]
    guards = [requires_member]

    @get("/", summary="Your calendar feeds and subscribe links", operation_id="my_calendar")
    async def show(self, member: NamedDependency[Principal],
                   settings: NamedDependency[Settings]) -> CalendarSettingsOut:
        return await feeds.calendar_settings(settings, member.id)

    @post("/rotate", summary="Create or replace your personal feed URL (the old one stops working)",
          operation_id="rotate_my_calendar", status_code=200)
    async def rotate(self, member: NamedDependency[Principal],
                     settings: NamedDependency[Settings]) -> CalendarSettingsOut:
        token = await feed_tokens.rotate_feed_token(member.id)
        return await feeds.calendar_settings(settings, member.id, token)

    @delete("/personal", summary="Switch your personal feed off (its URL stops working)",
            operation_id="revoke_my_calendar", status_code=204)
    async def revoke(self, member: NamedDependency[Principal]) -> None:
        await feed_tokens.revoke_feed_token(member.id)

    @patch("/", summary="Opt in to (or out of) reminders in your personal feed", operation_id="update_my_calendar")
    async def update(self, member: NamedDependency[Principal], data: JSONBody[ReminderUpdate],
                     settings: NamedDependency[Settings]) -> CalendarSettingsOut:
        await feed_tokens.set_feed_reminder(member.id, data.reminder_minutes)
        return await feeds.calendar_settings(settings, member.id)


# --------------------------------------------------------------------------- keeping tokens out of logs


_FEED_PATH = re.compile(r"/feeds/(?!\[token\]\.ics)[^/\s?#\"'%]+")
MASKED_FEED_PATH = "/feeds/[token].ics"


def mask_feed_tokens(text: str) -> str:
    return _FEED_PATH.sub(MASKED_FEED_PATH, text)


class FeedTokenFilter(logging.Filter):
    """Masks `/feeds/<token>.ics` in log records (uvicorn's access log passes the path as an argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and "/feeds/" in record.msg:
            record.msg = mask_feed_tokens(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(mask_feed_tokens(a) if isinstance(a, str) and "/feeds/" in a else a
                                for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: mask_feed_tokens(v) if isinstance(v, str) and "/feeds/" in v else v
                           for k, v in record.args.items()}
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True
        if mask_feed_tokens(message) != message:  # the token came in pieces (e.g. "/feeds/%s.ics", token)
            record.msg, record.args = mask_feed_tokens(message), None
        return True


# Loggers that may write a request path: uvicorn's access and error logs, Litestar's, and our own.
_PATH_LOGGERS = ("uvicorn.access", "uvicorn.error", "uvicorn", "litestar", "nieuw_geluid", "nieuw_geluid.errors",
                 "granian.access")


def install_feed_token_filter() -> None:
    """Attach the filter to the loggers and to their handlers (records propagated from children pass those)."""
    for name in _PATH_LOGGERS:
        logger = logging.getLogger(name)
        targets: list[logging.Filterer] = [logger, *logger.handlers]
        for target in targets:
            if not any(isinstance(f, FeedTokenFilter) for f in target.filters):
                target.addFilter(FeedTokenFilter())
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, FeedTokenFilter) for f in handler.filters):
            handler.addFilter(FeedTokenFilter())
