"""The Redis Cluster client on a real three-node cluster: a burst larger than its connections
waits for them instead of failing, and a new client's first burst and first subscription work
(redis-py's own failed both: MaxConnectionsError, broken connections, a KeyError)."""

from __future__ import annotations

import asyncio
import uuid

from gmbot.runtime.redis import MAX_CONNECTIONS, create_redis


async def test_a_new_clients_first_burst_beyond_its_connections_all_succeeds(
    redis_cluster_url: str,
) -> None:
    # What is tested is the wait for a connection, not how fast a busy machine opens 64 of them:
    # under a CI run's pool the 1 s connect timeout ran out for 82 of 192 (ConnectionError).
    redis = create_redis(redis_cluster_url, socket_timeout=5.0)
    key = f"test:{{{uuid.uuid4().hex}}}:count"
    count = redis.register_script("return redis.call('INCR', KEYS[1])")
    try:
        answers = await asyncio.gather(
            *(count(keys=[key]) for _ in range(3 * MAX_CONNECTIONS)), return_exceptions=True
        )
        total = int(await redis.get(key) or 0)
    finally:
        await redis.delete(key)
        await redis.aclose()

    assert [a for a in answers if isinstance(a, BaseException)] == []
    assert total == 3 * MAX_CONNECTIONS


async def test_a_new_clients_subscription_hears_what_is_published(
    redis_cluster_url: str,
) -> None:
    listener, speaker = create_redis(redis_cluster_url), create_redis(redis_cluster_url)
    channel = f"test:{uuid.uuid4().hex}:news".encode()
    try:
        async with listener.pubsub() as pubsub:
            await pubsub.subscribe(channel)
            heard = await pubsub.get_message(timeout=5)  # the subscription's confirmation
            await speaker.publish(channel, b"hello")
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5)
    finally:
        await listener.aclose()
        await speaker.aclose()

    assert heard is not None
    assert heard["type"] == "subscribe"
    assert message is not None
    assert message["data"] == b"hello"
