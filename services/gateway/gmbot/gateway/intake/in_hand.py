"""The updates long polling holds between getUpdates calls: handled as they arrive, each member's
in order, the groups in turn, and none confirmed to Telegram before it is handled or kept.

A message waiting for Telegram's budget, or a reply waiting out a 429, holds back only the updates
of the same member in the same chat (they keep their order); everyone else's keep flowing. At most
HANDLING_LIMIT are handled at once, a freed place going to the next group in turn: a raid's
thousand updates do not stand between a quiet group's one and its handling. An update that fails
for now is retried after its own backoff; nobody else waits for it. Every update in hand has a
bound: past it, it is logged with the awaits it waits in, given up for now and taken again, and
any exception counts as "not yet".
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Protocol

import structlog
from aiogram.types import Update

from gmbot.gateway.intake.pipeline import Result
from gmbot.gateway.stores.spools import Spool
from gmbot.runtime.fair_slots import FairSlots
from gmbot.runtime.tasks import within

log = structlog.get_logger("gmbot.gateway.polling")

MAX_BACKOFF_SECONDS = 30.0
# How soon an update another process has in hand is asked about again. Under a growing back-off
# a killed gateway's claims (CLAIM_SECONDS) were followed up at 1, 3, 7, 15 s: the restart took
# up to twice the claim's life, and over 15 s on a loaded machine.
BUSY_RETRY_SECONDS = 0.5
# While updates are in hand, getUpdates cannot long-poll (it answers at once with them): the
# next short poll comes when one is done, or after this long.
BUSY_POLL_SECONDS = 0.05
BATCH_LIMIT = 100
# Updates handled at once (the others wait for a place, in turn by group). In a raid most of them
# wait for their author's check (30 a second for the whole bot): with 100 places the stream was
# read at the checks' pace, and a checked violator's later messages waited for the checks of
# everyone before them (bench.burst, PostgreSQL: deleted p50 20.7 s). With 1,000, each of their
# messages is decided as soon as its author's answer comes (p50 11.5 s). The spool keeps what
# getUpdates' window of 100 cannot hold.
HANDLING_LIMIT = 1_000

OrderKey = tuple[int | None, int | None]


class Handler(Protocol):
    async def handle(self, update: Update) -> Result: ...


def order_key(update: Update) -> OrderKey:
    """Updates with the same key are handled in order; different keys at once. The key is the
    chat and the person the update is about, so one busy group is not bound by one message's
    latency while each member's messages, joins and presses keep their order."""
    event = update.event
    chat = getattr(event, "chat", None) or getattr(getattr(event, "message", None), "chat", None)
    # A chat_member update is about the member whose status changed, not the one who changed it.
    person = getattr(getattr(event, "new_chat_member", None), "user", None) or getattr(
        event, "from_user", None
    )
    return getattr(chat, "id", None), getattr(person, "id", None)


def is_chat_wide(update: Update) -> bool:
    """The bot's own status in a chat changes how everything there is decided: such an update
    waits for every update of the chat in hand, and the chat's later updates wait for it."""
    return update.my_chat_member is not None


@dataclass
class _Retry:
    not_before: float
    attempts: int


