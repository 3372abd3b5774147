"""Background jobs run in every worker's lifespan.

With N workers each job runs N times at once, so every job must claim its work atomically in the
database (conditional UPDATE … RETURNING, or SKIP LOCKED). The runner only schedules and isolates
failures: one failing job never stops the others or the worker.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import anyio

from settings import Settings

Job = Callable[[Settings], Awaitable[object]]
log = logging.getLogger("nieuw_geluid.jobs")
_JOBS: dict[str, Job] = {}


def register(name: str) -> Callable[[Job], Job]:
    def decorator(job: Job) -> Job:
        _JOBS[name] = job
        return job

    return decorator


def registered() -> dict[str, Job]:
    return dict(_JOBS)


async def run_all_once(settings: Settings) -> None:
    for name, job in registered().items():
        try:
            await job(settings)
        except Exception:  # a failing job must not take the worker down; it is retried next tick
            log.exception("Background job %s failed", name)


@asynccontextmanager
async def running(settings: Settings) -> AsyncIterator[None]:
    if not settings.background_jobs:
        yield
        return
    async with anyio.create_task_group() as tg:

        async def loop() -> None:
            while True:
                await anyio.sleep(settings.job_interval_seconds)
                await run_all_once(settings)

        tg.start_soon(loop)
        try:
            yield
        finally:
            tg.cancel_scope.cancel()
