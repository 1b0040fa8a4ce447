"""/protect in private: the chat pickers (the group, then its channels), then Protect, Start by
observing or Cancel (flows/pickers.py). Reached by /protect, by the button under /start, or by
/start's deep link."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.enums import ChatType, ParseMode
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message, Update

from gmbot.gateway.flows import log_chat, pickers, setup
from gmbot.gateway.flows.admin_checks import ChatLookup
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.telegram.answers import answer_query, reply
from gmbot.gateway.telegram.facts import person
from gmbot.gateway.telegram.filters import on_loop
from gmbot.gateway.telegram.keyboards import picker_keyboard
from gmbot.gateway.telegram.typing import typing_while


def protect_setup() -> Router:
    router = Router(name="protect-setup")
    router.message.filter(on_loop(F.chat.type == ChatType.PRIVATE))
    router.message.register(on_protect, Command("protect"))
    router.callback_query.register(on_protect_button, on_loop(F.data == setup.PROTECT))
    router.message.register(on_chat_picked, on_loop(F.chat_shared))
    router.message.register(
        on_protect_picked, on_loop(F.text.in_(pickers.DONE_TEXTS | pickers.OBSERVE_TEXTS))
    )
    router.message.register(on_cancel, on_loop(F.text.in_(pickers.CANCEL_TEXTS)))
    return router


async def begin_protect(
    message: Message, flow_context: FlowContext, user_id: int, language: str
) -> None:
    """The chat pickers, starting with the group."""
    step = await pickers.begin(flow_context.drafts, user_id, language)
    await reply(message, step.text, quote=False, keyboard=picker_keyboard(step))


async def on_protect(message: Message, flow_context: FlowContext, language: str) -> None:
    if message.from_user is not None:
        await begin_protect(message, flow_context, message.from_user.id, language)


async def on_protect_button(query: CallbackQuery, flow_context: FlowContext, language: str) -> None:
    await answer_query(query)
    if isinstance(query.message, Message) and query.message.chat.type == ChatType.PRIVATE:
        await begin_protect(query.message, flow_context, query.from_user.id, language)


async def on_chat_picked(
    message: Message, bot: Bot, flow_context: FlowContext, chat_lookup: ChatLookup, language: str
) -> None:
    if message.from_user is None or message.chat_shared is None:
        return
    shared = message.chat_shared
    if shared.request_id in (log_chat.PICK_LOG_CHANNEL, log_chat.PICK_LOG_GROUP):
        step = await log_chat.picked(
            flow_context,
            flow_context.drafts,
            chat_lookup,
            message.from_user.id,
            language,
            shared.chat_id,
            _poster(bot),
        )
        await reply(message, step.text, quote=False, keyboard=picker_keyboard(step))
        return
    step = await pickers.picked(
        flow_context.drafts,
        chat_lookup,
        message.from_user.id,
        language,
        message.chat_shared.request_id,
        message.chat_shared.chat_id,
    )
    await reply(message, step.text, quote=False, keyboard=picker_keyboard(step))


def _poster(bot: Bot) -> log_chat.Poster:
    async def post(chat_id: int, text: str) -> bool:
        try:
            await bot.send_message(chat_id, text, parse_mode=ParseMode.HTML)
        except (TelegramBadRequest, TelegramForbiddenError):
            return False  # the bot is not there, or may not post there
        return True

    return post


async def on_protect_picked(
    message: Message,
    event_update: Update,
    flow_context: FlowContext,
    chat_lookup: ChatLookup,
    bot: Bot,
    language: str,
) -> None:
    if message.from_user is None:
        return
    async with typing_while(bot, message.chat.id):
        step = await pickers.finish(
            flow_context,
            flow_context.drafts,
            chat_lookup,
            event_update.update_id,
            person(message.from_user),
            language,
            observe=message.text in pickers.OBSERVE_TEXTS,
        )
    await reply(message, step.text, quote=False, keyboard=picker_keyboard(step))


async def on_cancel(message: Message, flow_context: FlowContext, language: str) -> None:
    if message.from_user is None:
        return
    step = await pickers.cancel(flow_context.drafts, message.from_user.id, language)
    await reply(message, step.text, quote=False, keyboard=picker_keyboard(step))
