"""HTTP API of the door, for the scanner page and other scanner apps: thin controllers over checkin's use cases.

Who may call it: the event's organiser, its facilitators and its door role (checkin.access). Red answers are
problem+json with stable codes: `ticket_unknown` (404), `ticket_other_event`, `ticket_voided`, `ticket_cancelled`,
`ticket_unpaid` (409). Already in is **200** with `already_checked_in: true` (checkin.rules says why).
"""

from __future__ import annotations

from litestar import Controller, Response, delete, get, post
from litestar.datastructures import CacheControlHeader
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from checkin import door, scans
from checkin.schemas import ArrivalsOut, BatchIn, BatchOut, DoorListOut, ScanIn, ScanOut, UndoOut
from core.auth import requires_member
from core.params import DbId
from core.principal import Principal
from core.spreadsheet import csv_response

# Names and who came when: never in a shared cache.
NO_STORE = CacheControlHeader(no_store=True)


class CheckInController(Controller):
    path = "/api/v1/events/{slug:str}/checkins"
    tags = ["check-in"]
    guards = [requires_member]
    cache_control = NO_STORE

    @post("/", summary="Check one person in (a scanned or typed code, or a ticket found by name)",
          operation_id="check_in", status_code=200)
    async def check_in(self, member: NamedDependency[Principal], slug: FromPath[str],
                       data: JSONBody[ScanIn]) -> ScanOut:
        """Green: `result: checked_in`, with the person, their duo partner and the partner's state. Orange:
        `result: already_checked_in` (200: when, at which door, by whom). Red: problem+json `ticket_unknown` (404),
        `ticket_other_event` (with the other event's title and date), `ticket_voided` (replaced: `voided_at`),
        `ticket_cancelled`, `ticket_unpaid` (409). The same scan sent again (same device and `scanned_at`) gets the
        same answer."""
        return await scans.check_in(member, slug, data)

    @post("/batch", summary="Sync scans queued offline (idempotent)", operation_id="sync_checkins", status_code=200)
    async def batch(self, member: NamedDependency[Principal], slug: FromPath[str], data: JSONBody[BatchIn]) -> BatchOut:
        """One result per item, in order: `checked_in`, `already_checked_in` (another phone was earlier: it is told
        here) or `refused` with the problem code. Two phones that checked in one code end in one check-in, the
        earliest scan; sending the same batch again changes nothing."""
        return await scans.sync_batch(member, slug, data)

    @delete("/{checkin_id:int}", summary="Undo a mistaken check-in (kept for the audit)", operation_id="undo_checkin",
            status_code=200)
    async def undo(self, member: NamedDependency[Principal], slug: FromPath[str], checkin_id: DbId) -> UndoOut:
        """Who undid it and when are kept. Undoing it again answers the same. Problems: `checkin_not_found`."""
        return await scans.undo_check_in(member, slug, checkin_id)

    @get("/", summary="Arrivals: persons and duos in against sold, per five minutes", operation_id="get_arrivals")
    async def arrivals(self, member: NamedDependency[Principal], slug: FromPath[str]) -> ArrivalsOut:
        return await door.arrivals(member, slug)

    @get("/door-list", summary="The door list for offline scanning (no e-mail, no birth dates, no codes)",
         operation_id="get_door_list")
    async def door_list(self, member: NamedDependency[Principal], slug: FromPath[str]) -> DoorListOut:
        """Every place of the event's duos: name, role, partner, verdict (`admit` or a red code), check-in, and the
        SHA-256 of the ticket code (compare it with the hash of what was scanned)."""
        return await door.door_list(member, slug)

    @get("/missing.csv", summary="Who has not arrived, with their partner's state (CSV)",
         operation_id="export_not_arrived_csv", media_type="text/csv")
    async def missing_csv(self, member: NamedDependency[Principal], slug: FromPath[str]) -> Response[bytes]:
        return csv_response(await door.not_arrived_csv(member, slug), f"{slug}-nog-niet-binnen.csv")


ROUTERS = [CheckInController]
