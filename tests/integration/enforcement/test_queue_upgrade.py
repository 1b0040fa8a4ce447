"""A rolling upgrade from the release whose streams had no hash tag, on one Redis: what that
release queued is handed out by the new one, with its trace, and nothing of it is left behind."""

from __future__ import annotations

import uuid

from gmbot.enforcement.domain.work_queue import Lane
from gmbot.enforcement.outbound.keys import Keys
from gmbot.enforcement.outbound.streams import RedisStreamQueue
from gmbot.runtime.redis import create_redis


async def test_what_the_release_before_queued_is_handed_out_after_the_upgrade(
    redis_url: str,
) -> None:
    redis = create_redis(redis_url)
    keys = Keys(f"test:{uuid.uuid4().hex[:12]}:")
    before = [keys.legacy_stream(lane.name.lower()) for lane in Lane]
    after = [keys.stream(lane.name.lower()) for lane in Lane]
    try:
        # As that release left them: its group, one entry taken by a worker that died, two not.
        for stream in before:
            await redis.xgroup_create(stream, keys.consumer_group, id="0", mkstream=True)
        await redis.xadd(before[0], {"action": "mute-1", "traceparent": "00-ab-cd-01"})
        await redis.xreadgroup(keys.consumer_group, "old-worker", {before[0]: ">"}, count=1)
        await redis.xadd(before[0], {"action": "delete-2"})
        await redis.xadd(before[1], {"action": "digest-3"})

        queue = RedisStreamQueue(redis, keys, "new-worker", reclaim_after=30)
        await queue.setup()
        handed = [d for _ in range(4) for d in await queue.take(0.01)]
        left = [await redis.xlen(stream) for stream in before]
    finally:
        await redis.delete(*before)
        await redis.delete(*after)
        await redis.aclose()

    taken = [(d.action_id, d.lane) for d in handed]
    assert taken == [
        ("mute-1", Lane.URGENT),
        ("delete-2", Lane.URGENT),
        ("digest-3", Lane.HOUSEKEEPING),
    ]
    first = handed[0]
    assert first is not None
    assert first.trace == {"traceparent": "00-ab-cd-01"}
    assert left == [0, 0]
