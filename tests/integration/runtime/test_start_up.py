"""start_up: what a composition root opened is closed at once when its start-up fails or is
cancelled, and kept open for the process when it succeeds."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

import pytest

from gmbot.runtime.lifecycle import start_up
from gmbot.runtime.redis import create_redis
from gmbot.runtime.tasks import cancel_and_wait
from tests.support.leaks import named_redis, redis_clients, settled
from tests.support.waiting import eventually


async def _open_redis_then(
    redis_url: str, resources: AsyncExitStack, then: asyncio.Event, tasks: list[asyncio.Task[Any]]
) -> None:
    """A start-up's first half: a Redis client connected and a task running (added to
    `tasks`), both closed by `resources`; then it waits for `then`."""
    redis = create_redis(redis_url)
    resources.push_async_callback(redis.aclose)
    await redis.ping()
    task = asyncio.create_task(asyncio.Event().wait())
    tasks.append(task)
    resources.push_async_callback(cancel_and_wait, task)
    await then.wait()


async def test_a_start_up_that_fails_halfway_closes_what_it_opened(redis_url: str) -> None:
    named_url, name = named_redis(redis_url)
    opened_first = asyncio.Event()
    opened_first.set()
    tasks: list[asyncio.Task[Any]] = []

    async def build() -> None:
        async with start_up(AsyncExitStack()) as opened:
            await _open_redis_then(named_url, opened, opened_first, tasks)
            raise LookupError("second dependency unreachable")

    with pytest.raises(LookupError, match="second dependency"):
        await build()

    assert await settled(lambda: redis_clients(redis_url, name)) == 0
    assert [task.cancelled() for task in tasks] == [True]


async def test_a_cancelled_start_up_closes_what_it_opened(redis_url: str) -> None:
    named_url, name = named_redis(redis_url)
    tasks: list[asyncio.Task[Any]] = []

    async def build() -> None:
        async with start_up(AsyncExitStack()) as opened:
            await _open_redis_then(named_url, opened, asyncio.Event(), tasks)

    building = asyncio.create_task(build())

    async def halfway() -> bool:
        """Redis connected, the task started."""
        assert not building.done(), building
        return bool(tasks)

    await eventually(halfway, every=0.01, what="the start-up halfway")
    opened_before = await redis_clients(redis_url, name)
    await cancel_and_wait(building)

    assert opened_before == 1
    assert await settled(lambda: redis_clients(redis_url, name)) == 0
    assert [task.cancelled() for task in tasks] == [True]


async def test_a_start_up_that_succeeds_keeps_what_it_opened_until_the_process_closes_it(
    redis_url: str,
) -> None:
    named_url, name = named_redis(redis_url)
    ready = asyncio.Event()
    ready.set()
    tasks: list[asyncio.Task[Any]] = []

    async with start_up(AsyncExitStack()) as opened:
        await _open_redis_then(named_url, opened, ready, tasks)
    still_open = await redis_clients(redis_url, name)
    running = [not task.done() for task in tasks]
    await opened.aclose()

    assert (still_open, running) == (1, [True])
    assert await settled(lambda: redis_clients(redis_url, name)) == 0
    assert [task.cancelled() for task in tasks] == [True]
