"""Long polling that confirms an update only once it is handled or durably kept.

aiogram's own polling advances the offset as it hands updates to tasks (at most once). Here the
offset handed to getUpdates is always the first update neither handled nor kept in the spool, so
a crash or a back end that is down loses nothing: Telegram delivers the unconfirmed updates
again, and the spool hands back the ones it keeps.

getUpdates answers at most 100 updates from the offset on. When those in hand nearly fill that
window, the poller keeps them in the spool and moves the offset past them, rather than waiting for
them to be handled: a raid's backlog then no longer hides a quiet group's next update, which is
taken at once and handled in its group's turn (in_hand.Intake). Up to MAX_HELD updates are held
so; past that, or while update after update fails for now (a back end down), the poller waits
for some to be done. A spool that cannot keep them now leaves the offset where it is, as before
the spool: nothing is lost, the window just waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.types import Update

from gmbot.gateway.intake.in_hand import (
    BATCH_LIMIT,
    MAX_BACKOFF_SECONDS,
    Handler,
    Intake,
)
from gmbot.gateway.intake.spool import as_json, as_update
from gmbot.gateway.stores.spools import Spool

log = structlog.get_logger("gmbot.gateway.polling")

POLL_TIMEOUT_SECONDS = 25
# getUpdates answers at most BATCH_LIMIT updates from the offset on, those in hand included:
# once fewer than this many places are free for new ones, what is in hand is kept in the spool.
MIN_ROOM = BATCH_LIMIT // 2
# Updates held (in hand, waiting for their turn or their retry) at most: a raid's backlog.
MAX_HELD = 5_000
# What an update's bookkeeping around its handlers (claim, marks, failure count: Redis calls with
# short timeouts) may add to their deadline before the update counts as stuck.
BOOKKEEPING_SECONDS = 10.0


class _Poller:
    def __init__(self, bot: Bot, intake: Intake, spool: Spool, stop: asyncio.Event) -> None:
        self.bot = bot
        self.intake = intake
        self.spool = spool
        self.stop = stop
        # A spool that failed is asked again after this pause (doubling), not at every turn.
        self.keep_pause = 1.0
        self.keep_not_before = 0.0

    async def resume(self) -> None:
        """Takes back what the spool kept when the last process stopped (or was killed)."""
        backoff = 1.0
        while not self.stop.is_set():
            try:
                kept = [as_update(raw, self.bot) for raw in await self.spool.load()]
            except Exception as error:
                log.warning("the spool cannot be read; asked again", error=str(error))
                await _sleep(self.stop, backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                continue
            if kept:
                log.info("updates kept by the last process taken back", updates=len(kept))
            self.intake.take(kept, kept=True)
            return

    async def make_room(self) -> bool:
        """Keeps what is held but unconfirmed in the spool, so the offset can move past it."""
        intake = self.intake
        # Many updates failing for now in a row means a back end that is down: more taken would
        # only fail too, each retried on its own (the window of 100 waits instead, as it always
        # did). A few failing among updates handled are no sign.
        failing = intake.failing >= MIN_ROOM
        if not intake.unkept or len(intake.held) >= MAX_HELD or failing:
            return False
        if time.monotonic() < self.keep_not_before:
            return False
        ids = sorted(intake.unkept)
        try:
            await self.spool.keep({i: as_json(intake.held[i]) for i in ids if i in intake.held})
        except Exception as error:
            log.warning("updates not kept in the spool; the offset waits", error=str(error))
            self.keep_not_before = time.monotonic() + self.keep_pause
            self.keep_pause = min(self.keep_pause * 2, MAX_BACKOFF_SECONDS)
            return False
        self.keep_pause = 1.0
        intake.kept(ids)
        return True

    async def fetch(self, allowed_updates: list[str]) -> list[Update] | None:
        """The next updates; None when stopping (a long poll in flight has confirmed nothing)."""
        timeout = 0 if self.intake.busy else POLL_TIMEOUT_SECONDS
        fetch = asyncio.ensure_future(
            self.bot.get_updates(
                offset=self.intake.offset,
                limit=BATCH_LIMIT,
                timeout=timeout,
                allowed_updates=allowed_updates,
                # The HTTP request must outlive the long poll it carries.
                request_timeout=timeout + 15,
            )
        )
        stopping = asyncio.ensure_future(self.stop.wait())
        done, _ = await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if fetch not in done:
            fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await fetch
            return None
        stopping.cancel()
        return fetch.result()


async def poll(
    bot: Bot,
    pipeline: Handler,
    spool: Spool,
    allowed_updates: list[str],
    stop: asyncio.Event,
    grace_seconds: float = 10.0,
    bound_seconds: float = 60.0,
) -> None:
    """Runs until `stop` is set; updates in hand get `grace_seconds` to finish, and what is done
    is confirmed before returning. An update in hand past `bound_seconds` is given up for now
    (logged with where it waits) and taken again: nothing in hand can hold the loop."""
    intake = Intake(pipeline, bound_seconds)
    poller = _Poller(bot, intake, spool, stop)
    await poller.resume()
    backoff = 1.0
    while not stop.is_set():
        await intake.forget_finished(spool)
        intake.take(intake.due())
        if intake.busy and intake.room < MIN_ROOM and not await poller.make_room():
            await intake.next_event(stop)
            continue
        try:
            updates = await poller.fetch(allowed_updates)
        except TelegramRetryAfter as error:
            await _sleep(stop, error.retry_after)
            continue
        except (TelegramNetworkError, TelegramServerError) as error:
            log.warning("getUpdates failed", error=str(error), retry_in=backoff)
            await _sleep(stop, backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
            continue
        if updates is None:
            break
        backoff = 1.0
        if intake.take(updates) == 0 and intake.busy:
            await intake.next_event(stop)
    await intake.drain(grace_seconds)
    await intake.forget_finished(spool)
    await _confirm(bot, intake)


async def _confirm(bot: Bot, intake: Intake) -> None:
    """Tells Telegram what was handled or kept, so a restart does not see it again."""
    offset = intake.offset
    if offset is None:
        return
    with contextlib.suppress(TelegramNetworkError, TelegramServerError, TelegramRetryAfter):
        await bot.get_updates(offset=offset, limit=1, timeout=0)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
