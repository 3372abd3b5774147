"""Fair admission: at most N callers inside a block at once per worker, the others waiting in arrival order.

Why (measured, docs/benchmarks.md): in a rush the worker's CPU is the limit, and every request in flight shares it.
Without a gate each request's every database statement waits its turn behind all the others in flight (the event
loop's ready queue and the connection pool are first come, first served per statement), so an order, which makes
one statement more than a sold-out answer, came out last: with 10,000 buyers 200 at a time on 2 cores, held orders
had a p99 of about a second while the median answer took 113 ms. Behind a gate of 16 orders per worker the same
work is done at the same rate, but a request waits once, on entering, and then runs its statements with few
others beside it: p99 354 ms. The gate only orders the waiting; it refuses nobody and keeps no state between
requests, so every guarantee (the conditional seat update, the rate limits) is unchanged.

One semaphore per event loop (asyncio binds a semaphore to the loop it first waits on; the tests run every test
on a loop of its own, with one shared app). asyncio's semaphore wakes its waiters in the order they came.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class FairGate:
    """``async with gate.entered(limit):`` — at most ``limit`` at once on this worker's loop (0: no gate)."""

    def __init__(self) -> None:
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, tuple[int, asyncio.Semaphore]] = (
            weakref.WeakKeyDictionary())

    def _semaphore(self, limit: int) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        known = self._by_loop.get(loop)
        if known is None or known[0] != limit:  # a test may build an app with other settings on the same loop
            known = (limit, asyncio.Semaphore(limit))
            self._by_loop[loop] = known
        return known[1]

    @asynccontextmanager
    async def entered(self, limit: int) -> AsyncIterator[None]:
        if limit <= 0:
            yield
            return
        async with self._semaphore(limit):
            yield
