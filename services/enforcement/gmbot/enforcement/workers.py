"""The workers: carry out each accepted action once.

A worker takes an action id from the queue, claims the row (so two workers never run one
action), runs it, records the end, then acks the queue entry. A sweeper hands out what is due
again: scheduled follow-ups, entries a dead worker left, anything a lost queue entry would
otherwise strand.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import structlog

from gmbot.enforcement.action_handlers import ActionHandlers
from gmbot.enforcement.actions import Kind, Later, Permanent, State
from gmbot.enforcement.intake import Backlog
from gmbot.enforcement.ledger import Ledger
from gmbot.enforcement.metrics import ACTION_SECONDS, ACTIONS, RETRIES
from gmbot.enforcement.queue import Delivery, Lane, Queue
from gmbot.runtime.logs import request_id

log = structlog.get_logger("gmbot.enforcement.workers")

SWEEP_SECONDS = 1.0


class WorkerPool:
    def __init__(
        self,
        ledger: Ledger,
        queue: Queue,
        handlers: ActionHandlers,
        backlog: Backlog,
        workers: int,
        lease: float,
    ) -> None:
        self._ledger = ledger
        self._queue = queue
        self._handlers = handlers
        self._backlog = backlog
        self._workers = workers
        self._lease = lease
        self._tasks: list[asyncio.Task[None]] = []
        self._running: set[str] = set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._stopping = asyncio.Event()

    async def start(self) -> None:
        self._backlog.recount(await self._ledger.step(lambda stores: stores.actions.unfinished()))
        self._tasks = [asyncio.create_task(self._work()) for _ in range(self._workers)]
        self._tasks.append(asyncio.create_task(self._sweep()))

    async def stop(self, grace: float) -> None:
        """Stops taking work, lets what runs finish within `grace`, hands the rest back."""
        self._stopping.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), grace)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for action_id in list(self._running):
            await self._put_back(action_id, 0, "handed back at shutdown")

    async def _work(self) -> None:
        while not self._stopping.is_set():
            try:
                delivery = await self._queue.take(wait_seconds=1.0)
            except Exception:
                log.exception("queue unavailable")
                await asyncio.sleep(1)
                continue
            if delivery is None:
                continue
            if self._stopping.is_set():
                return  # not acked: another worker (or this one, restarted) takes it
            await self._carry_out(delivery)

    async def _carry_out(self, delivery: Delivery) -> None:
        action = await self._ledger.step(
            lambda stores: stores.actions.claim(delivery.action_id, self._lease)
        )
        if action is None:  # finished already, or another worker holds it
            await self._queue.ack(delivery)
            return
        token = request_id.set(action.idempotency_key)
        self._running.add(action.action_id)
        self._idle.clear()
        started = time.monotonic()
        lease = asyncio.create_task(self._keep_lease(action.action_id))
        try:
            state = await self._handlers.carry_out(action)
            await self._finish(action.action_id, action.kind, state)
        except Permanent as refused:
            await self._finish(action.action_id, action.kind, State.FAILED, str(refused))
            log.warning("telegram refused", kind=action.kind, error=str(refused))
        except Later as later:
            RETRIES.labels("later").inc()
            await self._put_back(action.action_id, later.delay, str(later))
        except asyncio.CancelledError:
            raise
        except Exception as error:
            RETRIES.labels("error").inc()
            log.exception("action failed; it will be tried again", kind=action.kind)
            await self._put_back(action.action_id, min(300.0, 5.0 * action.attempts), repr(error))
        finally:
            lease.cancel()
            self._running.discard(action.action_id)
            if not self._running:
                self._idle.set()
            request_id.reset(token)
        ACTION_SECONDS.labels(action.kind.value).observe(time.monotonic() - started)
        await self._queue.ack(delivery)

    async def _put_back(self, action_id: str, delay: float, reason: str) -> None:
        await self._ledger.step(lambda stores: stores.actions.later(action_id, delay, reason))

    async def _keep_lease(self, action_id: str) -> None:
        """Renews the claim while the action waits for Telegram's budget, so a slow action is
        not mistaken for one whose worker died."""
        while True:
            await asyncio.sleep(self._lease / 3)
            with contextlib.suppress(Exception):
                await self._ledger.step(lambda stores: stores.actions.renew(action_id, self._lease))

    async def _finish(
        self, action_id: str, kind: Kind, state: State, error: str | None = None
    ) -> None:
        await self._ledger.step(lambda stores: stores.actions.finish(action_id, state, error))
        self._backlog.finished()
        ACTIONS.labels(kind.value, state.value).inc()

    async def _sweep(self) -> None:
        last_count = 0.0
        while not self._stopping.is_set():
            try:
                for action_id in await self._ledger.step(lambda stores: stores.actions.due(500)):
                    await self._queue.put(action_id, Lane.URGENT)
                if time.monotonic() - last_count > 5:
                    self._backlog.recount(
                        await self._ledger.step(lambda stores: stores.actions.unfinished())
                    )
                    last_count = time.monotonic()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sweep failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), SWEEP_SECONDS)
