"""What every router does with an answer: sent at its priority, a refusal told from a failure
(gmbot.runtime.telegram_errors), and the decision counted."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import structlog
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from gmbot.gateway.metrics import DECISION_SECONDS, DECISIONS
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.budget.telegram import priority
from gmbot.runtime.error_kinds import ErrorKind
from gmbot.runtime.telegram_errors import kind_of

log = structlog.get_logger("gmbot.gateway.answers")

# Telegram refuses a message or an answer for good (the user blocked the bot, the bot was
# removed, a callback query is too old to answer): nothing to retry, nothing failed on our side.
REFUSED = (TelegramBadRequest, TelegramForbiddenError)

Keyboard = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def decided(flow: str, outcome: str, started: float) -> None:
    DECISIONS.labels(flow, outcome).inc()
    DECISION_SECONDS.labels(flow).observe(time.perf_counter() - started)


@contextlib.contextmanager
def unless_refused(event: str, *expected: ErrorKind, chat_id: int | None = None) -> Iterator[None]:
    """Telegram refusing what is asked within is logged as `event`, never raised: at info when
    it is one of the `expected` refusals, as a warning otherwise (it says something is amiss)."""
    try:
        yield
    except REFUSED as error:
        kind = kind_of(error)
        say = log.info if kind in expected else log.warning
        say(event, chat_id=chat_id, refusal=kind.value, error=error.message)


async def reply(
    message: Message,
    text: str,
    *,
    quote: bool = True,
    keyboard: Keyboard | None = None,
    urgent: bool = True,
) -> Message | None:
    """Replies to `message`; without the quote when it is gone, not at all when refused (None).
    Not `urgent` (anyone but an administrator): the reply never goes ahead of enforcement."""
    try:
        with priority(Priority.URGENT if urgent else Priority.LATER):
            if quote:
                return await message.reply(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
            return await message.answer(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
    except REFUSED as error:
        if quote and kind_of(error) is ErrorKind.REPLY_TARGET_GONE:
            return await reply(message, text, quote=False, keyboard=keyboard, urgent=urgent)
        log.warning(
            "reply not delivered",
            chat_id=message.chat.id,
            refusal=kind_of(error).value,
            error=error.message,
        )
        return None


async def answer_query(query: CallbackQuery, text: str = "", *, urgent: bool = True) -> None:
    """Answers a button's press. Not `urgent` (a member's press): the answer never goes ahead of
    enforcement. Too late to answer (a redelivery) is no failure."""
    with (
        unless_refused("callback query not answered", ErrorKind.QUERY_TOO_OLD),
        priority(Priority.URGENT if urgent else Priority.LATER),
    ):
        await query.answer(text or None)
