"""A subscription's reader (membership's change relay, the gateway's policy announcements) hears
what is published and ends once told to stop, without a cancellation: on the cluster client a
cancellation could be lost inside redis-py's read and hold up the service's stop for good."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from gmbot.runtime.redis import SUBSCRIPTION_READ_SECONDS, create_redis, published


@pytest.mark.redis_cluster
async def test_the_reader_hears_each_message_and_ends_when_told_without_a_cancel(
    redis_url: str,
) -> None:
    redis = create_redis(redis_url)
    channel = f"test:{uuid.uuid4().hex}:changes".encode()
    stopping = asyncio.Event()
    heard: asyncio.Queue[bytes] = asyncio.Queue()
    subscribed = asyncio.Event()

    async def reader() -> None:
        async with redis.pubsub() as pubsub:
            await pubsub.subscribe(channel)
            subscribed.set()
            async for data in published(pubsub, stopping):
                heard.put_nowait(data)

    task = asyncio.create_task(reader())
    try:
        await asyncio.wait_for(subscribed.wait(), 10)
        for n in range(3):
            await redis.publish(channel, f"change {n}".encode())
        async with asyncio.timeout(10):
            said = [await heard.get() for _ in range(3)]
        stopping.set()
        await asyncio.wait_for(asyncio.shield(task), 3 * SUBSCRIPTION_READ_SECONDS)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await redis.aclose()

    assert said == [b"change 0", b"change 1", b"change 2"]
    assert task.done()
    assert not task.cancelled()  # it ended by itself
