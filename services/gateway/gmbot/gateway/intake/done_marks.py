"""Where Redis keeps that an update is done: one bit per update, in a bitmap per bot and block.

Telegram numbers a bot's updates one after another (and skips ahead after a quiet week), so a
block of 2**16 update ids is one string of at most 8 KiB, remembered for DONE_SECONDS after its
last mark. The bot's id is the blocks' hash tag: a bot's blocks share a Redis Cluster slot, and
another bot's update ids (a second bot on the same Redis and prefix) are never read as its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

BLOCK_BITS = 1 << 16

# KEYS: a block. ARGV: its lifetime in seconds, then the bits to set. One call a block and batch:
# the marks and their renewed day together, whatever else runs between two batches. A new
# block's last bit is written first: Redis then makes it at its full 8 KiB at once, where a block
# grown mark by mark has its room doubled and holds 16 KiB.
MARK_DONE = f"""
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('SETBIT', KEYS[1], {BLOCK_BITS - 1}, 0) end
for i = 2, #ARGV do redis.call('SETBIT', KEYS[1], ARGV[i], 1) end
return redis.call('EXPIRE', KEYS[1], ARGV[1])
"""


@dataclass(frozen=True)
class BotUpdate:
    """One update of one bot: update ids count per bot, so they mean nothing without it."""

    bot_id: int
    update_id: int

    @property
    def key(self) -> str:
        """Its claim's key in the ledger (as the releases before named it)."""
        return f"update:{self.bot_id}:{self.update_id}"

    def block(self, prefix: str) -> str:
        return f"{prefix}done:{{{self.bot_id}}}:{self.update_id // BLOCK_BITS}"

    @property
    def bit(self) -> int:
        return self.update_id % BLOCK_BITS


def by_block(prefix: str, updates: Iterable[BotUpdate]) -> dict[str, list[int]]:
    """The bits to set, block by block."""
    bits: defaultdict[str, list[int]] = defaultdict(list)
    for update in updates:
        bits[update.block(prefix)].append(update.bit)
    return bits
