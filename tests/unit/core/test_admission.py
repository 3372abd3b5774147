"""core.admission.FairGate: at most N inside at once, the rest let in in the order they came, nobody refused."""

from __future__ import annotations

import asyncio

import pytest

from core.admission import FairGate


async def _crowd(gate: FairGate, limit: int, people: int) -> tuple[int, list[int], list[int]]:
    """`people` callers arrive one after another and stay inside until everyone has arrived; returns the most
    that were inside at once, the order they came and the order they got in."""
    inside = peak = 0
    came: list[int] = []
    entered: list[int] = []
    everyone_came = asyncio.Event()

    async def caller(i: int) -> None:
        nonlocal inside, peak
        came.append(i)
        async with gate.entered(limit):
            entered.append(i)
            inside += 1
            peak = max(peak, inside)
            await everyone_came.wait()
            inside -= 1

    tasks = []
    for i in range(people):
        tasks.append(asyncio.create_task(caller(i)))
        await asyncio.sleep(0)  # the next one arrives a moment later
    await asyncio.sleep(0)
    everyone_came.set()
    await asyncio.gather(*tasks)
    return peak, came, entered


@pytest.mark.parametrize("limit", [1, 3, 16])
def test_at_most_the_limit_inside_and_the_waiting_get_in_in_the_order_they_came(limit: int) -> None:
    peak, came, entered = asyncio.run(_crowd(FairGate(), limit, 40))
    assert peak == limit
    assert entered == came  # first come, first in
    assert sorted(entered) == list(range(40))  # nobody refused or lost


def test_no_limit_lets_everyone_in_at_once() -> None:
    peak, _came, entered = asyncio.run(_crowd(FairGate(), 0, 25))
    assert peak == 25
    assert sorted(entered) == list(range(25))


def test_each_event_loop_has_a_gate_of_its_own() -> None:
    """The tests run each test on its own loop with one shared app: a semaphore bound to an earlier loop must not
    be reused (asyncio would raise), and the limit of the settings in use applies."""
    gate = FairGate()
    assert asyncio.run(_crowd(gate, 2, 10))[0] == 2
    assert asyncio.run(_crowd(gate, 5, 10))[0] == 5
    assert asyncio.run(_crowd(gate, 5, 10))[0] == 5
