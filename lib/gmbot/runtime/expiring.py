"""A bounded map whose entries expire: what every in-process cache of GMBot is built on (the
gateway's policies, near cache, claims and recent answers), so "bounded" and "expires" are
written, and tested, once."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class ExpiringLru(Generic[K, V]):
    """At most `most` entries, each until its own expiry (on whatever clock the caller uses); the
    least recently used go first when it is full."""

    def __init__(self, most: int) -> None:
        if most < 1:
            raise ValueError("an ExpiringLru holds at least one entry")
        self._most = most
        self._entries: OrderedDict[K, tuple[V, float]] = OrderedDict()

    def get(self, key: K, now: float) -> V | None:
        """The value, or None when there is none or it expired (then it is dropped)."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[1] <= now:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry[0]

    def put(self, key: K, value: V, expires: float) -> None:
        self._entries[key] = (value, expires)
        self._entries.move_to_end(key)
        while len(self._entries) > self._most:
            self._entries.popitem(last=False)

    def live(self, now: float) -> Iterator[tuple[K, V]]:
        """Every entry not expired at `now`, without touching its recency."""
        for key, (value, expires) in list(self._entries.items()):
            if expires > now:
                yield key, value

    def pop(self, key: K) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
