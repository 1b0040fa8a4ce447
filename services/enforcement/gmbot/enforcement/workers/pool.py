"""The workers: carry out each accepted action once, and keep doing so through outages.

A poller takes an action id from the queue and claims the row (so two workers never run one
action); the action is then carried out beside the others, its end recorded and the queue entry
acked. Up to `workers` actions do their work at once, and only a few pollers take them: an
action that waits for Telegram's budget holds one of many slots, never the poller the deletions
behind it need. An action that only waits steps aside: for its chat's batch of deletions (so
the messages of the actions behind it join the same deleteMessages call; it takes a slot again
to mute), or, its deletion and mute done, for its warning (a raid's warnings take their turn in
the group's 20 messages a minute, for minutes). Its slot goes to the next action, and only the
wider bound of actions in hand holds it.

A sweeper hands out what is due again: scheduled follow-ups, entries a dead worker left,
anything a lost queue entry would otherwise strand. A pruner keeps the ledger within its retention.

Every loop is supervised: a round that fails (PostgreSQL failing over, Redis restarting) is
counted, reported to health, and tried again after a capped, jittered backoff; the loop never
ends until the pool stops. An action a failing worker held stays claimable by any replica: its
queue entry is not acked and its lease runs out. A worker's writes about an action are fenced by
its claim, so a worker that lost its lease never overwrites the ledger of the one that took over.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable

import structlog

from gmbot.enforcement.domain import claims
from gmbot.enforcement.domain.actions import Action, Later, Permanent, State
from gmbot.enforcement.domain.backoff import Backoff
from gmbot.enforcement.domain.handlers import ActionHandlers
from gmbot.enforcement.domain.intake import Backlog
from gmbot.enforcement.domain.ports import Ledger
from gmbot.enforcement.domain.retention import LedgerRetention
from gmbot.enforcement.domain.work_queue import Delivery, Lane, Queue
from gmbot.enforcement.metrics import ACTION_SECONDS, ACTIONS, RETRIES
from gmbot.enforcement.outbound.telegram import counting_calls
from gmbot.enforcement.workers.supervision import WorkerHealth, outage
from gmbot.runtime.logs import request_id
from gmbot.runtime.tracing import continued

log = structlog.get_logger("gmbot.enforcement.workers.pool")

SWEEP_SECONDS = 1.0
# Pollers per replica: taking and claiming is quick; carrying out is what takes long.
POLLERS = 4
# Actions a poller claims in one transaction at most. One at a time, a raid's claims queued for
# SQLite's write lock behind the acceptances and the ends: bench.burst's actions waited up to
# 4.5 s to be claimed.
CLAIM_BATCH = 16
# Actions in hand (working, or stepped aside to wait for a batch or a warning) per working slot.
IN_HAND_PER_SLOT = 8
# The sweeper recounts the backlog from the ledger this often.
RECOUNT_SECONDS = 5.0
# The ledger is pruned at start, then this often.
PRUNE_SECONDS = 3600.0


class WorkerPool:
    def __init__(
        self,
        ledger: Ledger,
        queue: Queue,
        handlers: ActionHandlers,
        backlog: Backlog,
        health: WorkerHealth,
        retention: LedgerRetention,
        workers: int,
        lease: float,
    ) -> None:
        self._ledger = ledger
        self._queue = queue
        self._handlers = handlers
        self._backlog = backlog
        self._health = health
        self._retention = retention
        self._workers = workers
        self._lease = lease
        self._tasks: list[asyncio.Task[None]] = []
        # The actions being carried out, with the claim (attempt) each is held by.
        self._running: dict[str, int] = {}
        self._carrying: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(workers)
        self._in_hand = asyncio.Semaphore(workers * IN_HAND_PER_SLOT)
        self._stopping = asyncio.Event()
        self._last_recount = 0.0

    async def start(self) -> None:
        self._backlog.recount(await claims.unfinished(self._ledger))
        self._last_recount = time.monotonic()
        self._tasks = [
            asyncio.create_task(self._supervise(f"worker-{n}", "worker", self._work_once))
            for n in range(min(self._workers, POLLERS))
        ]
        self._tasks.append(asyncio.create_task(self._supervise("sweeper", "sweeper", self._sweep)))
        self._tasks.append(asyncio.create_task(self._supervise("renewer", "renewer", self._renew)))
        self._tasks.append(asyncio.create_task(self._supervise("pruner", "pruner", self._prune)))

    async def stop(self, grace: float) -> None:
        """Stops taking work, lets what runs finish within `grace`, hands the rest back."""
        self._stopping.set()
        if self._carrying:
            await asyncio.wait(self._carrying, timeout=grace)
        tasks = [*self._tasks, *self._carrying]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for action_id, attempt in list(self._running.items()):
            try:
                await claims.hand_back(self._ledger, action_id, attempt, "handed back at shutdown")
            except Exception:  # its lease runs out instead, then any replica takes it
                log.warning("could not hand an action back at shutdown", action_id=action_id)

    async def _supervise(self, loop: str, kind: str, round_: Callable[[], Awaitable[None]]) -> None:
        """Runs `round_` until the pool stops; a failed round is reported and tried again after
        a backoff, never the end of the loop."""
        backoff = Backoff()
        self._health.started(loop, kind)
        try:
            while not self._stopping.is_set():
                try:
                    await round_()
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    await self._health.failed(loop, kind, error)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stopping.wait(), backoff.next_delay())
                    continue
                backoff.reset()
                await self._health.worked(loop, kind)
        finally:
            self._health.stopped(loop)

    async def _work_once(self) -> None:
        """One round of a poller: free slots, the next actions claimed in one transaction, and
        their carrying out started beside the others."""
        slots = await self._free_slots()
        started = 0
        try:
            deliveries = await self._queue.take(wait_seconds=1.0, count=len(slots))
            if not deliveries or self._stopping.is_set():
                return  # not acked: another worker (or this one, restarted) takes them
            first: dict[str, int] = {}  # action id -> the index of its first delivery
            for index, delivery in enumerate(deliveries):
                first.setdefault(delivery.action_id, index)
            actions = await claims.claim(self._ledger, list(first), self._lease)
            carried: set[int] = set()
            for action, slot in zip(actions, slots, strict=False):
                self._running[action.action_id] = action.attempts
                carried.add(index := first[action.action_id])
                task = asyncio.create_task(self._carry_out_and_ack(action, deliveries[index], slot))
                self._carrying.add(task)
                task.add_done_callback(self._carrying.discard)
                started += 1
            # The others: done already, held by another replica, or an action's second delivery.
            for index, delivery in enumerate(deliveries):
                if index not in carried:
                    await self._queue.ack(delivery)
        finally:
            for slot in slots[started:]:
                slot.release()
                self._in_hand.release()

    async def _free_slots(self) -> list[_Slot]:
        """A place in hand and a working slot for one action (waiting for them), and for as
        many more as are free now, up to CLAIM_BATCH."""
        slots: list[_Slot] = []
        while len(slots) < CLAIM_BATCH:
            if slots and (self._in_hand.locked() or self._slots.locked()):
                break
            await self._in_hand.acquire()
            try:
                await self._slots.acquire()
            except BaseException:
                self._in_hand.release()
                raise
            slots.append(_Slot(self._slots))
        return slots

    async def _carry_out_and_ack(self, action: Action, delivery: Delivery, slot: _Slot) -> None:
        try:
            with continued("enforcement carry out", delivery.trace):
                await self._carry_out(action, slot)
            await self._queue.ack(delivery)
        except Exception as error:
            # The end could not be recorded (the ledger or Redis is failing; the pollers report
            # it to health): not acked, the lease runs out and any replica takes it again.
            log.warning("an action's end was not recorded; it is taken again", error=repr(error))
        finally:
            slot.release()
            self._in_hand.release()

    async def _carry_out(self, action: Action, slot: _Slot) -> None:
        token = request_id.set(action.idempotency_key)
        self._running[action.action_id] = action.attempts
        started = time.monotonic()
        cancelled = False
        calls = [0]
        try:
            with counting_calls() as calls:
                state = await self._handlers.carry_out(action, slot)
            await self._finish(action, state, calls=calls[0])
        except Permanent as refused:
            await self._finish(action, State.FAILED, str(refused), calls=calls[0])
            log.warning("telegram refused", kind=action.kind, error=str(refused))
        except Later as later:
            RETRIES.labels("later").inc()
            await claims.put_back(self._ledger, action, later.delay, str(later), calls[0])
        except asyncio.CancelledError:
            cancelled = True  # stopping: still listed as running, so it is handed back
            raise
        except Exception as error:
            RETRIES.labels("error").inc()
            if outage(error, self._queue.unreachable):
                log.warning("action interrupted; it will be tried again", error=repr(error))
            else:
                log.exception("action failed; it will be tried again", kind=action.kind)
            delay = min(300.0, 5.0 * action.attempts)
            await claims.put_back(self._ledger, action, delay, repr(error), calls[0])
        finally:
            if not cancelled:
                del self._running[action.action_id]
            request_id.reset(token)
        ACTION_SECONDS.labels(action.kind.value).observe(time.monotonic() - started)

    async def _renew(self) -> None:
        """One round of the renewer: every action carried out here keeps its claim while it
        waits for Telegram's budget, its batch or its turn to warn, so a slow action is not
        mistaken for one whose worker died. One statement for all of them: a renewal each was
        hundreds of transactions a second in a raid (a thousand actions in hand), and one that
        waited for a connection past its lease let another worker do the action again."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), self._lease / 3)
        await claims.renew(self._ledger, dict(self._running), self._lease)

    async def _finish(
        self, action: Action, state: State, error: str | None = None, *, calls: int = 0
    ) -> None:
        held = await claims.finish(self._ledger, action, state, error, calls)
        if not held:
            log.warning("another worker took the action over; its end is theirs to record")
            return
        self._backlog.finished()
        ACTIONS.labels(action.kind.value, state.value).inc()

    async def _sweep(self) -> None:
        """One round of the sweeper: hand out what is due, say this consumer is alive, now and
        then recount the backlog; then wait for the next round."""
        for action_id in await claims.due(self._ledger, 500):
            await self._queue.put(action_id, Lane.URGENT)
        await self._queue.heartbeat(3 * SWEEP_SECONDS)
        if time.monotonic() - self._last_recount > RECOUNT_SECONDS:
            self._backlog.recount(await claims.unfinished(self._ledger))
            self._last_recount = time.monotonic()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), SWEEP_SECONDS)

    async def _prune(self) -> None:
        """One round of the pruner: the ledger within its retention, then wait."""
        deleted = await self._retention.prune()
        if any(deleted.values()):
            log.info("ledger pruned", **deleted)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), PRUNE_SECONDS)


class _Slot:
    """A working slot, given back when its action ends or only waits, taken again when the
    action works again after its wait."""

    def __init__(self, slots: asyncio.Semaphore) -> None:
        self._slots = slots
        self._held = True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._slots.release()

    async def retake(self) -> None:
        if not self._held:
            await self._slots.acquire()
            self._held = True
