"""The bounded, expiring memory of recent "I have joined" answers."""

from __future__ import annotations

import uuid

from gmbot.gateway.stores.recent import RecentAnswers, SharedAnswers
from gmbot.runtime.redis import create_redis


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_answer_is_reused_within_the_window_then_forgotten() -> None:
    clock = Clock()
    recent: RecentAnswers[str] = RecentAnswers(seconds=5, clock=clock)

    recent.put((-1001, 7), "still missing: News")
    clock.now += 4.9
    within = recent.get((-1001, 7))
    clock.now += 0.2
    after = recent.get((-1001, 7))

    assert within == "still missing: News"
    assert after is None
    assert len(recent) == 0


def test_the_least_recently_used_answers_are_forgotten_past_the_bound() -> None:
    recent: RecentAnswers[int] = RecentAnswers(seconds=60, most=3)

    for n in range(3):
        recent.put(n, n)
    assert recent.get(0) == 0  # used again: now the most recent
    recent.put(3, 3)

    assert len(recent) == 3
    assert recent.get(1) is None
    assert [recent.get(n) for n in (0, 2, 3)] == [0, 2, 3]


def test_a_zero_window_remembers_nothing() -> None:
    recent: RecentAnswers[str] = RecentAnswers(seconds=0)

    recent.put("k", "v")

    assert recent.get("k") is None


async def test_a_first_answer_is_first_on_every_replica_sharing_redis(redis_url: str) -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    clients = [create_redis(redis_url), create_redis(redis_url)]
    one, other = (SharedAnswers(60, redis, prefix) for redis in clients)
    try:
        assert await one.first("-1001:7")
        assert not await other.first("-1001:7")
        assert not await one.first("-1001:7")
        assert await other.first("-1001:8")
    finally:
        await clients[0].delete(f"{prefix}-1001:7", f"{prefix}-1001:8")
        for redis in clients:
            await redis.aclose()


async def test_without_redis_a_replica_still_keeps_its_own_answers() -> None:
    unreachable = create_redis("redis://127.0.0.1:1/0", socket_timeout=0.2)
    shared = SharedAnswers(60, unreachable)
    try:
        assert await shared.first("-1001:7")
        assert not await shared.first("-1001:7")
        await shared.put("k", "answer")
        assert await shared.get("k") == "answer"
    finally:
        await unreachable.aclose()
