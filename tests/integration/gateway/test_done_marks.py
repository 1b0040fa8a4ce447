"""Updates' "done" marks as bits in a real Redis: blocks of update ids, their day, their size."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from gmbot.gateway.flows.claims import Claim
from gmbot.gateway.intake.dedup import UpdateLedger
from gmbot.gateway.intake.done_marks import BLOCK_BITS, update_key
from gmbot.runtime.redis import create_redis

BLOCK = 1 << BLOCK_BITS


@pytest.fixture
async def replicas(redis_url: str) -> AsyncIterator[tuple[Redis, Redis]]:
    """Two replicas' connections to one Redis."""
    first, second = create_redis(redis_url), create_redis(redis_url)
    yield first, second
    await first.aclose()
    await second.aclose()


def a_prefix() -> str:
    return f"test:dedup:{uuid.uuid4().hex}:"


def a_bot() -> int:
    return random.randrange(1, 2**40)


async def test_the_marks_either_side_of_a_block_boundary_go_to_their_own_blocks(
    replicas: tuple[Redis, Redis],
) -> None:
    first, second = replicas
    prefix, bot = a_prefix(), a_bot()
    handler, redelivered_to = UpdateLedger(first, prefix), UpdateLedger(second, prefix)
    last, next_first = 3 * BLOCK - 1, 3 * BLOCK  # the last id of block 2, the first of block 3

    for update_id in (last, next_first):
        await handler.done(update_key(bot, update_id))
    await handler.stop()

    assert await first.getbit(f"{prefix}done:{{{bot}}}:2", BLOCK - 1) == 1
    assert await first.getbit(f"{prefix}done:{{{bot}}}:3", 0) == 1
    assert [await first.bitcount(f"{prefix}done:{{{bot}}}:{block}") for block in (2, 3)] == [1, 1]
    assert await redelivered_to.claim(update_key(bot, last)) is Claim.DONE
    assert await redelivered_to.claim(update_key(bot, next_first)) is Claim.DONE
    # Their neighbours, and the same ids of another bot, are not done.
    for key in (
        update_key(bot, last - 1),
        update_key(bot, next_first + 1),
        update_key(bot + 1, last),
    ):
        assert await redelivered_to.claim(key) is Claim.ACQUIRED, key


async def test_a_block_is_forgotten_its_lifetime_after_its_last_mark(
    replicas: tuple[Redis, Redis],
) -> None:
    first, second = replicas
    prefix, bot, lifetime = a_prefix(), a_bot(), 1.0
    handler = UpdateLedger(first, prefix, done_seconds=lifetime)
    redelivered_to = UpdateLedger(second, prefix, done_seconds=lifetime)
    early, late = update_key(bot, 5 * BLOCK + 1), update_key(bot, 5 * BLOCK + 2)
    block = f"{prefix}done:{{{bot}}}:5"

    await handler.done(early)
    await handler.stop()
    await asyncio.sleep(lifetime * 0.6)
    await handler.done(late)  # a later mark in the same block: the block lives on
    await handler.stop()
    await asyncio.sleep(lifetime * 0.6)

    assert await redelivered_to.claim(early) is Claim.DONE
    assert 0 < await first.pttl(block) <= lifetime * 1000
    await asyncio.sleep(lifetime * 0.6)

    assert await first.exists(block) == 0
    assert await redelivered_to.claim(early) is Claim.ACQUIRED


async def test_a_replica_renews_a_block_s_day_once_in_a_hundredth_of_it(redis_url: str) -> None:
    redis = create_redis(redis_url)
    prefix, bot, lifetime = a_prefix(), a_bot(), 100.0  # renewed at most once a second
    ledger = UpdateLedger(redis, prefix, done_seconds=lifetime)
    block = f"{prefix}done:{{{bot}}}:0"

    async def mark(update_id: int) -> float:
        await ledger.done(update_key(bot, update_id))
        await ledger.stop()
        return int(await redis.pttl(block)) / 1000

    assert lifetime < await mark(1) <= lifetime * 1.01  # a day and its slack
    await redis.pexpire(block, 50_000)  # as if the day had run on
    assert await mark(2) <= 50  # within the slack: the write alone
    await asyncio.sleep(1.1)
    assert await mark(3) > lifetime  # past it: renewed
    await redis.aclose()


async def test_two_replicas_on_one_redis_handle_each_update_once(
    replicas: tuple[Redis, Redis],
) -> None:
    first, second = replicas
    prefix, bot = a_prefix(), a_bot()
    ledgers = UpdateLedger(first, prefix), UpdateLedger(second, prefix)
    keys = [update_key(bot, BLOCK - 100 + n) for n in range(200)]  # across a block boundary

    async def deliver(ledger: UpdateLedger, key: str) -> Claim:
        claim = await ledger.claim(key)
        if claim is Claim.ACQUIRED:
            await ledger.done(key)
        return claim

    # Telegram delivers every update to both replicas at once.
    claims = await asyncio.gather(*(deliver(ledger, key) for key in keys for ledger in ledgers))
    for ledger in ledgers:
        await ledger.stop()

    for n, key in enumerate(keys):
        assert sorted(c.value for c in claims[2 * n : 2 * n + 2]) == ["acquired", "busy"], key
        assert [await ledger.claim(key) for ledger in ledgers] == [Claim.DONE, Claim.DONE]


async def test_a_hundred_thousand_done_updates_take_about_a_bit_each(
    replicas: tuple[Redis, Redis],
) -> None:
    """As keys of their own (`gmbot:gateway:update:update:<bot>:<id>`, "done", 25 hours) the same
    marks took 12,000,000 bytes, 120 a key (docs/capacity.md)."""
    first, _ = replicas
    prefix, bot, count = a_prefix(), a_bot(), 100_000
    ledger = UpdateLedger(first, prefix)
    for update_id in range(7 * BLOCK, 7 * BLOCK + count):
        await ledger.done(update_key(bot, update_id))
    await ledger.stop()

    keys = [key async for key in first.scan_iter(match=f"{prefix}*", count=1000)]
    held = sum([int(await first.memory_usage(key, samples=0) or 0) for key in keys])

    assert len(keys) == 2  # blocks 7 and 8
    # Redis grows a string to twice what it needs: 24,816 bytes here, at most 4 bits an update.
    assert count / 8 <= held <= count / 2, held
