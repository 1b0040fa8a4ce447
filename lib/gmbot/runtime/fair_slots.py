"""A bound on how much runs at once, shared fairly between groups: a freed slot goes to the group
with work waiting that was given one least recently (round-robin over the groups with work), each
group's work in the order it came, not first come first served. A raid that queued a thousand
calls ahead of a quiet group's one then holds that one back by a slot, not by the thousand.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter, deque
from collections.abc import AsyncIterator, Hashable

_NEVER = -1


class FairSlots:
    def __init__(self, slots: int) -> None:
        self._free = slots
        # Each group's waiters in order, and for the groups holding or waiting, when each was
        # last given a slot (a serial number); forgotten once a group has neither.
        self._waiting: dict[Hashable, deque[asyncio.Future[None]]] = {}
        self._holding: Counter[Hashable] = Counter()
        self._served: dict[Hashable, int] = {}
        self._serial = 0

    @contextlib.asynccontextmanager
    async def hold(self, group: Hashable) -> AsyncIterator[None]:
        """A slot for `group`'s work while the block runs."""
        await self._acquire(group)
        try:
            yield
        finally:
            self._release(group)

    async def _acquire(self, group: Hashable) -> None:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            self._grant(group)
            return
        waiter = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(group, deque()).append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release(group)  # the slot came just as the waiter left: pass it on
            else:
                self._forget(group, waiter)
            raise

    def _grant(self, group: Hashable) -> None:
        self._serial += 1
        self._served[group] = self._serial
        self._holding[group] += 1

    def _release(self, group: Hashable) -> None:
        self._free += 1
        self._holding[group] -= 1
        if self._holding[group] <= 0:
            del self._holding[group]
        while self._free > 0 and self._waiting:
            turn = min(self._waiting, key=lambda g: self._served.get(g, _NEVER))
            waiters = self._waiting[turn]
            waiter = waiters.popleft()
            if not waiters:
                del self._waiting[turn]
            if not waiter.done():
                self._free -= 1
                self._grant(turn)
                waiter.set_result(None)
        self._tidy(group)

    def _forget(self, group: Hashable, waiter: asyncio.Future[None]) -> None:
        waiters = self._waiting.get(group)
        if waiters is not None:
            with contextlib.suppress(ValueError):
                waiters.remove(waiter)
            if not waiters:
                del self._waiting[group]
        self._tidy(group)

    def _tidy(self, group: Hashable) -> None:
        if group not in self._holding and group not in self._waiting:
            self._served.pop(group, None)
