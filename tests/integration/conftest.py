"""What every integration test shares beyond tests/conftest.py: a client of the test's Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gmbot.runtime.redis import RedisClient, create_redis


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[RedisClient]:
    """A client of the test's Redis (a cluster's, for a `redis_cluster` test's second run)."""
    client = create_redis(redis_url)
    yield client
    await client.aclose()
