"""A rolling upgrade from the release whose budget keys had no hash tag, on one Redis: while
replicas of both run, they keep one budget (each sees the other's pauses and slots)."""

from __future__ import annotations

import time
import uuid

from gmbot.runtime.budget.core import Priority, Spacing
from gmbot.runtime.budget.shared import RedisBudget, budget_names
from gmbot.runtime.redis import create_redis


async def test_a_budget_keeps_to_the_slots_and_pauses_of_the_release_before(
    redis_url: str,
) -> None:
    redis = create_redis(redis_url)
    prefix, legacy = budget_names("test:", uuid.uuid4().hex)
    budget = RedisBudget(
        redis, prefix, Spacing.of(per_second=1, group_messages_per_minute=20), legacy
    )
    try:
        # The release before took Telegram's 429 for one chat and the overall slot just now.
        await redis.set(f"{legacy}pause:-1001", b"1", px=30_000)
        held = await budget.try_acquire(-1001, Priority.URGENT, message=False, call="held")
        now_ms = int(time.time() * 1000)
        await redis.set(f"{legacy}next:all", now_ms + 800, px=5_000)
        behind_it = await budget.try_acquire(-1002, Priority.URGENT, message=False, call="behind")
        # And it sees this release's grants and pauses.
        await redis.delete(f"{legacy}next:all")
        granted = await budget.try_acquire(-1002, Priority.URGENT, message=True, call="granted")
        its_next_slot = int(await redis.get(f"{legacy}next:all") or 0)
        its_chat_slot = int(await redis.get(f"{legacy}next:-1002") or 0)
        await budget.pause(None, 7)
        its_pause_ms = await redis.pttl(f"{legacy}pause:all")
    finally:
        keys = [key async for key in redis.scan_iter(match="test:*")]
        await redis.delete(*[k for k in keys if k.decode().startswith((prefix, legacy))])
        await redis.aclose()

    assert held > 29
    assert 0.5 < behind_it <= 0.8
    assert granted == 0
    assert its_next_slot >= now_ms + 900  # one interval (1 s) past the grant
    assert its_chat_slot >= now_ms + 2_900  # a group message every 3 s
    assert 6_000 < its_pause_ms <= 7_000
