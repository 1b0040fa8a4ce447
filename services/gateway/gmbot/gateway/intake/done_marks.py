"""Where the update ledger keeps a claim and a "done" mark in Redis.

Telegram numbers a bot's updates one after another, so "done" is one bit of a bitmap per bot and
block of update ids, a block kept a day after its last mark: 25 hours at 5,000 updates/s are about
110 MB of bitmaps, where a key per update took 66 GB (docs/capacity.md). A claim stays a key of
its own that lapses within seconds. An update's claim and its block carry the bot id as their
Redis Cluster hash tag, so the script that reads both finds them in one slot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# 2**16 update ids a block: 8 KiB once every bit is written.
BLOCK_BITS = 16
_UPDATE_KEY = re.compile(r"update:(\d+):(\d+)")


def update_key(bot_id: int, update_id: int) -> str:
    """The ledger's key of a bot's update: the one kind of key it can mark done."""
    return f"update:{bot_id}:{update_id}"


@dataclass(frozen=True)
class DoneBit:
    """The bit that marks an update done, in its bot's bitmap of the update's block of ids."""

    block: str
    bit: int


def claim_key(prefix: str, key: str) -> str:
    found = _UPDATE_KEY.fullmatch(key)
    if found is None:  # a claim of something else (a join's): nothing to share a slot with
        return f"{prefix}update:{key}"
    return f"{prefix}update:{{{found[1]}}}:{found[2]}"


def done_bit(prefix: str, key: str) -> DoneBit | None:
    """Where an update's "done" mark goes; None for what is not an update."""
    found = _UPDATE_KEY.fullmatch(key)
    if found is None:
        return None
    update_id = int(found[2])
    return DoneBit(
        f"{prefix}done:{{{found[1]}}}:{update_id >> BLOCK_BITS}",
        update_id & ((1 << BLOCK_BITS) - 1),
    )


# KEYS: the update's claim, its block (one hash slot). ARGV: its bit, "claimed", the claim's
# lifetime in ms. One round trip: done, else claimed here, else someone else's.
CLAIM_UPDATE = """
if redis.call('GETBIT', KEYS[2], ARGV[1]) == 1 then return 'done' end
if redis.call('SET', KEYS[1], ARGV[2], 'NX', 'PX', ARGV[3]) then return 'acquired' end
return 'busy'
"""
