"""HTTP API for events: thin controllers over events.service."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from core.auth import current, requires_organiser, signed_in
from events import service
from events.schemas import CancelRequest, EventCreate, EventOut, EventSummary, EventUpdate
from ticketing import cancellation as ticketing_cancellation


def event_out(view: dict[str, Any]) -> EventOut:
    return msgspec.convert(view, EventOut, from_attributes=False)


def summary_out(view: dict[str, Any]) -> EventSummary:
    return msgspec.convert({k: view[k] for k in EventSummary.__struct_fields__}, EventSummary)


def _changes(data: msgspec.Struct) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in data.__struct_fields__:
        value = getattr(data, name)
        if value is msgspec.UNSET:
            continue
        if isinstance(value, list):
            value = [msgspec.structs.asdict(v) for v in value]
        out[name] = value
    return out


class EventController(Controller):
    path = "/api/v1/events"
    tags = ["events"]

    @get("/", summary="Published events (upcoming; add past=true for earlier ones)", operation_id="list_events")
    async def list_events(self, past: FromQuery[bool] = False) -> list[EventSummary]:
        return [summary_out(e) for e in await service.list_published(include_past=past)]

    @get("/mine", summary="Events you organise, drafts included", operation_id="list_my_events",
         guards=[requires_organiser])
    async def list_mine(self, request: Request[Any, Any, Any]) -> list[EventSummary]:
        return [summary_out(e) for e in await service.list_managed(signed_in(request))]

    @post("/", summary="Create an event (as a draft)", operation_id="create_event", guards=[requires_organiser])
    async def create_event(self, request: Request[Any, Any, Any], data: JSONBody[EventCreate]) -> EventOut:
        return event_out(await service.create_event(signed_in(request), _changes(data)))

    @get("/{slug:str}", summary="One event with themes, agenda and seats left", operation_id="get_event")
    async def get_event(self, request: Request[Any, Any, Any], slug: FromPath[str]) -> EventOut:
        return event_out(await service.get_event(slug, current(request)))

    @patch("/{slug:str}", summary="Edit an event", operation_id="update_event", guards=[requires_organiser])
    async def update_event(self, request: Request[Any, Any, Any], slug: FromPath[str],
                           data: JSONBody[EventUpdate]) -> EventOut:
        return event_out(await service.update_event(signed_in(request), slug, _changes(data)))

    @post("/{slug:str}/publish", summary="Publish an event", operation_id="publish_event",
          guards=[requires_organiser], status_code=200)
    async def publish(self, request: Request[Any, Any, Any], slug: FromPath[str]) -> EventOut:
        return event_out(await service.publish_event(signed_in(request), slug))

    @post("/{slug:str}/cancel", summary="Cancel an event", operation_id="cancel_event",
          guards=[requires_organiser], status_code=200)
    async def cancel(self, request: Request[Any, Any, Any], slug: FromPath[str],
                     data: JSONBody[CancelRequest]) -> EventOut:
        return event_out(await ticketing_cancellation.cancel_event(signed_in(request), slug, data.reason))
