"""The budget in Redis: every process and replica of one bot token spaces its calls together.

Its client comes from gmbot.runtime.redis: this module loads no redis-py of its own, so a process
configured without Redis does without it (about 8 MiB).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from gmbot.runtime.budget.core import EARLY, Grant, PollingBudget, Priority, Spacing
from gmbot.runtime.budget.fairness import (
    SERVED_MEMORY_SECONDS,
    TURN_GRACE_SECONDS,
    fair_key,
    work_for,
)

if TYPE_CHECKING:
    from gmbot.runtime.redis import RedisClient

# KEYS: overall next slot, overall pause, chat next slot, chat pause (a key never written when
# the call is not a message to a chat), one demand key per priority, then the groups waiting at
# this priority (a sorted set: until when), when each group was last served (a sorted set), the
# calls counting in Telegram's second and those counting in the chat's minute (sorted sets: each
# call, until when it counts; gmbot.runtime.budget.window); then, while a single Redis may still
# hold the budget under its names from before the hash tag (docs/redis-cluster.md), the same four
# slot and pause keys under those names: read as well, and the slots written to both, so replicas
# of either release share one budget during a rolling upgrade. All the other keys share the
# budget's hash tag: one slot of a Redis Cluster.
# ARGV: overall interval ms, chat interval ms, priority, how many ms early the overall slot may be
# taken (core.EARLY), the group whose work the call is (fairness.fair_key), how long a group's last
# service (and the waiting set) is remembered in ms, how long past its slot a group's turn is
# kept in ms (fairness.TURN_GRACE_SECONDS), "1" when the chat's slot counts, how many priorities
# there are (the demand keys), the call's id, then for the second and the chat's minute each: how
# many calls it holds, and how long a call counts unanswered in ms. Returns 0 (go, slots advanced,
# the call counted) or the ms to wait before asking again, rounded up: Redis turns a Lua number
# into an integer, and a wait of 0.4 ms read as 0 would be a grant the script never recorded.
# The same rules as LocalBudget.decide.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
-- The demand keys are as many as the priorities; the keys before the hash tag come last.
local priorities = tonumber(ARGV[9])
local waiting, served = KEYS[5 + priorities], KEYS[6 + priorities]
local calls, messages = KEYS[7 + priorities], KEYS[8 + priorities]
local old_at = 8 + priorities
local legacy = #KEYS > old_at
local function left(key)
  local ms = redis.call('PTTL', key)
  if ms > 0 then return ms end
  return 0
end
local paused = math.max(left(KEYS[2]), left(KEYS[4]))
if legacy then paused = math.max(paused, left(KEYS[old_at + 2]), left(KEYS[old_at + 4])) end
if paused > 0 then return math.ceil(paused) end
local gi = tonumber(ARGV[1])
local ci = tonumber(ARGV[2])
local priority = tonumber(ARGV[3])
-- Someone at priority p waits until ms from now (a longer wait already noted stays).
local function wants(p, ms)
  if redis.call('PTTL', KEYS[5 + p]) < ms then redis.call('SET', KEYS[5 + p], '1', 'PX', ms) end
end
local function next_slot(key, old)
  local slot = tonumber(redis.call('GET', key) or '0')
  if old then slot = math.max(slot, tonumber(redis.call('GET', old) or '0')) end
  if slot < now then slot = now end
  return slot
end
local function advance(key, old, slot, interval)
  local ttl = math.floor(interval * 2 + 1000)
  redis.call('SET', key, slot, 'PX', ttl)
  if old then redis.call('SET', old, slot, 'PX', ttl) end
end
-- 0 when one more call fits in the window; else until a call held stops counting, at most `cap`
-- (a call still in flight may be answered sooner).
local function window_wait(key, limit, cap)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local excess = redis.call('ZCARD', key) - limit
  if excess < 0 then return 0 end
  local held = redis.call('ZRANGE', key, excess, excess, 'WITHSCORES')
  return math.min(tonumber(held[2]) - now, cap)
end
local function hold(key, unanswered)
  redis.call('ZADD', key, now + unanswered, ARGV[10])
  redis.call('PEXPIRE', key, unanswered)
end
local message = ARGV[8] == '1'
local tg = next_slot(KEYS[1], legacy and KEYS[old_at + 1])
local tc = next_slot(KEYS[3], legacy and KEYS[old_at + 3])
local overall_wait = tg - tonumber(ARGV[4]) - now
overall_wait = math.max(overall_wait, window_wait(calls, tonumber(ARGV[11]), gi))
local chat_wait = tc - now
if message then chat_wait = math.max(chat_wait, window_wait(messages, tonumber(ARGV[13]), ci)) end
local behind = false
for p = 0, priority - 1 do
  if redis.call('EXISTS', KEYS[5 + p]) == 1 then behind = true break end
end
-- The chat's own slot further off than anyone's turn: no place in the queue claimed meanwhile.
local ahead = overall_wait
if behind then ahead = math.max(ahead, gi) end
if chat_wait > 0 and chat_wait >= ahead then return math.ceil(chat_wait) end
if behind then
  wants(priority, math.ceil(2 * gi))
  return math.ceil(gi)
end
local group = ARGV[5]
local function last_served(member)
  return tonumber(redis.call('ZSCORE', served, member) or '-1')
end
if overall_wait <= 0 then
  redis.call('ZREMRANGEBYSCORE', waiting, '-inf', now)
  local mine = last_served(group)
  for _, other in ipairs(redis.call('ZRANGE', waiting, 0, -1)) do
    if other ~= group and last_served(other) < mine then
      overall_wait = gi
      break
    end
  end
end
if overall_wait > 0 then
  local wait_ms = math.ceil(overall_wait + gi)
  wants(priority, wait_ms)
  redis.call('ZADD', waiting, 'GT', now + wait_ms + tonumber(ARGV[7]), group)
  redis.call('PEXPIRE', waiting, ARGV[6])
  return math.ceil(overall_wait)
end
redis.call('ZREM', waiting, group)
redis.call('ZADD', served, now, group)
redis.call('ZREMRANGEBYSCORE', served, '-inf', now - tonumber(ARGV[6]))
redis.call('PEXPIRE', served, ARGV[6])
advance(KEYS[1], legacy and KEYS[old_at + 1], tg + gi, gi)
hold(calls, tonumber(ARGV[12]))
if message then
  advance(KEYS[3], legacy and KEYS[old_at + 3], tc + ci, ci)
  hold(messages, tonumber(ARGV[14]))
end
return 0
"""
# KEYS: the calls counting in Telegram's second, those counting in the chat's minute (or a key
# never written). ARGV: the call's id, the second's span ms, the minute's span ms. The call
# counts one span after now, in each window that still holds it: now rounded up to the ms, or a
# call answered at .9 of a ms would stop counting before a whole span had passed.
_ANSWERED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.ceil(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
redis.call('ZADD', KEYS[2], 'XX', now + tonumber(ARGV[3]), ARGV[1])
return 0
"""


def budget_names(prefix: str, bot_id: str) -> tuple[str, str]:
    """The key prefix of one bot token's budget, its id as the hash tag, and the prefix the
    releases before the tag used (read during the upgrade from them)."""
    return f"{prefix}{{{bot_id}}}:", f"{prefix}{bot_id}:"


class _Names:
    """The keys of one budget under one prefix."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.unused = f"{prefix}none"  # stands for the chat's keys when a call has none

    def next_slot(self, chat_id: int | None) -> str:
        return f"{self.prefix}next:{'all' if chat_id is None else chat_id}"

    def pause(self, chat_id: int | None) -> str:
        return f"{self.prefix}pause:{'all' if chat_id is None else chat_id}"

    def slots(self, chat_id: int | None, message: bool) -> list[str]:
        """Overall next slot and pause, then the chat's (or `unused`)."""
        return [
            self.next_slot(None),
            self.pause(None),
            self.next_slot(chat_id) if message and chat_id else self.unused,
            self.pause(chat_id) if chat_id else self.unused,
        ]

    def held(self, chat_id: int | None, message: bool) -> list[str]:
        """The calls counting in Telegram's second, then in the chat's minute (or `unused`)."""
        return [
            f"{self.prefix}held:all",
            f"{self.prefix}held:{chat_id}" if message and chat_id else self.unused,
        ]


class RedisBudget(PollingBudget):
    def __init__(
        self, redis: RedisClient, prefix: str, spacing: Spacing, legacy_prefix: str | None = None
    ) -> None:
        """`prefix` names the budget: the same for every process of one bot token, with a hash
        tag (`budget_names`). `legacy_prefix`: the name it had before the tag, on a single Redis
        that releases from before may still be using during an upgrade."""
        super().__init__()
        self._redis = redis
        self._names = _Names(prefix)
        self._legacy = None if legacy_prefix is None else _Names(legacy_prefix)
        self._script = redis.register_script(_ACQUIRE)
        self._answered = redis.register_script(_ANSWERED)
        self._spacing = spacing
        self._overall_ms = spacing.overall * 1000
        self._chat_ms = spacing.group_message * 1000
        self._demand = [f"{prefix}demand:{p.value}" for p in Priority]
        self._waiting = [f"{prefix}waiting:{p.value}" for p in Priority]
        self._served = f"{prefix}served"

    async def try_acquire(
        self, chat_id: int | None, priority: Priority, message: bool, call: str
    ) -> float:
        keys = [
            *self._names.slots(chat_id, message),
            *self._demand,
            self._waiting[priority.value],
            self._served,
            *self._names.held(chat_id, message),
            *(self._legacy.slots(chat_id, message) if self._legacy else ()),
        ]
        spacing = self._spacing
        args = [
            self._overall_ms,
            self._chat_ms,
            priority.value,
            self._overall_ms * EARLY,
            str(fair_key(chat_id, work_for.get())),
            int(SERVED_MEMORY_SECONDS * 1000),
            int(TURN_GRACE_SECONDS * 1000),
            "1" if message and chat_id else "0",
            len(self._demand),
            call,
            spacing.calls.limit,
            _ms(spacing.unanswered(spacing.calls)),
            spacing.group_messages.limit,
            _ms(spacing.unanswered(spacing.group_messages)),
        ]
        return int(await self._script(keys=keys, args=args)) / 1000

    async def answered(self, grant: Grant) -> None:
        spacing = self._spacing
        await self._answered(
            keys=self._names.held(grant.chat_id, grant.message),
            args=[grant.call, _ms(spacing.calls.span), _ms(spacing.group_messages.span)],
        )

    async def pause(self, chat_id: int | None, seconds: float) -> None:
        ms = max(1, int(seconds * 1000))
        await self._redis.set(self._names.pause(chat_id), b"1", px=ms)
        if self._legacy is not None:
            await self._redis.set(self._legacy.pause(chat_id), b"1", px=ms)


def _ms(seconds: float) -> int:
    """Whole milliseconds, rounded up: a window's span never shortened by the rounding."""
    return math.ceil(seconds * 1000)
