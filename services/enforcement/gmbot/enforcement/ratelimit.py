"""Telegram's limits as one budget for every replica: GCRA buckets (overall, and per group for
messages) and the pauses a 429 asks for, atomically in Redis (in this process without it)."""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from redis.asyncio import Redis

from gmbot.enforcement.keys import Keys
from gmbot.enforcement.metrics import RATE_LIMIT_WAIT_SECONDS

# Spacing slightly wider than the nominal rate keeps clocks and network jitter from ever
# tipping a window over Telegram's count (a group's minute is the tighter one: a message built
# and sent a little late must still not be the 21st).
SAFETY = 1.05
GROUP_SAFETY = 1.1

# KEYS: global tat, global pause, chat tat, chat pause ("" when the call is not a message).
# ARGV: global interval ms, chat interval ms. Returns 0 (go, both buckets advanced) or the ms to
# wait before asking again (rounded up: Redis turns a Lua number into an integer, and a wait of
# 0.4 ms read as 0 would be a grant the script never recorded). The overall bucket tolerates
# half an interval of lateness (a worker that wakes a few ms after its slot does not waste it);
# the per-group bucket tolerates none, so a group never gets more than its messages a minute.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
local function paused(key)
  if key == '' then return 0 end
  local left = redis.call('PTTL', key)
  if left > 0 then return left end
  return 0
end
wait = math.max(paused(KEYS[2]), paused(KEYS[4]))
if wait > 0 then return math.ceil(wait) end
local function next_slot(key)
  if key == '' then return now end
  local tat = tonumber(redis.call('GET', key) or '0')
  if tat < now then tat = now end
  return tat
end
local tg = next_slot(KEYS[1])
local tc = next_slot(KEYS[3])
wait = math.max(tg - tonumber(ARGV[1]) / 2 - now, tc - now)
if wait > 0 then return math.ceil(wait) end
local gi = tonumber(ARGV[1])
redis.call('SET', KEYS[1], tg + gi, 'PX', math.floor(gi * 2 + 1000))
if KEYS[3] ~= '' then
  local ci = tonumber(ARGV[2])
  redis.call('SET', KEYS[3], tc + ci, 'PX', math.floor(ci * 2 + 1000))
end
return 0
"""


class RateLimiter(Protocol):
    async def acquire(self, chat_id: int | None) -> None:
        """Waits for a slot: overall, and in the group's message budget when chat_id is set."""

    async def pause(self, chat_id: int | None, seconds: float) -> None:
        """Honours a 429: nobody calls (for that chat, or at all) for `seconds`."""


class RedisRateLimiter:
    def __init__(
        self, redis: Redis, keys: Keys, per_second: float, group_per_minute: float
    ) -> None:
        self._keys = keys
        self._script = redis.register_script(_ACQUIRE)
        self._redis = redis
        self._global_ms = 1000.0 / per_second * SAFETY
        self._chat_ms = 60_000.0 / group_per_minute * GROUP_SAFETY

    async def acquire(self, chat_id: int | None) -> None:
        started = time.monotonic()
        keys = [
            self._keys.global_rate,
            self._keys.global_pause,
            self._keys.chat_rate(chat_id) if chat_id is not None else "",
            self._keys.chat_pause(chat_id) if chat_id is not None else "",
        ]
        while True:
            wait_ms = int(await self._script(keys=keys, args=[self._global_ms, self._chat_ms]))
            if wait_ms <= 0:
                break
            await asyncio.sleep(wait_ms / 1000)
        RATE_LIMIT_WAIT_SECONDS.observe(time.monotonic() - started)

    async def pause(self, chat_id: int | None, seconds: float) -> None:
        key = self._keys.chat_pause(chat_id) if chat_id is not None else self._keys.global_pause
        await self._redis.set(key, b"1", px=max(1, int(seconds * 1000)))


class LocalRateLimiter:
    def __init__(self, per_second: float, group_per_minute: float) -> None:
        self._global = 1.0 / per_second * SAFETY
        self._chat = 60.0 / group_per_minute * GROUP_SAFETY
        self._next: dict[int | None, float] = {}
        self._paused: dict[int | None, float] = {}
        self._lock = asyncio.Lock()

    def _wait(self, chat_id: int | None, now: float) -> float:
        wait = (
            max(self._paused.get(None, 0.0), self._paused.get(chat_id, 0.0) if chat_id else 0.0)
            - now
        )
        # Half an interval of lateness tolerated overall, none per group (as in the Redis script).
        wait = max(wait, self._next.get(None, 0.0) - self._global / 2 - now)
        if chat_id is not None:
            wait = max(wait, self._next.get(chat_id, 0.0) - now)
        return wait

    async def acquire(self, chat_id: int | None) -> None:
        started = time.monotonic()
        while True:
            async with self._lock:
                now = time.monotonic()
                wait = self._wait(chat_id, now)
                if wait <= 0:
                    self._next[None] = max(self._next.get(None, 0.0), now) + self._global
                    if chat_id is not None:
                        self._next[chat_id] = max(self._next.get(chat_id, 0.0), now) + self._chat
                    break
            await asyncio.sleep(wait)
        RATE_LIMIT_WAIT_SECONDS.observe(time.monotonic() - started)

    async def pause(self, chat_id: int | None, seconds: float) -> None:
        self._paused[chat_id] = time.monotonic() + seconds
