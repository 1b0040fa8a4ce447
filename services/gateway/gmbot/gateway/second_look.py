"""A second look at what had to be let through because membership could not tell yet.

"Unknown" never punishes, but it is not a final answer when only the budget or Telegram's 429
made it wait: the message is judged again a little later, and again with growing pauses, until
the answer is known or Telegram no longer lets the message be deleted (48 hours). When the answer
about its sender arrives first (membership announces every answer it fetches), the message is
looked at then, not at its time: in a raid the budget is not left idle while a judged message
sleeps out its delay.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

import structlog

from gmbot.gateway.metrics import SECOND_LOOKS
from gmbot.runtime.tasks import cancel_and_wait

log = structlog.get_logger("gmbot.gateway.second_look")

T = TypeVar("T")

# Seconds after the first look; past the last one the message is left alone. The first comes
# soon: in a raid most unknowns are checks the budget held past the gateway's wait, and membership
# went on asking Telegram, so a second later the answer is there (or its fetch is, to wait on).
DELAYS = (1.0, 15.0, 60.0, 300.0, 1800.0, 3 * 3600.0, 12 * 3600.0, 46 * 3600.0)
MAX_WAITING = 50_000
CONCURRENCY = 16

# Returns True when settled (judged, whatever the verdict), False to look again later.
Look = Callable[[T], Awaitable[bool]]


class SecondLook(Generic[T]):
    def __init__(
        self,
        key_of: Callable[[T], Hashable],
        delays: tuple[float, ...] = DELAYS,
        most: int = MAX_WAITING,
    ) -> None:
        """`key_of`: what an item waits to learn about (for a message, its sender)."""
        self._key_of = key_of
        self._delays = delays
        self._most = most
        self._order = itertools.count()
        # (due on the monotonic clock, tie-breaker, attempt, key, item)
        self._due: list[tuple[float, int, int, Hashable, T]] = []
        self._waiting: Counter[Hashable] = Counter()
        self._wake = asyncio.Event()
        self._worker: asyncio.Task[None] | None = None
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._looking: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._due)

    def schedule(self, item: T, attempt: int = 0) -> None:
        if attempt >= len(self._delays):
            SECOND_LOOKS.labels("given_up").inc()
            return
        if len(self._due) >= self._most:
            SECOND_LOOKS.labels("dropped").inc()
            log.warning("too many messages waiting for a second look; this one is not")
            return
        due = time.monotonic() + self._delays[attempt]
        key = self._key_of(item)
        heapq.heappush(self._due, (due, next(self._order), attempt, key, item))
        self._waiting[key] += 1
        self._wake.set()

    def hurry(self, key: Hashable) -> None:
        """Something was learnt about `key`: what waits on it is looked at now."""
        if key not in self._waiting:  # the common case, and free: nothing waits on it
            return
        now = time.monotonic()
        self._due = [
            (min(due, now) if waits_on == key else due, order, attempt, waits_on, item)
            for due, order, attempt, waits_on, item in self._due
        ]
        heapq.heapify(self._due)
        SECOND_LOOKS.labels("hurried").inc()
        self._wake.set()

    async def start(self, look: Look[T]) -> None:
        self._worker = asyncio.create_task(self._run(look))

    async def stop(self) -> None:
        for task in (self._worker, *self._looking):
            await cancel_and_wait(task)

    async def _run(self, look: Look[T]) -> None:
        while True:
            self._wake.clear()
            if not self._due:
                await self._wake.wait()
                continue
            wait = self._due[0][0] - time.monotonic()
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=wait)
                continue
            _, _, attempt, key, item = heapq.heappop(self._due)
            self._waiting -= Counter({key: 1})
            await self._slots.acquire()
            task = asyncio.create_task(self._look_once(look, item, attempt))
            self._looking.add(task)
            task.add_done_callback(self._looking.discard)

    async def _look_once(self, look: Look[T], item: T, attempt: int) -> None:
        try:
            settled = await look(item)
        except Exception:  # a failed look is a look that did not settle
            log.warning("second look failed", exc_info=True)
            settled = False
        finally:
            self._slots.release()
        SECOND_LOOKS.labels("settled" if settled else "again").inc()
        if not settled:
            self.schedule(item, attempt + 1)
