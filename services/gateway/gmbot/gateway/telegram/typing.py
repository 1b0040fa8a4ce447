"""'typing…' while a command takes more than a moment. One chat action, sent at the budget's
lowest priority after a short wait, never waited for: leaving the block cancels it, so a slow
budget can never hold up the reply."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog
from aiogram import Bot
from aiogram.enums import ChatAction
from aiogram.exceptions import TelegramAPIError

from gmbot.runtime.budget.core import Priority
from gmbot.runtime.budget.telegram import priority

log = structlog.get_logger("gmbot.gateway.typing")

# A command that takes longer than this shows "typing…" until it is answered.
TYPING_AFTER_SECONDS = 0.3


async def _typing_soon(bot: Bot, chat_id: int, thread_id: int | None, after: float) -> None:
    await asyncio.sleep(after)
    try:
        with priority(Priority.LATER):
            await bot.send_chat_action(chat_id, ChatAction.TYPING, message_thread_id=thread_id)
    except TelegramAPIError as error:
        log.info("typing not shown", chat_id=chat_id, error=str(error))


@contextlib.asynccontextmanager
async def typing_while(
    bot: Bot, chat_id: int, thread_id: int | None = None, after: float = TYPING_AFTER_SECONDS
) -> AsyncIterator[None]:
    task = asyncio.create_task(_typing_soon(bot, chat_id, thread_id, after))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
