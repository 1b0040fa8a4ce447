"""The work queue in process: an in-process priority queue, urgent actions (deletions, mutes,
releases) before housekeeping, refilled from the ledger by the sweeper after a restart. The
ledger holds the truth; the queue only hands out action ids. With Redis, the queue is
outbound/streams.py, imported only then (redis-py weighs about 8 MiB).
"""

from __future__ import annotations

import asyncio
import itertools

from gmbot.enforcement.domain.work_queue import Delivery, Lane
from gmbot.runtime.tracing import sent


class LocalQueue:
    unreachable: tuple[type[BaseException], ...] = ()  # nothing to reach

    def __init__(self) -> None:
        self._items: asyncio.PriorityQueue[tuple[int, int, str, dict[str, str]]] = (
            asyncio.PriorityQueue()
        )
        self._order = itertools.count()

    async def put(self, action_id: str, lane: Lane) -> None:
        self._items.put_nowait((lane.value, next(self._order), action_id, sent()))

    async def take(self, wait_seconds: float, count: int = 1) -> list[Delivery]:
        try:
            items = [await asyncio.wait_for(self._items.get(), wait_seconds)]
        except TimeoutError:
            return []
        while len(items) < count and not self._items.empty():
            items.append(self._items.get_nowait())
        return [Delivery(action_id, Lane(lane), trace=trace) for lane, _, action_id, trace in items]

    async def ack(self, delivery: Delivery) -> None:
        """Nothing to do: the ledger knows what is finished."""

    async def heartbeat(self, seconds: float) -> None:
        """Nothing to say: this process is the only consumer."""
