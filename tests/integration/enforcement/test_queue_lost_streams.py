"""The work queue on a real Redis that lost its streams (restarted without persistence): the
worker's next take makes them again instead of failing on NOGROUP, and the queue works on."""

from __future__ import annotations

import uuid

import pytest
from redis.exceptions import ResponseError

from gmbot.enforcement.domain.work_queue import Lane
from gmbot.enforcement.outbound.keys import Keys
from gmbot.enforcement.outbound.streams import RedisStreamQueue
from gmbot.runtime.redis import RedisClient, is_missing_group

pytestmark = pytest.mark.redis_cluster


async def test_a_take_after_redis_lost_the_streams_makes_them_again(redis: RedisClient) -> None:
    keys = Keys(f"test:{uuid.uuid4().hex[:12]}:")
    queue = RedisStreamQueue(redis, keys, "worker-1", reclaim_after=30)
    await queue.setup()
    streams = [keys.stream(lane.name.lower()) for lane in Lane]
    try:
        await redis.delete(*streams)

        assert await queue.take(0.01) == []
        await queue.put("action-1", Lane.URGENT)
        [delivery] = await queue.take(0.01)
    finally:
        await redis.delete(*streams)

    assert delivery.action_id == "action-1"


async def test_only_nogroup_is_a_missing_group(redis: RedisClient) -> None:
    key = f"test:{uuid.uuid4().hex[:12]}"
    try:
        with pytest.raises(ResponseError) as missing:
            await redis.xreadgroup("workers", "worker-1", {key: ">"}, count=1)
        await redis.set(key, "a string")
        with pytest.raises(ResponseError) as wrong_type:
            await redis.xgroup_create(key, "workers", id="0")
    finally:
        await redis.delete(key)

    assert is_missing_group(missing.value)
    assert not is_missing_group(wrong_type.value)
