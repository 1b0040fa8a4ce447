"""Done marks as bits on a real Redis (and Redis Cluster): blocks of update ids per bot, a day
after their last mark, a few kilobytes for what took a key per update; and the keys of the
release before, which kept claims and marks alike under one key per update."""

from __future__ import annotations

import random

import pytest

from gmbot.gateway.flows.claims import Claim
from gmbot.gateway.intake.dedup import DONE_SECONDS, UpdateLedger
from gmbot.gateway.intake.done_marks import BLOCK_BITS, BotUpdate
from gmbot.runtime.redis import RedisClient

pytestmark = pytest.mark.redis_cluster


def a_bot() -> int:
    return random.randrange(1, 2**40)


async def held(redis: RedisClient, prefix: str) -> tuple[list[str], int]:
    """The keys under `prefix` (on every node of a cluster), and their MEMORY USAGE in all."""
    keys = sorted([key.decode() async for key in redis.scan_iter(match=f"{prefix}*", count=1000)])
    sizes = [int(await redis.memory_usage(key, samples=0) or 0) for key in keys]
    return keys, sum(sizes)


async def test_the_block_boundary_splits_nothing(redis: RedisClient, prefix: str) -> None:
    """65,535 is the last bit of block 0, 65,536 the first of block 1: each is done where it
    is read, and its neighbours are not."""
    bot = a_bot()
    handler, redelivered_to = UpdateLedger(redis, prefix), UpdateLedger(redis, prefix)
    for update_id in (BLOCK_BITS - 1, BLOCK_BITS):
        await handler.done(BotUpdate(bot, update_id))
    await handler.stop()

    states = [
        await redelivered_to.claim(BotUpdate(bot, update_id))
        for update_id in range(BLOCK_BITS - 2, BLOCK_BITS + 2)
    ]
    keys, _ = await held(redis, prefix)

    assert states == [Claim.ACQUIRED, Claim.DONE, Claim.DONE, Claim.ACQUIRED]
    assert [key for key in keys if ":done:" in key] == [
        f"{prefix}done:{{{bot}}}:0",
        f"{prefix}done:{{{bot}}}:1",
    ]
    assert await redis.getbit(f"{prefix}done:{{{bot}}}:0", BLOCK_BITS - 1) == 1
    assert await redis.getbit(f"{prefix}done:{{{bot}}}:1", 0) == 1


async def test_another_bots_update_of_the_same_number_is_not_done(
    redis: RedisClient, prefix: str
) -> None:
    ours, theirs = a_bot(), a_bot()
    ledger = UpdateLedger(redis, prefix)
    await ledger.done(BotUpdate(ours, 1000))
    await ledger.stop()

    assert await UpdateLedger(redis, prefix).claim(BotUpdate(theirs, 1000)) is Claim.ACQUIRED


async def test_a_block_is_kept_a_day_after_its_last_mark(redis: RedisClient, prefix: str) -> None:
    bot = a_bot()
    block = f"{prefix}done:{{{bot}}}:0"
    ledger = UpdateLedger(redis, prefix)
    await ledger.done(BotUpdate(bot, 1))
    await ledger.stop()
    first = await redis.ttl(block)
    await redis.expire(block, 60)  # its day nearly over

    await ledger.done(BotUpdate(bot, 2))
    await ledger.stop()

    assert DONE_SECONDS - 60 < first <= DONE_SECONDS
    assert DONE_SECONDS - 60 < await redis.ttl(block) <= DONE_SECONDS


async def test_a_hundred_thousand_done_updates_take_kilobytes(
    redis: RedisClient, prefix: str
) -> None:
    """A key per update took 100,000 keys of about 120 bytes (12 MB); bits take two or three
    blocks of 8 KiB, whatever the first update's place in its block (each made at its full size:
    grown mark by mark, Redis held 16 KiB for one)."""
    bot, first = a_bot(), random.randrange(2**31)
    ledger = UpdateLedger(redis, prefix)
    for update_id in range(first, first + 100_000):
        await ledger.done(BotUpdate(bot, update_id))
    await ledger.stop()

    keys, size = await held(redis, prefix)
    readers = UpdateLedger(redis, prefix)
    sampled = random.sample(range(first, first + 100_000), 20)
    states = {await readers.claim(BotUpdate(bot, update_id)) for update_id in sampled}

    assert len(keys) <= 3
    assert size / len(keys) < 12 * 1024
    assert states == {Claim.DONE}


async def test_claims_and_marks_of_the_release_before_hold_across_the_upgrade(
    redis: RedisClient, prefix: str
) -> None:
    """That release kept an update's claim and its mark under one key (`update:update:B:N`,
    "claimed" then "done"); this one keeps claims there: each release's claim holds off the
    other's, and that release's marks are done here until their day runs out."""
    bot = a_bot()
    claimed, finished, ours = (BotUpdate(bot, n) for n in (1, 2, 3))
    before = {u: f"{prefix}update:update:{bot}:{u.update_id}" for u in (claimed, finished, ours)}
    await redis.set(before[claimed], b"claimed", ex=5)
    await redis.set(before[finished], b"done", ex=60)
    ledger = UpdateLedger(redis, prefix)

    states = [await ledger.claim(claimed), await ledger.claim(finished)]
    assert await ledger.claim(ours) is Claim.ACQUIRED
    # The release before takes a claim with SET NX on that key: it finds this one's.
    taken_by_the_release_before = await redis.set(before[ours], b"claimed", nx=True, ex=5)

    assert states == [Claim.BUSY, Claim.DONE]
    assert taken_by_the_release_before is None
