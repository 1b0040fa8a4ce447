"""What a day of de-duplication holds in Redis: `--updates` updates marked done, as the release
before marked them (a key per update, "done" for 25 hours) and as the update ledger marks them
now (a bit per update in its bot's block of 2**16 update ids), side by side on one Redis.

    .venv/bin/python -m bench.dedup_marks [--updates 100000] [--redis-url redis://127.0.0.1:6379/0]

Each side writes under a prefix of its own and is read back by SCAN and MEMORY USAGE (the
keys' own bytes: what Redis holds for them, its allocator's rounding included), then removed.
The release before wrote its marks as a pipeline of SETs a batch; its side does the same. The
ledger's side is the real UpdateLedger: `done` for each update, then `stop`, which writes what is
held. Claims are in neither figure: a claim is a key of seconds in both (CLAIM_SECONDS while no
handler renews it). The last line scales both to 25 hours at 5,000 updates/s (docs/capacity.md).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import uuid
from collections.abc import Awaitable, Callable

from redis.asyncio import Redis

from bench.capacity_probes import key_usage
from bench.report import Target, table, targets
from gmbot.gateway.intake.dedup import DONE_SECONDS, UpdateLedger
from gmbot.gateway.intake.done_marks import BLOCK_BITS, BotUpdate

# As the release before's ledger: one pipeline a batch, 20 ms of updates (100 at 5,000/s).
_BATCH = 100
# Updates in 25 hours at 5,000 a second: what a day of marks holds at docs/capacity.md's rate.
_A_DAY_AT_SCALE = 5_000 * DONE_SECONDS


async def marked_before(redis: Redis, prefix: str, bot: int, first: int, count: int) -> None:
    """The release before's marks: `update:update:B:N` = "done" for DONE_SECONDS each."""
    for start in range(first, first + count, _BATCH):
        async with redis.pipeline(transaction=False) as pipe:
            for update_id in range(start, min(start + _BATCH, first + count)):
                pipe.set(f"{prefix}update:update:{bot}:{update_id}", b"done", ex=DONE_SECONDS)
            await pipe.execute()


async def marked_now(redis: Redis, prefix: str, bot: int, first: int, count: int) -> None:
    ledger = UpdateLedger(redis, prefix)
    for start in range(first, first + count, _BATCH):
        for update_id in range(start, min(start + _BATCH, first + count)):
            await ledger.done(BotUpdate(bot, update_id))
        await ledger.stop()  # the batch written, as its writer does 20 ms after the first


Marker = Callable[[Redis, str, int, int, int], Awaitable[None]]


async def measure(redis: Redis, marker: Marker, count: int) -> dict[str, int]:
    prefix = f"bench:{uuid.uuid4().hex}:"
    bot, first = random.randrange(1, 2**40), random.randrange(2**31)
    await marker(redis, prefix, bot, first, count)
    usage = await key_usage(redis, prefix, set(), set())
    keys = [key async for key in redis.scan_iter(match=f"{prefix}*", count=1000)]
    for start in range(0, len(keys), 1000):
        await redis.delete(*keys[start : start + 1000])
    return {
        "keys": sum(usage.keys_by_kind.values()),
        "bytes": sum(usage.bytes_by_kind.values()),
    }


async def run(url: str, count: int) -> list[Target]:
    redis = Redis.from_url(url)
    try:
        before = await measure(redis, marked_before, count)
        now = await measure(redis, marked_now, count)
    finally:
        await redis.aclose()
    rows = [
        [label, f"{side['keys']:,}", f"{side['bytes']:,}", f"{side['bytes'] / count:.3f}"]
        for label, side in (("a key per update (before)", before), ("bits (now)", now))
    ]
    print(f"{count:,} updates marked done, one bot, update ids in a row")
    print(table(["marks", "keys", "bytes", "bytes/update"], rows))
    print(f"bytes before/now: {before['bytes'] / max(now['bytes'], 1):,.0f}x")
    blocks = _A_DAY_AT_SCALE / BLOCK_BITS
    print(
        f"25 h at 5,000 updates/s: before {_A_DAY_AT_SCALE * before['bytes'] / count / 1e9:.1f} GB"
        f" in {_A_DAY_AT_SCALE:,} keys; now {blocks * now['bytes'] / now['keys'] / 1e6:.0f} MB"
        f" in {blocks:,.0f} blocks"
    )
    return [
        Target("keys held", "a few blocks", f"{now['keys']:,}", now["keys"] <= count // 2**16 + 2),
        Target("bytes held", "kilobytes", f"{now['bytes']:,}", now["bytes"] < 64 * 1024),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--updates", type=int, default=100_000)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    options = parser.parse_args()
    print(targets(asyncio.run(run(options.redis_url, options.updates))))


if __name__ == "__main__":
    main()
