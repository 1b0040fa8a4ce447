"""Answers remembered for a few seconds, per key, in a bounded map; and the same shared by every
replica of the gateway.

"I have joined" re-checks every linked channel without the cache: one getChatMember per channel
per press. A member who presses again and again within a few seconds is answered from the last
check instead (Telegram's answer would not have changed, and the budget is shared). Presses
reach whichever replica Telegram delivers them to, so the guard lives in Redis when the gateway
has one."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from gmbot.runtime.expiring import ExpiringLru
from gmbot.runtime.redis import REDIS_ERRORS, RedisClient

T = TypeVar("T")

DEFAULT_REPEAT_SECONDS = 5.0
# Someone who is not an administrator gets one command answered per group within this long: a
# group takes 20 of the bot's messages a minute, and its warnings need them.
MEMBER_ANSWER_SECONDS = 60.0
_MAX_ENTRIES = 10_000


class RecentAnswers(Generic[T]):
    """The last answer per key, kept `seconds`; the least recently used are forgotten first."""

    def __init__(
        self,
        seconds: float = DEFAULT_REPEAT_SECONDS,
        most: int = _MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._seconds = seconds
        self._clock = clock
        self._entries: ExpiringLru[Hashable, T] = ExpiringLru(most)

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> T | None:
        return self._entries.get(key, self._clock())

    def put(self, key: Hashable, answer: T) -> None:
        if self._seconds > 0:
            self._entries.put(key, answer, self._clock() + self._seconds)


class SharedAnswers:
    """Text answers kept `seconds` per key, seen by every replica: in Redis when the gateway has
    one, and in this process (which is all there is without Redis, and what this replica still
    knows while Redis fails)."""

    def __init__(
        self,
        seconds: float = DEFAULT_REPEAT_SECONDS,
        redis: RedisClient | None = None,
        prefix: str = "gmbot:gateway:recent:",
    ) -> None:
        self._seconds = seconds
        self._redis = redis
        self._prefix = prefix
        self._local: RecentAnswers[str] = RecentAnswers(seconds)

    async def get(self, key: str) -> str | None:
        found = self._local.get(key)
        if found is None and self._redis is not None:
            with contextlib.suppress(*REDIS_ERRORS):
                raw = await self._redis.get(self._prefix + key)
                found = raw.decode() if isinstance(raw, bytes) else raw
        return found

    async def put(self, key: str, answer: str) -> None:
        self._local.put(key, answer)
        if self._redis is not None and self._seconds > 0:
            with contextlib.suppress(*REDIS_ERRORS):
                await self._redis.set(self._prefix + key, answer, px=int(self._seconds * 1000))

    async def first(self, key: str) -> bool:
        """True for the first call on `key` within the window, on whichever replica."""
        if self._local.get(key) is not None:
            return False
        self._local.put(key, "")
        if self._redis is None or self._seconds <= 0:
            return True
        try:
            won = await self._redis.set(
                self._prefix + key, "", px=int(self._seconds * 1000), nx=True
            )
        except REDIS_ERRORS:
            return True  # this replica's own memory is what holds while Redis is away
        return bool(won)
