"""Redis connections for the services that keep state there (membership, enforcement, gateway).

Imported only by those services. Key names live in each service's store module.
"""

from __future__ import annotations

import asyncio
import time

import structlog
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = structlog.get_logger("gmbot.redis")

REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)


def create_redis(url: str, *, socket_timeout: float = 1.0) -> Redis:
    """A pooled client with short timeouts and one quick retry: a Redis that is down must
    degrade a call at once (the callers fall back), not hold it through a backoff."""
    return Redis.from_url(
        url,
        socket_timeout=socket_timeout,
        socket_connect_timeout=socket_timeout,
        health_check_interval=15,
        retry=Retry(NoBackoff(), retries=1),
        decode_responses=False,
    )


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
