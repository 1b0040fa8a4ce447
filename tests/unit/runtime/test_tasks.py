"""Ending a background task on purpose."""

from __future__ import annotations

import asyncio

from gmbot.runtime.tasks import cancel_and_wait, where_it_waits


async def test_a_running_task_is_cancelled_and_has_ended_when_it_returns() -> None:
    cleaned: list[str] = []

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            cleaned.append("cleaned up")

    task = asyncio.create_task(forever())
    await asyncio.sleep(0)

    await cancel_and_wait(task)

    assert task.cancelled()
    assert cleaned == ["cleaned up"]


async def test_nothing_to_end_is_fine() -> None:
    await cancel_and_wait(None)
    finished = asyncio.create_task(asyncio.sleep(0))
    await finished

    await cancel_and_wait(finished)  # already over: nothing happens

    assert finished.done()
    assert not finished.cancelled()


async def test_a_stuck_task_says_where_it_waits() -> None:
    async def inner() -> None:
        await asyncio.Event().wait()

    async def outer() -> None:
        await inner()

    task = asyncio.create_task(outer())
    await asyncio.sleep(0)

    chain = where_it_waits(task)
    await cancel_and_wait(task)

    assert [frame.split(" ")[0] for frame in chain[:3]] == [
        "test_a_stuck_task_says_where_it_waits.<locals>.outer",
        "test_a_stuck_task_says_where_it_waits.<locals>.inner",
        "Event.wait",
    ]
