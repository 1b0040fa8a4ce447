"""The settings panel's buttons in a group (flows/settings_panel.py): a press answered, the
panel redrawn in place, and the prompt for a typed number sent when one is asked."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ParseMode
from aiogram.types import CallbackQuery, ForceReply, Message, Update

from gmbot.gateway.flows import settings_panel
from gmbot.gateway.flows.admin_checks import GroupCommand
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.telegram.answers import answer_query, unless_refused
from gmbot.gateway.telegram.facts import person
from gmbot.gateway.telegram.filters import GROUPS, on_loop
from gmbot.gateway.telegram.keyboards import inline_keyboard
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.budget.telegram import priority
from gmbot.runtime.error_kinds import ErrorKind


def settings_buttons() -> Router:
    router = Router(name="settings-buttons")
    router.callback_query.register(on_press, on_loop(F.data.startswith(settings_panel.PREFIX)))
    return router


async def on_press(
    query: CallbackQuery, event_update: Update, flow_context: FlowContext, language: str
) -> None:
    message = query.message
    if not isinstance(message, Message) or message.chat.type not in GROUPS:
        await answer_query(query)
        return
    command = GroupCommand(
        update_id=event_update.update_id,
        group_id=message.chat.id,
        group_title=message.chat.title or "",
        chat_type=message.chat.type,
        issuer=person(query.from_user),
        language=language,
    )
    answer = await settings_panel.press(flow_context, command, query.data or "")
    await answer_query(query, answer.note, urgent=answer.by_admin)
    if answer.prompt:
        with priority(Priority.URGENT):
            await message.answer(
                answer.prompt, parse_mode=ParseMode.HTML, reply_markup=ForceReply(selective=True)
            )
    if answer.panel is not None:
        with unless_refused(
            "settings panel not edited", ErrorKind.NOT_MODIFIED, ErrorKind.MESSAGE_GONE
        ):
            await message.edit_text(
                answer.panel.text,
                parse_mode=ParseMode.HTML,
                reply_markup=inline_keyboard(answer.panel.rows),
            )
