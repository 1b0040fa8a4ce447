"""Answers remembered for a few seconds, per key, in a bounded map.

"I have joined" re-checks every linked channel without the cache: one getChatMember per channel
per press. A member who presses again and again within a few seconds is answered from the last
check instead (Telegram's answer would not have changed, and the budget is shared)."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from gmbot.runtime.expiring import ExpiringLru

T = TypeVar("T")

DEFAULT_REPEAT_SECONDS = 5.0
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
