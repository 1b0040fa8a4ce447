"""Redis connections for the services that keep state there (membership, enforcement, gateway).

Imported only by those services. Key names live in each service's store module.
"""

from __future__ import annotations

import asyncio
import time

import structlog
from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = structlog.get_logger("gmbot.redis")

REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)


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


def create_redis(url: str, *, socket_timeout: float = 1.0, name: str | None = None) -> Redis:
    """A pooled client with short timeouts and one quick retry: a Redis that is down must
    degrade a call at once (the callers fall back), not hold it through a backoff. `name` is
    what CLIENT LIST shows for its connections."""
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=MAX_CONNECTIONS,
        timeout=POOL_WAIT_SECONDS,
        socket_timeout=socket_timeout,
        socket_connect_timeout=socket_timeout,
        health_check_interval=15,
        retry=Retry(NoBackoff(), retries=1),
        decode_responses=False,
        client_name=name,
    )
    return Redis.from_pool(pool)


def safe_redis_url(url: str) -> str:
    """The URL without its password, for logs."""
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    return f"{scheme}{sep}***@{rest.rsplit('@', 1)[1]}"


async def wait_for_redis(client: Redis, url: str, wait_seconds: float = 30.0) -> None:
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
