"""HTTP API for events: thin controllers over events.service."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from core.auth import requires_admin, requires_member, requires_organiser
from core.params import DbId
from core.principal import Principal
from events import banner, images, service, team
from events.rules import EventRoleKind
from events.schemas import (
    AdminEventSummary,
    CancelRequest,
    EventCreate,
    EventImageOut,
    EventOut,
    EventSummary,
    EventUpdate,
    TeamGrant,
    TeamMemberOut,
)


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
        return await service.published_summaries(include_past=past)

    @get("/mine", summary="Events you organise, drafts included", operation_id="list_my_events",
         guards=[requires_organiser])
    async def list_mine(self, member: NamedDependency[Principal]) -> list[EventSummary]:
        return await service.managed_summaries(member)

    @post("/", summary="Create an event (as a draft)", operation_id="create_event", guards=[requires_organiser])
    async def create_event(self, member: NamedDependency[Principal], data: JSONBody[EventCreate]) -> EventOut:
        return await service.create_event(member, _changes(data))

    @get("/{slug:str}", summary="One event with themes, agenda and seats left", operation_id="get_event")
    async def get_event(self, viewer: NamedDependency[Principal | None], slug: FromPath[str]) -> EventOut:
        return await service.get_event(slug, viewer)

    @patch("/{slug:str}", summary="Edit an event", operation_id="update_event", guards=[requires_organiser])
    async def update_event(self, member: NamedDependency[Principal], slug: FromPath[str],
                           data: JSONBody[EventUpdate]) -> EventOut:
        return await service.update_event(member, slug, _changes(data))

    @post("/{slug:str}/publish", summary="Publish an event", operation_id="publish_event",
          guards=[requires_organiser], status_code=200)
    async def publish(self, member: NamedDependency[Principal], slug: FromPath[str]) -> EventOut:
        return await service.publish_event(member, slug)

    @put("/{slug:str}/image", summary="Upload the event's banner image (the raw JPEG, PNG or WebP as the body)",
         operation_id="set_event_image", guards=[requires_organiser], status_code=200,
         request_max_body_size=banner.MAX_UPLOAD_BYTES + 1024)
    async def set_image(self, request: Request[Any, Any, Any], member: NamedDependency[Principal],
                        slug: FromPath[str]) -> EventImageOut:
        """Decoded and drawn again (only the pixels are kept, no metadata), cropped to 1.91:1, stored in two
        sizes and served from this site. Problems (422): `image_missing`, `image_type` (not a JPEG, PNG or WebP),
        `image_too_large` (over 5 MB or 40 megapixels), `image_too_small` (under 600 × 315)."""
        return await images.set_event_image(member, slug, await request.body())

    @delete("/{slug:str}/image", summary="Remove the event's banner image", operation_id="remove_event_image",
            guards=[requires_organiser], status_code=204)
    async def remove_image(self, member: NamedDependency[Principal], slug: FromPath[str]) -> None:
        await images.remove_event_image(member, slug)

    @post("/{slug:str}/cancel", summary="Cancel an event", operation_id="cancel_event",
          guards=[requires_organiser], status_code=200)
    async def cancel(self, member: NamedDependency[Principal], slug: FromPath[str],
                     data: JSONBody[CancelRequest]) -> EventOut:
        return await service.cancel_event(member, slug, data.reason)


class TeamController(Controller):
    """An event's team: who holds a role at it (facilitator, door). Its own organiser and administrators only."""

    path = "/api/v1/events/{slug:str}/team"
    tags = ["events"]
    guards = [requires_member]
    cache_control = CacheControlHeader(no_store=True)

    @get("/", summary="Who holds a role at the event", operation_id="list_event_team")
    async def list_team(self, member: NamedDependency[Principal], slug: FromPath[str]) -> list[TeamMemberOut]:
        """Problems: `event_organiser_only` (403: another organiser, a facilitator), `not_found` (404: no such
        event, or a draft of someone else)."""
        return await team.list_event_team(member, slug)

    @post("/", summary="Give someone a role at the event (facilitator or door)", operation_id="grant_event_role",
          status_code=201, opt={"problems": [404, 409]})
    async def grant(self, member: NamedDependency[Principal], slug: FromPath[str],
                    data: JSONBody[TeamGrant]) -> TeamMemberOut:
        """Idempotent. Problems: `event_organiser_only` (403), `account_not_found` (404), `address_not_verified`
        (409: a role only for a confirmed address), `role_for_organiser` (409: the organiser needs none)."""
        return await team.grant_event_role(member, slug, data.email, data.role)

    @delete("/{member_id:int}/{role:str}", summary="Take a role at the event from someone",
            operation_id="revoke_event_role", status_code=204)
    async def revoke(self, member: NamedDependency[Principal], slug: FromPath[str], member_id: DbId,
                     role: FromPath[EventRoleKind]) -> None:
        """Idempotent: revoking a role nobody holds changes nothing. Problems: `event_organiser_only` (403)."""
        await team.revoke_event_role(member, slug, member_id, role)


class AdminEventController(Controller):
    path = "/api/v1/admin/events"
    tags = ["admin"]
    guards = [requires_admin]
    cache_control = CacheControlHeader(no_store=True)

    @get("/", summary="Every event, drafts included, with its organiser (administrators only)",
         operation_id="list_all_events")
    async def list_all(self, member: NamedDependency[Principal]) -> list[AdminEventSummary]:
        return await service.list_all_events(member)



class EventMediaController(Controller):
    """An event's banner, in the two sizes the site serves (events.images): for whoever may see the event. The
    digest in the name changes with every upload, so a published event's image is cached for good."""

    path = "/media/e"
    include_in_schema = False

    @get("/{slug:str}/{name:str}", name="event_image")
    async def image(self, viewer: NamedDependency[Principal | None], slug: FromPath[str], name: FromPath[str]
                    ) -> Response[bytes]:
        digest, _, extension = name.partition(".")
        served = await images.served_image(slug, digest, extension, viewer)
        cache = "public, max-age=31536000, immutable" if served.public else "private, no-store"
        return Response(served.body, media_type=served.media_type,
                        headers={"Cache-Control": cache, "X-Content-Type-Options": "nosniff",
                                 "Content-Security-Policy": "default-src 'none'; sandbox"})
