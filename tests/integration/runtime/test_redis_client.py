"""The services' Redis client on a real Redis: a burst shares a bounded pool of named
connections instead of opening one per concurrent command; a Redis that is gone fails at once."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from gmbot.runtime.redis import MAX_CONNECTIONS, create_redis


# Alone (marker serial): a command waits for a pooled connection only so long, and a busy CPU
# stretched the burst past it ("No connection available", in the pool of six).
@pytest.mark.serial
async def test_a_burst_waits_for_the_pools_connections_instead_of_opening_hundreds(
    redis_url: str,
) -> None:
    name = f"test-{uuid.uuid4().hex[:12]}"
    redis = create_redis(redis_url, name=name)
    key = f"test:{name}:counter"
    try:
        # Every command waits a moment in Redis, so the burst really is concurrent.
        await asyncio.gather(*(redis.blpop([f"{key}:never"], timeout=0.05) for _ in range(500)))
        await asyncio.gather(*(redis.incr(key) for _ in range(2000)))

        clients = await redis.client_list()
        counted = await redis.get(key)
    finally:
        await redis.delete(key)
        await redis.aclose()

    ours = [c for c in clients if c.get("name") == name]
    assert 1 <= len(ours) <= MAX_CONNECTIONS  # named, so CLIENT LIST shows whose they are
    assert counted == b"2000"  # every command of the burst was served


async def test_a_redis_that_is_gone_fails_at_once() -> None:
    redis = create_redis("redis://127.0.0.1:1/0")
    started = time.monotonic()

    with pytest.raises((RedisConnectionError, OSError)):
        await redis.ping()

    assert time.monotonic() - started < 3
    await redis.aclose()
