"""The outbox's background job, registered with core.jobs and run in every worker's lifespan (each mail claimed
before it is sent, so N workers send none twice: notifications.outbox)."""

from __future__ import annotations

from core import jobs
from notifications import outbox
from settings import Settings


@jobs.register("notifications.send_outbox")
async def send_outbox_job(settings: Settings) -> int:
    return await outbox.send_outbox(settings)
