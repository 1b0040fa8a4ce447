"""The budget in Redis: every process and replica of one bot token spaces its calls together.

Imported only by processes that carry redis-py.
"""

from __future__ import annotations

from redis.asyncio import Redis

from gmbot.runtime.budget.core import EARLY, PollingBudget, Priority, Spacing
from gmbot.runtime.budget.fairness import (
    SERVED_MEMORY_SECONDS,
    TURN_GRACE_SECONDS,
    fair_key,
    work_for,
)

# KEYS: overall next slot, overall pause, chat next slot, chat pause ("" when the call is not a
# message to a chat), one demand key per priority, then the groups waiting at this priority (a
# sorted set: until when) and when each group was last served (a sorted set). ARGV: overall
# interval ms, chat interval ms, priority, how many ms early the overall slot may be taken
# (core.EARLY), the group whose work the call is (fairness.fair_key), how long a group's last
# service (and the waiting set) is remembered in ms, how long past its slot a group's turn is
# kept in ms (fairness.TURN_GRACE_SECONDS). Returns 0 (go, slots advanced) or the ms
# to wait before asking again, rounded up: Redis turns a Lua number into an integer, and a wait
# of 0.4 ms read as 0 would be a grant the script never recorded. The same rules as
# LocalBudget.decide.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function left(key)
  if key == '' then return 0 end
  local ms = redis.call('PTTL', key)
  if ms > 0 then return ms end
  return 0
end
local paused = math.max(left(KEYS[2]), left(KEYS[4]))
if paused > 0 then return math.ceil(paused) end
local gi = tonumber(ARGV[1])
local priority = tonumber(ARGV[3])
for p = 0, priority - 1 do
  if redis.call('EXISTS', KEYS[5 + p]) == 1 then return math.ceil(gi) end
end
local function next_slot(key)
  if key == '' then return now end
  local slot = tonumber(redis.call('GET', key) or '0')
  if slot < now then slot = now end
  return slot
end
local tg = next_slot(KEYS[1])
local tc = next_slot(KEYS[3])
local overall_wait = tg - tonumber(ARGV[4]) - now
local chat_wait = tc - now
if chat_wait > 0 and chat_wait >= overall_wait then return math.ceil(chat_wait) end
local waiting, served, group = KEYS[9], KEYS[10], ARGV[5]
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
  redis.call('SET', KEYS[5 + priority], '1', 'PX', wait_ms)
  redis.call('ZADD', waiting, 'GT', now + wait_ms + tonumber(ARGV[7]), group)
  redis.call('PEXPIRE', waiting, ARGV[6])
  return math.ceil(overall_wait)
end
redis.call('ZREM', waiting, group)
redis.call('ZADD', served, now, group)
redis.call('ZREMRANGEBYSCORE', served, '-inf', now - tonumber(ARGV[6]))
redis.call('PEXPIRE', served, ARGV[6])
redis.call('SET', KEYS[1], tg + gi, 'PX', math.floor(gi * 2 + 1000))
if KEYS[3] ~= '' then
  local ci = tonumber(ARGV[2])
  redis.call('SET', KEYS[3], tc + ci, 'PX', math.floor(ci * 2 + 1000))
end
return 0
"""


class RedisBudget(PollingBudget):
    def __init__(self, redis: Redis, prefix: str, spacing: Spacing) -> None:
        """`prefix` names the budget: the same for every process of one bot token."""
        self._redis = redis
        self._prefix = prefix
        self._script = redis.register_script(_ACQUIRE)
        self._overall_ms = spacing.overall * 1000
        self._chat_ms = spacing.group_message * 1000
        self._demand = [f"{prefix}demand:{p.value}" for p in Priority]
        self._waiting = [f"{prefix}waiting:{p.value}" for p in Priority]
        self._served = f"{prefix}served"

    def _pause_key(self, chat_id: int | None) -> str:
        return f"{self._prefix}pause:{'all' if chat_id is None else chat_id}"

    async def try_acquire(self, chat_id: int | None, priority: Priority, message: bool) -> float:
        keys = [
            f"{self._prefix}next:all",
            self._pause_key(None),
            f"{self._prefix}next:{chat_id}" if message and chat_id else "",
            self._pause_key(chat_id) if chat_id else "",
            *self._demand,
            self._waiting[priority.value],
            self._served,
        ]
        args = [
            self._overall_ms,
            self._chat_ms,
            priority.value,
            self._overall_ms * EARLY,
            str(fair_key(chat_id, work_for.get())),
            int(SERVED_MEMORY_SECONDS * 1000),
            int(TURN_GRACE_SECONDS * 1000),
        ]
        return int(await self._script(keys=keys, args=args)) / 1000

    async def pause(self, chat_id: int | None, seconds: float) -> None:
        await self._redis.set(self._pause_key(chat_id), b"1", px=max(1, int(seconds * 1000)))
