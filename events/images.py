"""An event's banner image: the organiser uploads or removes it; the site serves it from the database (every worker
serves it, nothing lives on one worker's disk). The checks and the drawing are events.banner's (pure)."""

from __future__ import annotations

from dataclasses import dataclass

import anyio.to_thread

from core.db import utcnow, write_transaction
from core.errors import InvalidInput, NotFound
from core.i18n import lazy_gettext as _l
from core.principal import Principal
from events import banner, rules
from events.schemas import EventImageOut
from events.service import _refuse, _row, can_manage, can_view
from events.tables import Event, EventImage


class ImageRefused(InvalidInput):
    """The upload is not a usable image; `code` says why (image_missing, image_type, image_too_large,
    image_too_small)."""

    code = "image_refused"

    def __init__(self, refused: banner.BannerRefused) -> None:
        super().__init__(refused.message, field="image")
        self.code = refused.code  # type: ignore[misc]


@dataclass(frozen=True, slots=True)
class ServedImage:
    body: bytes
    media_type: str
    public: bool  # a published or cancelled event's image may be cached by anyone; a draft's only by its organiser


async def set_event_image(actor: Principal, slug: str, upload: bytes) -> EventImageOut:
    """The organiser's upload becomes the event's banner (replacing any earlier one). Returns the new URLs."""
    row = await _row(slug)
    if not can_manage(actor, row):
        _refuse(actor, row, _l("Alleen de organisator van dit evenement kan de afbeelding wijzigen."))
    try:
        # Decoding a 40-megapixel photo takes a while: off the event loop.
        drawn = await anyio.to_thread.run_sync(banner.prepare_banner, upload)
    except banner.BannerRefused as exc:
        raise ImageRefused(exc) from exc
    now = utcnow()
    async with write_transaction():
        await EventImage.delete().where(EventImage.event == row["id"])
        await EventImage.insert(EventImage(event=row["id"], digest=drawn.digest, share_jpeg=drawn.share_jpeg,
                                           page_webp=drawn.page_webp, created_at=now))
        await Event.update({Event.updated_at: now}).where(Event.id == row["id"])
    urls = rules.image_urls(slug, drawn.digest)
    return EventImageOut(image_url=urls["image_url"], share_image_url=urls["share_image_url"])


async def remove_event_image(actor: Principal, slug: str) -> None:
    row = await _row(slug)
    if not can_manage(actor, row):
        _refuse(actor, row, _l("Alleen de organisator van dit evenement kan de afbeelding wijzigen."))
    await EventImage.delete().where(EventImage.event == row["id"])


async def served_image(slug: str, digest: str, extension: str, viewer: Principal | None) -> ServedImage:
    """One size of the banner, for whoever may see the event (a draft's only for its organiser, for the preview)."""
    row = await _row(slug)
    if not can_view(viewer, row):
        raise NotFound(_l("Deze afbeelding bestaat niet."))
    column = {"jpg": EventImage.share_jpeg, "webp": EventImage.page_webp}.get(extension)
    if column is None:
        raise NotFound(_l("Deze afbeelding bestaat niet."))
    found = await EventImage.select(column).where((EventImage.event == row["id"]) & (EventImage.digest == digest)
                                                  ).first()
    if found is None:
        raise NotFound(_l("Deze afbeelding bestaat niet."))
    body = bytes(found[column._meta.name])
    return ServedImage(body, "image/jpeg" if extension == "jpg" else "image/webp",
                       row["status"] != rules.EventStatus.DRAFT)
