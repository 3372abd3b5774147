"""Members' background jobs, registered with core.jobs and run in every worker's lifespan (idempotent deletes)."""

from __future__ import annotations

from core import jobs
from members import mailed_links
from settings import Settings


@jobs.register("members.prune_mailed_links")
async def prune_mailed_links_job(settings: Settings) -> int:
    return await mailed_links.prune_mailed_links()
