"""The shared budget on a real Redis, under contention: never more than the rate in any second."""

from __future__ import annotations

import asyncio
import time
import uuid

from gmbot.enforcement.keys import Keys
from gmbot.enforcement.ratelimit import RedisRateLimiter
from gmbot.runtime.redis import create_redis


async def test_a_sub_millisecond_wait_is_not_read_as_a_grant(redis_url: str) -> None:
    """Redis turns the script's Lua number into an integer: a wait of 0.4 ms used to come back
    as 0, a grant the script never recorded, and 32 workers drew up to 36 calls a second."""
    redis = create_redis(redis_url)
    prefix = f"test:{uuid.uuid4().hex}:"
    limiter = RedisRateLimiter(redis, Keys(prefix), per_second=30, group_per_minute=6000)
    grants: list[float] = []

    async def worker() -> None:
        for _ in range(6):
            await limiter.acquire(None)
            grants.append(time.monotonic())

    try:
        await asyncio.gather(*(worker() for _ in range(32)))
    finally:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()

    grants.sort()
    busiest = max(sum(1 for g in grants if start <= g < start + 1.0) for start in grants)
    assert busiest <= 30
    assert len(grants) / (grants[-1] - grants[0]) > 25  # and the budget is used
