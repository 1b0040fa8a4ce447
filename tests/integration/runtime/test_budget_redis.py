"""The budget in Redis, shared by every process: under contention never more than the rate in
any second, priorities and pauses as in this process."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from gmbot.runtime.budget.core import Priority, Spacing, spending
from gmbot.runtime.budget.shared import RedisBudget, budget_names
from gmbot.runtime.redis import RedisClient, create_redis

pytestmark = pytest.mark.redis_cluster


# Its throughput is measured on the clock: alone, beside no other test.
@pytest.mark.serial
async def test_a_sub_millisecond_wait_is_not_read_as_a_grant(redis_url: str) -> None:
    """Redis turns the script's Lua number into an integer: a wait of 0.4 ms used to come back
    as 0, a grant the script never recorded, and 32 workers drew up to 36 calls a second."""
    redis = create_redis(redis_url)
    prefix, _ = budget_names("test:", uuid.uuid4().hex)
    limiter = RedisBudget(redis, prefix, Spacing.of(per_second=30, group_messages_per_minute=6000))
    grants: list[float] = []

    async def worker() -> None:
        for _ in range(6):
            async with spending(limiter, None, Priority.URGENT):  # answered at once
                grants.append(time.monotonic())

    try:
        await asyncio.gather(*(worker() for _ in range(32)))
    finally:
        await _forget(redis, prefix)

    grants.sort()
    busiest = max(sum(1 for g in grants if start <= g < start + 1.0) for start in grants)
    assert busiest <= 30
    # And the budget is used: 29-30 a second here, less only when the machine stalls the loop.
    assert len(grants) / (grants[-1] - grants[0]) > 20


# Which priority goes first is told by when each was served: alone, beside no other test.
@pytest.mark.serial
@pytest.mark.parametrize(
    ("higher", "lower"), [(Priority.URGENT, Priority.CHECK), (Priority.LATER, Priority.IDLE)]
)
async def test_urgent_calls_go_before_checks_across_processes(
    redis_url: str, higher: Priority, lower: Priority
) -> None:
    """Two budgets on one Redis stand for two services: while the urgent one waits for the
    overall spacing, the other's checks wait too (and a log chat's lines behind warnings)."""
    redis = create_redis(redis_url)
    prefix, _ = budget_names("test:", uuid.uuid4().hex)
    spacing = Spacing.of(per_second=20, group_messages_per_minute=6000)
    enforcement, membership = (
        RedisBudget(redis, prefix, spacing),
        RedisBudget(redis, prefix, spacing),
    )
    order: list[str] = []
    punishing = asyncio.Event()

    async def urgent() -> None:
        for _ in range(10):
            async with spending(enforcement, None, higher):
                order.append("urgent")
                punishing.set()

    async def checks() -> None:
        # The raid is already being punished. A fixed 10 ms head start was not one on a fresh
        # cluster client: its first call, learning the slots, let a check go first in CI.
        await punishing.wait()
        for _ in range(3):
            async with spending(membership, None, lower):
                order.append("check")

    try:
        await asyncio.gather(urgent(), checks())
    finally:
        await _forget(redis, prefix)

    assert order.index("check") >= 8


# Slots of 20 ms, counted on the clock: alone, beside no other test (in the pool, on the cluster,
# 5 slots and 12 against 3 in two CI runs).
@pytest.mark.serial
async def test_a_quiet_groups_call_goes_within_a_few_slots_while_another_group_raids(
    redis_url: str,
) -> None:
    """Two budgets on one Redis stand for two replicas: one has 100 callers of a raided group
    waiting, the other one call of a quiet group (at the same priority); the quiet one is let
    through within a few of the budget's slots, not after the raid's 100."""
    redis = create_redis(redis_url)
    prefix, _ = budget_names("test:", uuid.uuid4().hex)
    spacing = Spacing.of(per_second=50, group_messages_per_minute=6000)
    first, second = RedisBudget(redis, prefix, spacing), RedisBudget(redis, prefix, spacing)
    order: list[int] = []
    under_way = asyncio.Event()

    async def call(budget: RedisBudget, chat_id: int) -> None:
        async with spending(budget, chat_id, Priority.CHECK):
            order.append(chat_id)
            if len(order) == 5:  # the raid is under way, its other callers waiting
                under_way.set()

    try:
        raid = [asyncio.create_task(call(first, -1001)) for _ in range(100)]
        await under_way.wait()
        await call(second, -1002)
        await asyncio.gather(*raid)
    finally:
        await _forget(redis, prefix)

    assert order.index(-1002) - 5 <= 3


# Slots of 200 ms, told apart on the clock: alone, beside no other test.
@pytest.mark.serial
async def test_a_check_told_to_wait_behind_a_deletion_still_goes_before_a_mute(
    redis_url: str,
) -> None:
    """As in this process (test_budget): a check turned away because a deletion waited is
    waiting too, so the mute that asks once the deletion was served does not take its slot."""
    redis = create_redis(redis_url)
    prefix, _ = budget_names("test:", uuid.uuid4().hex)
    limiter = RedisBudget(redis, prefix, Spacing.of(per_second=5, group_messages_per_minute=6000))

    async def ask(priority: Priority) -> float:
        return await limiter.try_acquire(None, priority, False, uuid.uuid4().hex)

    try:
        assert await ask(Priority.URGENT) == 0
        assert await ask(Priority.URGENT) > 0  # a deletion waits for the next slot
        assert await ask(Priority.CHECK) > 0  # a check, behind it
        # The deletion is served at its slot (its demand gone with it), the check not yet back.
        await redis.delete(f"{prefix}demand:{Priority.URGENT.value}")
        await asyncio.sleep(0.25)
        assert await ask(Priority.PUNISH) > 0
        assert await ask(Priority.CHECK) == 0
    finally:
        await _forget(redis, prefix)


async def test_a_message_waiting_for_its_groups_minute_holds_no_place_before_lower_ones(
    redis_url: str,
) -> None:
    """As in this process (test_budget_priorities): a warning whose group's minute is full is
    told its group's slot and notes no demand, so nothing lower waits behind it."""
    redis = create_redis(redis_url)
    prefix, _ = budget_names("test:", uuid.uuid4().hex)
    limiter = RedisBudget(redis, prefix, Spacing.of(per_second=10, group_messages_per_minute=60))

    async def ask(priority: Priority, chat_id: int | None = None) -> float:
        return await limiter.try_acquire(chat_id, priority, chat_id is not None, uuid.uuid4().hex)

    try:
        assert await ask(Priority.LATER, -1001) == 0  # a warning sent
        assert await ask(Priority.CHECK) > 0  # a check waits for its slot
        assert await ask(Priority.LATER, -1001) > 0.5  # the next warning: its group's slot
        assert not await redis.exists(f"{prefix}demand:{Priority.LATER.value}")
    finally:
        await _forget(redis, prefix)


async def test_a_pause_for_one_chat_holds_that_chat_only(redis_url: str) -> None:
    redis = create_redis(redis_url)
    prefix, _ = budget_names("test:", uuid.uuid4().hex)
    budget = RedisBudget(redis, prefix, Spacing.of(per_second=1000, group_messages_per_minute=6000))
    try:
        await budget.pause(-1001, 30)
        held = await budget.try_acquire(-1001, Priority.URGENT, message=False, call="held")
        other = await budget.try_acquire(-1002, Priority.URGENT, message=False, call="other")
        await budget.pause(None, 5)
        everyone = await budget.try_acquire(-1002, Priority.URGENT, message=False, call="all")
    finally:
        await _forget(redis, prefix)

    assert held > 29
    assert other == 0
    assert 4 < everyone <= 5


async def _forget(redis: RedisClient, prefix: str) -> None:
    keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()
