"""Redis connections for the services that keep state there (membership, enforcement, gateway).

Imported only by those services. Key names live in each service's store module; keys one
command, script or transaction uses together share a hash tag, so every command stays in one
slot of a Redis Cluster (docs/redis-cluster.md lists them).

REDIS_URL chooses the server: `redis://` (or `rediss://`) is one Redis,
`redis+cluster://host:port` (or `rediss+cluster://`) a Redis Cluster reached through any of its
nodes, the way `postgresql+asyncpg://` names the driver in DATABASE_URL.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any, TypeAlias

import structlog
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.client import PubSub
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from gmbot.runtime.redis_cluster import WaitingRedisCluster

log = structlog.get_logger("gmbot.redis")

REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)
# One Redis or a Redis Cluster: the stores use only what both answer alike.
RedisClient: TypeAlias = Redis | RedisCluster
_CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}


def is_missing_group(error: ResponseError) -> bool:
    """Redis answered NOGROUP: the stream or its consumer group is not there (a Redis restarted
    without persistence lost them). redis-py has no exception of its own for it."""
    return str(error).startswith("NOGROUP")


# Connections per client: plenty for GMBot's bursts (a raid's checks, update claims and budget
# asks, a few blocking reads), and a bound, so a burst waits a moment for a connection instead
# of opening hundreds at once; opening them on a busy machine took longer than the timeouts and
# turned a raid's busiest second into "Redis unreachable" (fallbacks, marks kept locally).
MAX_CONNECTIONS = 64
POOL_WAIT_SECONDS = 2.0
# Opening a connection may take longer than a command: a Redis that is gone refuses at once,
# while on a machine whose cores are all busy a new connection's handshake waited past one
# second (a CI run's pool: a cluster client's first connections, "Timeout connecting").
CONNECT_SECONDS = 5.0


def cluster_url(url: str) -> str | None:
    """The plain URL of a Redis Cluster's node when `url` names a cluster; None for one Redis."""
    scheme, sep, rest = url.partition("://")
    plain = _CLUSTER_SCHEMES.get(scheme.lower())
    return None if plain is None else f"{plain}{sep}{rest}"


def is_cluster(client: RedisClient) -> bool:
    """Whether `client` talks to a Redis Cluster: no keys from before the hash tags there (the
    releases before could not use one), so nothing of theirs to read."""
    return isinstance(client, RedisCluster)


def create_redis(url: str, *, socket_timeout: float = 1.0, name: str | None = None) -> RedisClient:
    """A pooled client with short timeouts and one quick retry: a Redis that is down must
    degrade a call at once (the callers fall back), not hold it through a backoff. `name` is
    what CLIENT LIST shows for its connections."""
    # The same connections either way; only the pool that hands them out differs.
    connection: dict[str, Any] = {
        "socket_timeout": socket_timeout,
        "socket_connect_timeout": max(socket_timeout, CONNECT_SECONDS),
        "health_check_interval": 15,
        "retry": Retry(NoBackoff(), retries=1),
        "decode_responses": False,
        "client_name": name,
    }
    if (node := cluster_url(url)) is not None:
        # The client learns the other nodes from this one and follows MOVED/ASK itself.
        return WaitingRedisCluster.from_url(
            node, connections=MAX_CONNECTIONS, wait_seconds=POOL_WAIT_SECONDS, **connection
        )
    pool = BlockingConnectionPool.from_url(
        url, max_connections=MAX_CONNECTIONS, timeout=POOL_WAIT_SECONDS, **connection
    )
    return Redis.from_pool(pool)


def safe_redis_url(url: str) -> str:
    """The URL without its password, for logs."""
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    return f"{scheme}{sep}***@{rest.rsplit('@', 1)[1]}"


async def wait_for_redis(client: RedisClient, url: str, wait_seconds: float = 30.0) -> None:
    """Waits until Redis answers PING, at most `wait_seconds`; then says why it gave up."""
    deadline = time.monotonic() + wait_seconds
    delay = 0.2
    while True:
        try:
            await client.ping()
            return
        except REDIS_ERRORS as error:
            if time.monotonic() >= deadline:
                raise RuntimeError(
                    f"Redis {safe_redis_url(url)} did not answer within {wait_seconds:.0f}s: "
                    f"{error.__class__.__name__}"
                ) from error
            log.warning("redis not ready", url=safe_redis_url(url), retry_in=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


async def open_redis(
    url: str,
    resources: AsyncExitStack,
    *,
    name: str,
    socket_timeout: float = 1.0,
    wait_seconds: float = 30.0,
) -> RedisClient:
    """A client of the Redis (or Redis Cluster) at `url`, closed with `resources`, once it
    answers (wait_for_redis)."""
    redis = create_redis(url, socket_timeout=socket_timeout, name=name)
    resources.push_async_callback(redis.aclose)
    await wait_for_redis(redis, url, wait_seconds)
    return redis


# How long one read of a subscription waits before its reader looks whether it should stop.
SUBSCRIPTION_READ_SECONDS = 1.0


async def published(pubsub: PubSub, stopping: asyncio.Event) -> AsyncIterator[bytes]:
    """The data of each message published on `pubsub`'s channels, until `stopping` is set.

    Short reads instead of listen(): a cancellation lost inside redis-py's read (seen with the
    cluster client, whose reader then stayed "cancelling" in listen() and held up its service's
    stop for good) still lets the reader end, at its next look at `stopping`."""
    while not stopping.is_set():
        message = await pubsub.get_message(
            ignore_subscribe_messages=True, timeout=SUBSCRIPTION_READ_SECONDS
        )
        if message is not None and message.get("type") == "message":
            yield message["data"]
