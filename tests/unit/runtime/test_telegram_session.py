"""The Bot API session keeps each method's response model: a full garbage collection between
two calls does not make the second build it again."""

from __future__ import annotations

import gc
import weakref

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import GetUpdates

from gmbot.runtime.telegram_session import KeptResponseTypes

ANSWER = '{"ok": true, "result": [{"update_id": 7}]}'


def _model_of_an_answer(session: AiohttpSession, bot: Bot) -> weakref.ref[type]:
    """The model aiogram read an answer with; the answer itself is dropped (it would keep its
    model alive)."""
    answer = session.check_response(bot, GetUpdates(), 200, ANSWER)
    assert [update.update_id for update in answer.result or []] == [7]
    return weakref.ref(type(answer))


async def test_a_methods_response_model_outlives_a_full_garbage_collection() -> None:
    session = KeptResponseTypes()
    bot = Bot("42:TEST", session=session)

    model = _model_of_an_answer(session, bot)
    gc.collect()

    assert model() is not None
    assert _model_of_an_answer(session, bot)() is model()
    await session.close()