@dataclass
class Intake:
    """What the poller holds between getUpdates calls."""

    pipeline: Handler
    # How long one update may be handled, its wait for its member's earlier updates and for
    # its place aside.
    bound_seconds: float = 60.0
    # Every update taken and not yet handled, and those of them not kept in the spool either:
    # the offset (what Telegram may forget) stays at the first of those.
    held: dict[int, Update] = field(default_factory=dict)
    unkept: set[int] = field(default_factory=set)
    # Handled updates that the spool still keeps: to be forgotten there.
    finished: list[int] = field(default_factory=list)
    in_hand: dict[int, asyncio.Task[None]] = field(default_factory=dict)
    # Per order key, the last update started: the next one of that key waits for it.
    tails: dict[OrderKey, asyncio.Task[None]] = field(default_factory=dict)
    # Per chat, the updates in hand, and the last chat-wide one (see is_chat_wide).
    chat_tasks: dict[int | None, set[asyncio.Task[None]]] = field(default_factory=dict)
    barriers: dict[int | None, asyncio.Task[None]] = field(default_factory=dict)
    retries: dict[int, _Retry] = field(default_factory=dict)
    # Keys with an update waiting for its retry: their later updates wait too, to keep order.
    held_keys: dict[OrderKey, int] = field(default_factory=dict)
    # The first update id never seen.
    fresh_from: int | None = None
    # Updates that failed for now since one was last handled: a back end down, when many.
    failing: int = 0
    places: FairSlots = field(default_factory=lambda: FairSlots(HANDLING_LIMIT))
    # getUpdates' window: an id below the first never seen was taken already. A webhook's
    # deliveries come in no such order (chats in parallel), so it keeps no window.
    window: bool = True
    # Set as an update in hand is let go (waiting on the tasks cost a sixth of a busy CPU).
    progress: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def offset(self) -> int | None:
        """What getUpdates gets: everything below it is handled or kept."""
        if self.unkept:
            return min(self.unkept)
        return self.fresh_from

    @property
    def busy(self) -> bool:
        return bool(self.in_hand or self.retries)

    @property
    def retry_due(self) -> bool:
        now = time.monotonic()
        return any(retry.not_before <= now for retry in self.retries.values())

    @property
    def room(self) -> int:
        """How many new updates the next getUpdates can bring."""
        offset = self.offset
        if offset is None or self.fresh_from is None:
            return BATCH_LIMIT
        return BATCH_LIMIT - (self.fresh_from - offset)

    def due(self) -> list[Update]:
        """The held updates whose retry has come (the spool's are not delivered again)."""
        now = time.monotonic()
        return [self.held[i] for i, retry in self.retries.items() if retry.not_before <= now]

    def kept(self, update_ids: list[int]) -> None:
        """The spool now keeps these: Telegram may forget them."""
        for update_id in update_ids:
            self.unkept.discard(update_id)
            if update_id not in self.held:  # handled meanwhile
                self.finished.append(update_id)

    def take(self, updates: list[Update], *, kept: bool = False) -> int:
        """Starts the updates not yet in hand; returns how many started. `kept`: they come from
        the spool, not from Telegram."""
        started = 0
        now = time.monotonic()
        for update in updates:
            update_id = update.update_id
            if update_id in self.in_hand:
                continue
            retry = self.retries.get(update_id)
            if retry is not None and retry.not_before > now:
                continue
            if retry is None and self.window and update_id < (self.fresh_from or update_id):
                continue  # handled already; confirmed by the next offset
            if update_id not in self.held:
                self.held[update_id] = update
                if not kept:
                    self.unkept.add(update_id)
            key = order_key(update)
            blocker = self.held_keys.get(key)
            if blocker is not None and blocker != update_id:
                # An earlier update of this member waits for its retry: this one waits with it.
                self.retries[update_id] = self.retries[blocker]
                self._advance(update_id)
                continue
            self._start(update, key, retry)
            started += 1
        return started

    def _advance(self, update_id: int) -> None:
        if self.fresh_from is None or update_id >= self.fresh_from:
            self.fresh_from = update_id + 1

    def _start(self, update: Update, key: OrderKey, retry: _Retry | None) -> None:
        update_id = update.update_id
        self.retries.pop(update_id, None)
        if self.held_keys.get(key) == update_id:
            del self.held_keys[key]
        self._advance(update_id)
        chat = key[0]
        before = self._predecessors(update, key)
        task = asyncio.create_task(self._handle(update, key, before, retry))
        self.in_hand[update_id] = task
        self.tails[key] = task
        self.chat_tasks.setdefault(chat, set()).add(task)
        if is_chat_wide(update):
            self.barriers[chat] = task

    def _predecessors(self, update: Update, key: OrderKey) -> list[asyncio.Task[None]]:
        """The updates in hand that `update` must wait for."""
        if is_chat_wide(update):
            return list(self.chat_tasks.get(key[0], ()))
        return [t for t in (self.tails.get(key), self.barriers.get(key[0])) if t is not None]

    async def follow(self, update: Update, seconds: float) -> None:
        """Waits (`seconds` at most) for the updates in hand that `update`, handled outside,
        must come after."""
        before = self._predecessors(update, order_key(update))
        if before:
            await asyncio.wait(before, timeout=seconds)

    async def _handle(
        self,
        update: Update,
        key: OrderKey,
        before: list[asyncio.Task[None]],
        retry: _Retry | None,
    ) -> None:
        for earlier in before:
            with contextlib.suppress(Exception):
                await asyncio.shield(earlier)
        try:
            async with self.places.hold(key[0]):
                result = await self._run(update)
        finally:
            self._let_go(update.update_id, key)
        if result is Result.CONFIRM:
            self.failing = 0
            self._done(update.update_id)
            return
        attempts = retry.attempts if retry else 0
        if result is Result.BUSY:  # not a failure: nothing is down, someone else has it
            delay = BUSY_RETRY_SECONDS
        else:
            self.failing += 1
            attempts += 1
            delay = min(2.0 ** (attempts - 1), MAX_BACKOFF_SECONDS)
        self.retries[update.update_id] = _Retry(time.monotonic() + delay, attempts)
        self.held_keys.setdefault(key, update.update_id)

    async def _run(self, update: Update) -> Result:
        def late(waits_in: list[str]) -> None:
            log.error(
                "update in hand past its bound; given up for now",
                update_id=update.update_id,
                bound=self.bound_seconds,
                waits_in=waits_in,
            )

        try:
            return await within(self.pipeline.handle(update), self.bound_seconds, late)
        except Exception:
            # Whatever failed, the update is not handled: it stays unconfirmed (an exception
            # once let the offset pass it, and Telegram forgot it).
            log.exception("update not handled; kept for later", update_id=update.update_id)
            return Result.RETRY

    def _let_go(self, update_id: int, key: OrderKey) -> None:
        me = asyncio.current_task()
        del self.in_hand[update_id]
        if self.tails.get(key) is me:
            del self.tails[key]
        in_chat = self.chat_tasks.get(key[0], set())
        in_chat.discard(me)
        if not in_chat:
            self.chat_tasks.pop(key[0], None)
        if self.barriers.get(key[0]) is me:
            del self.barriers[key[0]]
        self.progress.set()

    def _done(self, update_id: int) -> None:
        del self.held[update_id]
        if update_id in self.unkept:
            self.unkept.discard(update_id)
        else:
            self.finished.append(update_id)

    async def next_event(self, stop: asyncio.Event) -> None:
        """Waits until an update in hand is done, a retry is due, or a short while passed."""
        wait = BUSY_POLL_SECONDS
        if not self.in_hand and self.retries:
            due = min(r.not_before for r in self.retries.values())
            wait = max(due - time.monotonic(), BUSY_POLL_SECONDS)
        self.progress.clear()
        waiting = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.progress.wait())}
        await asyncio.wait(waiting, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
        for waiter in waiting:
            waiter.cancel()

    async def forget_finished(self, spool: Spool) -> None:
        """Forgets in the spool what is handled (best effort: what stays is found done later)."""
        finished, self.finished = self.finished, []
        if finished:
            try:
                await spool.forget(finished)
            except Exception as error:
                log.warning("handled updates not forgotten in the spool", error=str(error))

    async def drain(self, seconds: float) -> None:
        if self.in_hand:
            await asyncio.wait(list(self.in_hand.values()), timeout=seconds)
