"""Long polling that confirms an update only after it is handled, without waiting for the slow.

aiogram's own polling advances the offset as it hands updates to tasks (at most once). Here the
offset handed to getUpdates is always the first update not yet handled, so a crash or a back end
that is down loses nothing: Telegram delivers the unconfirmed updates again.

Updates are handled as they arrive, not batch by batch: a message waiting for Telegram's budget,
or a reply waiting out a 429, holds back only the updates of the same member in the same chat
(they keep their order); everyone else's keep flowing. Since getUpdates returns the updates from
the offset on, the ones still in hand come back with the new ones and are skipped. An update that
fails for now is retried after its own backoff; nobody else waits for it.

getUpdates answers at most 100 updates from the offset on: one update that never finished would
stop the intake 99 updates later. So every update in hand has a bound; past it, it is logged with
the awaits it waits in, given up for now and taken again, and any exception counts as "not yet".
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Protocol

import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.types import Update

from gmbot.gateway.intake.pipeline import Result
from gmbot.runtime.tasks import within

log = structlog.get_logger("gmbot.gateway.polling")

POLL_TIMEOUT_SECONDS = 25
MAX_BACKOFF_SECONDS = 30.0
# While updates are in hand, getUpdates cannot long-poll (it answers at once with them): the
# next short poll comes when one is done, or after this long.
BUSY_POLL_SECONDS = 0.05
BATCH_LIMIT = 100
# getUpdates answers at most BATCH_LIMIT updates from the offset on, those in hand included:
# asking again is worth it (and the re-read of what is in hand worth its cost) only once this
# many places are free for new ones.
MIN_ROOM = BATCH_LIMIT // 2
# What an update's bookkeeping around its handlers (claim, marks, failure count: Redis calls with
# short timeouts) may add to their deadline before the update counts as stuck.
BOOKKEEPING_SECONDS = 10.0

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
    # How long one update may be in hand, its wait for its member's earlier updates aside.
    bound_seconds: float = 60.0
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

    @property
    def offset(self) -> int | None:
        """What getUpdates gets: everything below it is confirmed to Telegram."""
        pending = [*self.in_hand, *self.retries]
        if pending:
            return min(pending)
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

    def take(self, updates: list[Update]) -> int:
        """Starts the updates not yet in hand; returns how many started."""
        started = 0
        now = time.monotonic()
        for update in updates:
            update_id = update.update_id
            if update_id in self.in_hand:
                continue
            retry = self.retries.get(update_id)
            if retry is not None and retry.not_before > now:
                continue
            if retry is None and self.fresh_from is not None and update_id < self.fresh_from:
                continue  # handled already; confirmed by the next offset
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
        in_chat = self.chat_tasks.setdefault(chat, set())
        wide = is_chat_wide(update)
        if wide:
            before = list(in_chat)
        else:
            before = [t for t in (self.tails.get(key), self.barriers.get(chat)) if t is not None]
        task = asyncio.create_task(self._handle(update, key, before, retry))
        self.in_hand[update_id] = task
        self.tails[key] = task
        in_chat.add(task)
        if wide:
            self.barriers[chat] = task

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

        def late(waits_in: list[str]) -> None:
            log.error(
                "update in hand past its bound; given up for now",
                update_id=update.update_id,
                bound=self.bound_seconds,
                waits_in=waits_in,
            )

        try:
            result = await within(self.pipeline.handle(update), self.bound_seconds, late)
        except Exception:
            # Whatever failed, the update is not handled: it stays unconfirmed (an exception
            # once let the offset pass it, and Telegram forgot it).
            log.exception("update not handled; kept for later", update_id=update.update_id)
            result = Result.RETRY
        finally:
            me = asyncio.current_task()
            del self.in_hand[update.update_id]
            if self.tails.get(key) is me:
                del self.tails[key]
            in_chat = self.chat_tasks.get(key[0], set())
            in_chat.discard(me)
            if not in_chat:
                self.chat_tasks.pop(key[0], None)
            if self.barriers.get(key[0]) is me:
                del self.barriers[key[0]]
        if result is Result.RETRY:
            attempts = (retry.attempts if retry else 0) + 1
            delay = min(2.0 ** (attempts - 1), MAX_BACKOFF_SECONDS)
            self.retries[update.update_id] = _Retry(time.monotonic() + delay, attempts)
            self.held_keys.setdefault(key, update.update_id)

    async def next_event(self, stop: asyncio.Event) -> None:
        """Waits until an update in hand is done, a retry is due, or a short while passed."""
        wait = BUSY_POLL_SECONDS
        if not self.in_hand and self.retries:
            due = min(r.not_before for r in self.retries.values())
            wait = max(due - time.monotonic(), BUSY_POLL_SECONDS)
        stopping = asyncio.ensure_future(stop.wait())
        waiting = {stopping, *self.in_hand.values()}
        await asyncio.wait(waiting, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()

    async def drain(self, seconds: float) -> None:
        if self.in_hand:
            await asyncio.wait(list(self.in_hand.values()), timeout=seconds)


async def poll(
    bot: Bot,
    pipeline: Handler,
    allowed_updates: list[str],
    stop: asyncio.Event,
    grace_seconds: float = 10.0,
    bound_seconds: float = 60.0,
) -> None:
    """Runs until `stop` is set; updates in hand get `grace_seconds` to finish, and what is done
    is confirmed before returning. An update in hand past `bound_seconds` is given up for now
    (logged with where it waits) and taken again: nothing in hand can hold the loop."""
    intake = Intake(pipeline, bound_seconds)
    backoff = 1.0
    while not stop.is_set():
        if intake.busy and intake.room < MIN_ROOM and not intake.retry_due:
            await intake.next_event(stop)
            continue
        timeout = 0 if intake.busy else POLL_TIMEOUT_SECONDS
        fetch = asyncio.ensure_future(
            bot.get_updates(
                offset=intake.offset,
                limit=BATCH_LIMIT,
                timeout=timeout,
                allowed_updates=allowed_updates,
                # The HTTP request must outlive the long poll it carries.
                request_timeout=timeout + 15,
            )
        )
        stopping = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if fetch not in done:  # stopping: a long poll in flight has confirmed nothing
            fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await fetch
            break
        stopping.cancel()
        try:
            updates = fetch.result()
        except TelegramRetryAfter as error:
            await _sleep(stop, error.retry_after)
            continue
        except (TelegramNetworkError, TelegramServerError) as error:
            log.warning("getUpdates failed", error=str(error), retry_in=backoff)
            await _sleep(stop, backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
            continue
        backoff = 1.0
        if intake.take(updates) == 0 and intake.busy:
            await intake.next_event(stop)
    await intake.drain(grace_seconds)
    await _confirm(bot, intake)


async def _confirm(bot: Bot, intake: Intake) -> None:
    """Tells Telegram what was handled, so a restart does not see it again."""
    offset = intake.offset
    if offset is None:
        return
    with contextlib.suppress(TelegramNetworkError, TelegramServerError, TelegramRetryAfter):
        await bot.get_updates(offset=offset, limit=1, timeout=0)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
