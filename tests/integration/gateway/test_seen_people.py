"""The people seen writing, shared by two gateway replicas through a real Redis: a name and an
@username one replica saw are found by the other (the exempt list, /exempt @name)."""

from __future__ import annotations

import uuid

from gmbot.gateway.stores.seen_people import SeenPeople
from gmbot.runtime.redis import create_redis


async def test_one_replica_finds_whom_the_other_saw(redis_url: str) -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    first_redis, second_redis = create_redis(redis_url), create_redis(redis_url)
    try:
        first, second = SeenPeople(first_redis, prefix), SeenPeople(second_redis, prefix)

        await first.seen(501, "Boris", "Boris_B")
        await first.seen(501, "Boris Petrov", "Boris_B")  # renamed: the new name wins

        assert await second.by_username("@boris_b") == 501
        assert await second.name(501) == "Boris Petrov"
        assert await second.by_username("@nobody") is None
        assert await second.name(502) is None
    finally:
        await first_redis.aclose()
        await second_redis.aclose()
