"""A second look at what had to be let through because membership could not tell yet.

"Unknown" never punishes, but it is not a final answer when only the budget or Telegram's 429
made it wait: the message is judged again a little later, and again with growing pauses, until
the answer is known or Telegram no longer lets the message be deleted (48 hours). When the answer
about its sender arrives first (membership announces every answer it fetches), the message is
looked at then, not at its time: in a raid the budget is not left idle while a judged message
sleeps out its delay.

What waits is kept beyond the process (stores.waiting_looks): a gateway stopped or killed before
a look hands it to its next start or, with Redis, to another replica.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import structlog

from gmbot.gateway.metrics import SECOND_LOOKS
from gmbot.gateway.stores.replica_spools import BEAT_SECONDS
from gmbot.gateway.stores.waiting_looks import KeptLook, WaitingLooks
from gmbot.runtime.tasks import cancel_and_wait

log = structlog.get_logger("gmbot.gateway.flows.second_look")

T = TypeVar("T")

# Seconds after the first look; past the last one the message is left alone. The first comes
# soon: in a raid most unknowns are checks the budget held past the gateway's wait, and membership
# went on asking Telegram, so a second later the answer is there (or its fetch is, to wait on).
DELAYS = (1.0, 15.0, 60.0, 300.0, 1800.0, 3 * 3600.0, 12 * 3600.0, 46 * 3600.0)
MAX_WAITING = 50_000
CONCURRENCY = 16
# Stale heap entries tolerated beyond the waiting items before the heap is rebuilt without them.
STALE_SLACK = 64

# Returns True when settled (judged, whatever the verdict), False to look again later.
Look = Callable[[T], Awaitable[bool]]


@dataclass(slots=True)
class Waiting(Generic[T]):
    item: T
    key: Hashable
    attempt: int
    due: float  # on the monotonic clock


class DueQueue(Generic[T]):
    """What waits, earliest due first; everything waiting on one key can be brought forward.

    In a raid tens of thousands of messages wait and answers arrive by the thousand a second,
    so nothing here walks what waits: push, pop and bringing an item forward cost O(log n). A
    heap of (due, order) with lazy deletion: an item brought forward is pushed again with its new
    due, and its old entry, stale once its due is no longer the item's, is skipped when it
    surfaces. When stale entries outnumber the waiting items the heap is rebuilt without them, so
    it stays within twice their number (O(1) a hurry, amortized).
    """

    def __init__(self) -> None:
        self._order = itertools.count()
        self._heap: list[tuple[float, int]] = []
        self._waiting: dict[int, Waiting[T]] = {}
        self._by_key: dict[Hashable, set[int]] = {}

    def __len__(self) -> int:
        return len(self._waiting)

    def push(self, item: T, key: Hashable, attempt: int, due: float) -> None:
        order = next(self._order)
        self._waiting[order] = Waiting(item, key, attempt, due)
        self._by_key.setdefault(key, set()).add(order)
        heapq.heappush(self._heap, (due, order))

    def hurry(self, key: Hashable, now: float) -> bool:
        """Brings what waits on `key` forward to `now`; False when nothing waits on it."""
        orders = self._by_key.get(key)
        if not orders:
            return False
        for order in orders:
            waiting = self._waiting[order]
            if waiting.due > now:
                waiting.due = now
                heapq.heappush(self._heap, (now, order))
        if len(self._heap) > 2 * len(self._waiting) + STALE_SLACK:
            self._heap = [(w.due, order) for order, w in self._waiting.items()]
            heapq.heapify(self._heap)
        return True

    def next_due(self) -> float | None:
        self._drop_stale()
        return self._heap[0][0] if self._heap else None

    def pop(self) -> Waiting[T]:
        """The earliest item, taken out (the queue must not be empty)."""
        self._drop_stale()
        _, order = heapq.heappop(self._heap)
        waiting = self._waiting.pop(order)
        orders = self._by_key[waiting.key]
        orders.discard(order)
        if not orders:
            del self._by_key[waiting.key]
        return waiting

    def _drop_stale(self) -> None:
        while self._heap:
            due, order = self._heap[0]
            waiting = self._waiting.get(order)
            if waiting is not None and waiting.due == due:
                return
            heapq.heappop(self._heap)


@dataclass(frozen=True)
class Keeping(Generic[T]):
    """Where what waits is kept beyond the process (stores.waiting_looks), and how an item is
    written there and read back."""

    looks: WaitingLooks
    update_id: Callable[[T], int]
    encode: Callable[[T], dict[str, Any]]
    decode: Callable[[dict[str, Any]], T]


class SecondLook(Generic[T]):
    def __init__(
        self,
        key_of: Callable[[T], Hashable],
        delays: tuple[float, ...] = DELAYS,
        most: int = MAX_WAITING,
        keeping: Keeping[T] | None = None,
    ) -> None:
        """`key_of`: what an item waits to learn about (for a message, its sender). Without
        `keeping`, what waits is lost with the process (the tests' and benches' queues)."""
        self._key_of = key_of
        self._delays = delays
        self._most = most
        self._keeping = keeping
        self._queue: DueQueue[T] = DueQueue()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._looking: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._queue)

    async def schedule(self, item: T, attempt: int = 0) -> None:
        """Waits for `item`'s next look, kept (when kept at all) once this returns."""
        if attempt >= len(self._delays):
            SECOND_LOOKS.labels("given_up").inc()
            await self._forget(item)
            return
        if len(self._queue) >= self._most:
            SECOND_LOOKS.labels("dropped").inc()
            log.warning("too many messages waiting for a second look; this one is not")
            await self._forget(item)
            return
        delay = self._delays[attempt]
        self._queue.push(item, self._key_of(item), attempt, time.monotonic() + delay)
        self._wake.set()
        if self._keeping is None:
            return
        kept = KeptLook(
            self._keeping.update_id(item), attempt, time.time() + delay, self._keeping.encode(item)
        )
        try:
            await self._keeping.looks.keep(kept)
        except Exception as error:  # it still waits here; only a restart before its look loses it
            SECOND_LOOKS.labels("not_kept").inc()
            log.warning("a message waiting for a second look not kept", error=str(error))

    def hurry(self, key: Hashable) -> None:
        """Something was learnt about `key`: what waits on it is looked at now."""
        if self._queue.hurry(key, time.monotonic()):
            SECOND_LOOKS.labels("hurried").inc()
            self._wake.set()

    async def start(self, look: Look[T]) -> None:
        """Takes back what was kept before the last stop, then looks when each is due."""
        if self._keeping is not None:
            try:
                self._take(await self._keeping.looks.load(), "resumed")
            except Exception as error:  # then the next beat's take-over finds them (Redis)
                log.warning("the second looks kept before the last stop not read", error=str(error))
            self._tasks.append(asyncio.create_task(self._tend(self._keeping.looks)))
        self._tasks.append(asyncio.create_task(self._run(look)))

    async def stop(self) -> None:
        """What waits, and the looks cut short, stay kept for the next start (or replica)."""
        for task in (*self._tasks, *self._looking):
            await cancel_and_wait(task)
        if self._keeping is not None:
            with contextlib.suppress(Exception):
                await self._keeping.looks.leave()

    def _take(self, kept: list[KeptLook], how: str) -> None:
        assert self._keeping is not None  # noqa: S101 - only kept looks are taken
        now, monotonic = time.time(), time.monotonic()
        for look in kept:
            try:
                item = self._keeping.decode(look.item)
            except (TypeError, ValueError, KeyError, AttributeError):
                log.warning("a kept second look cannot be read; left", update_id=look.update_id)
                continue
            due = monotonic + max(0.0, look.due - now)
            self._queue.push(item, self._key_of(item), look.attempt, due)
        if kept:
            SECOND_LOOKS.labels(how).inc(len(kept))
            log.info("messages waiting for a second look taken", how=how, messages=len(kept))
            self._wake.set()

    async def _tend(self, looks: WaitingLooks) -> None:
        """Says this replica is alive, and takes what replicas that died kept waiting."""
        while True:
            try:
                self._take(await looks.beat(), "taken_over")
            except Exception as error:
                log.warning("the replicas' second looks not looked at", error=str(error))
            await asyncio.sleep(BEAT_SECONDS)

    async def _run(self, look: Look[T]) -> None:
        while True:
            self._wake.clear()
            due = self._queue.next_due()
            if due is None:
                await self._wake.wait()
                continue
            wait = due - time.monotonic()
            if wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=wait)
                continue
            waiting = self._queue.pop()
            await self._slots.acquire()
            task = asyncio.create_task(self._look_once(look, waiting.item, waiting.attempt))
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
        if settled:
            await self._forget(item)
        else:
            await self.schedule(item, attempt + 1)

    async def _forget(self, item: T) -> None:
        if self._keeping is not None:
            await self._keeping.looks.forget(self._keeping.update_id(item))
