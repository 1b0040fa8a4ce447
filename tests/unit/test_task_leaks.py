"""The start-up tests' leak check (tests.support.leaks.tasks_started) sees the tasks the code
under test leaves running, its tasks' tasks included, and none the rest of the loop starts."""

from __future__ import annotations

import asyncio

from tests.support.leaks import running, tasks_started


async def test_what_the_block_starts_is_seen_and_what_others_start_is_not() -> None:
    go = asyncio.Event()
    foreign: list[asyncio.Task[None]] = []

    async def elsewhere() -> None:  # as the sandbox serving an earlier test's stack
        await go.wait()
        foreign.append(asyncio.create_task(asyncio.sleep(60)))

    async def under_test() -> None:
        asyncio.create_task(asyncio.sleep(60))  # noqa: RUF006 - the leak this check is for

    other = asyncio.create_task(elsewhere())
    with tasks_started() as started:
        go.set()
        await asyncio.create_task(under_test())
        await asyncio.sleep(0)
    leaked = running(started)

    assert len(leaked) == 1
    assert len(foreign) == 1
    assert foreign[0] not in started
    for task in (*leaked, *foreign, other):
        task.cancel()
    await asyncio.gather(*leaked, *foreign, other, return_exceptions=True)
