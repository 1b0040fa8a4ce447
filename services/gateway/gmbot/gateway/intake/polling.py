"""Long polling that confirms an update only after it is handled.

aiogram's own polling advances the offset as it hands updates to tasks (at most once); here
the offset moves past an update only when the pipeline confirmed it, so a crash or a back end
that is down loses nothing: Telegram delivers the unconfirmed updates again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Sequence

import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.types import Update

from gmbot.gateway.intake.pipeline import Result, UpdatePipeline

log = structlog.get_logger("gmbot.gateway.polling")

POLL_TIMEOUT_SECONDS = 25
MAX_BACKOFF_SECONDS = 30.0


def _chat_of(update: Update) -> int | None:
    event = update.event
    chat = getattr(event, "chat", None) or getattr(getattr(event, "message", None), "chat", None)
    return getattr(chat, "id", None)


async def handle_batch(pipeline: UpdatePipeline, updates: Sequence[Update]) -> int | None:
    """Handles a batch (chats in parallel, each chat in order); returns the id of the first
    update left unconfirmed, or None when all were confirmed."""
    by_chat: dict[int | None, list[Update]] = defaultdict(list)
    for update in updates:
        by_chat[_chat_of(update)].append(update)

    async def one_chat(chat_updates: list[Update]) -> int | None:
        for update in chat_updates:
            if await pipeline.handle(update) is Result.RETRY:
                return update.update_id  # later updates of this chat wait for it
        return None

    failed = [f for f in await asyncio.gather(*map(one_chat, by_chat.values())) if f is not None]
    return min(failed) if failed else None


async def poll(
    bot: Bot, pipeline: UpdatePipeline, allowed_updates: list[str], stop: asyncio.Event
) -> None:
    """Runs until `stop` is set; a batch being handled is finished first."""
    offset: int | None = None
    backoff = 1.0
    while not stop.is_set():
        fetch = asyncio.ensure_future(
            bot.get_updates(
                offset=offset,
                timeout=POLL_TIMEOUT_SECONDS,
                allowed_updates=allowed_updates,
                # The HTTP request must outlive the long poll it carries.
                request_timeout=POLL_TIMEOUT_SECONDS + 15,
            )
        )
        stopping = asyncio.ensure_future(stop.wait())
        done, _ = await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if fetch not in done:  # stopping: a long poll in flight has confirmed nothing
            fetch.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await fetch
            return
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
        if not updates:
            continue
        first_unconfirmed = await handle_batch(pipeline, updates)
        if first_unconfirmed is None:
            offset = updates[-1].update_id + 1
            backoff = 1.0
        else:
            offset = first_unconfirmed
            await _sleep(stop, backoff)
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
