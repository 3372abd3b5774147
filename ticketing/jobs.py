"""Ticketing's background jobs, registered with core.jobs and run in every worker's lifespan.

Each claims its work atomically in the database (see service.expire_holds, outbox.send_outbox,
service.reconcile_payments), so running them in N workers at once frees no seat twice and sends no mail twice;
service.erase_birth_dates is one idempotent UPDATE.
"""

from __future__ import annotations

from core import jobs
from settings import Settings
from ticketing import outbox, service


@jobs.register("ticketing.expire_holds")
async def expire_holds_job(settings: Settings) -> int:
    return await service.expire_holds()


@jobs.register("ticketing.send_outbox")
async def send_outbox_job(settings: Settings) -> int:
    return await outbox.send_outbox(settings)


@jobs.register("ticketing.erase_birth_dates")
async def erase_birth_dates_job(settings: Settings) -> int:
    return await service.erase_birth_dates()


@jobs.register("ticketing.reconcile_payments")
async def reconcile_payments_job(settings: Settings) -> dict[str, int]:
    return await service.reconcile_payments()
