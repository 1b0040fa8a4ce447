"""What every router does with an answer: a flow's buttons as Telegram's, a refusal told from a
failure, and the decision counted."""

from __future__ import annotations

import time

from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from gmbot.gateway.flows.replies import Reply
from gmbot.gateway.metrics import DECISION_SECONDS, DECISIONS

# Telegram refuses a message or an answer for good (the user blocked the bot, the bot was
# removed, a callback query is too old to answer): nothing to retry, nothing failed on our side.
REFUSED = (TelegramBadRequest, TelegramForbiddenError)


def decided(flow: str, outcome: str, started: float) -> None:
    DECISIONS.labels(flow, outcome).inc()
    DECISION_SECONDS.labels(flow).observe(time.perf_counter() - started)


def markup(reply: Reply) -> InlineKeyboardMarkup | None:
    """A flow's buttons as Telegram's inline keyboard."""
    if not reply.rows:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=b.text, url=b.url)
                if b.url
                else InlineKeyboardButton(text=b.text, callback_data=b.data)
                for b in row
            ]
            for row in reply.rows
        ]
    )
