"""The owners' buttons: the press of a signed owner button, answered, and the message it is on
edited into what the flow says it becomes."""

from __future__ import annotations

import time

from aiogram import Bot, F, Router
from aiogram.enums import ChatType, ParseMode
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InaccessibleMessage, Message, Update

from gmbot.gateway.flows import owner_buttons
from gmbot.gateway.flows.admin_checks import ChatLookup
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.flows.log_undo import Pressed
from gmbot.gateway.telegram.answers import decided, unless_refused
from gmbot.gateway.telegram.facts import person
from gmbot.gateway.telegram.filters import on_loop
from gmbot.gateway.telegram.keyboards import markup, relabelled
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.budget.telegram import priority
from gmbot.runtime.callbacks import OWNER_PREFIX
from gmbot.runtime.error_kinds import ErrorKind
from gmbot.runtime.telegram_errors import kind_of


def owner_buttons_router() -> Router:
    router = Router(name="owner-buttons")
    router.callback_query.register(on_owner_press, on_loop(F.data.startswith(f"{OWNER_PREFIX}:")))
    return router


async def on_owner_press(
    query: CallbackQuery,
    event_update: Update,
    bot: Bot,
    flow_context: FlowContext,
    chat_lookup: ChatLookup,
) -> None:
    started = time.perf_counter()
    message = query.message
    private = message is not None and message.chat.type == ChatType.PRIVATE
    pressed = Pressed(message.chat.id, message.message_id) if message else Pressed(0, 0)
    answer = await owner_buttons.on_owner_pressed(
        flow_context,
        chat_lookup,
        query.data or "",
        person(query.from_user),
        owner_buttons.Press(event_update.update_id, query.id, private, pressed),
    )
    if answer is None:
        with priority(Priority.LATER):
            await query.answer()
        decided("owner-button", "foreign", started)
        return
    # Anyone but an administrator is answered behind enforcement, never ahead of it.
    with (
        unless_refused("callback query not answered", ErrorKind.QUERY_TOO_OLD),
        priority(Priority.URGENT if answer.by_admin else Priority.LATER),
    ):
        await query.answer(answer.text or None, show_alert=answer.alert)
    if message is not None and not isinstance(message, InaccessibleMessage):
        await _edit(bot, message, answer, query.data or "")
    decided("owner-button", "answered", started)


async def _edit(bot: Bot, message: Message, answer: owner_buttons.PressAnswer, data: str) -> None:
    """The message the button is on, as the flow says it becomes: drawn again, or only the
    pressed button relabelled (a log chat's line undone)."""
    try:
        if answer.edit is not None:
            await bot.edit_message_text(
                answer.edit.text,
                chat_id=message.chat.id,
                message_id=message.message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=markup(answer.edit),
            )
        elif answer.relabel and message.reply_markup is not None:
            await bot.edit_message_reply_markup(
                chat_id=message.chat.id,
                message_id=message.message_id,
                reply_markup=relabelled(message.reply_markup, data, answer.relabel),
            )
    except TelegramBadRequest as refused:
        if kind_of(refused) is not ErrorKind.NOT_MODIFIED:
            raise
