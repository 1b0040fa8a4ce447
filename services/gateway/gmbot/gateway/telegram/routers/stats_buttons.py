"""/stats' buttons: the figures' summary and their details, drawn in place of each other."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType, ParseMode
from aiogram.types import CallbackQuery, InaccessibleMessage

from gmbot.gateway.flows import stats
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.telegram.answers import answer_query, unless_refused
from gmbot.gateway.telegram.filters import on_loop
from gmbot.gateway.telegram.keyboards import markup
from gmbot.runtime.error_kinds import ErrorKind


def stats_buttons() -> Router:
    router = Router(name="stats-buttons")
    router.callback_query.register(on_press, on_loop(F.data.startswith(stats.PREFIX)))
    return router


async def on_press(query: CallbackQuery, flow_context: FlowContext, language: str) -> None:
    message = query.message
    private = message is not None and message.chat.type == ChatType.PRIVATE
    # In a group the figures speak the group's language (the flow reads it).
    view = await stats.press(
        flow_context, query.data or "", query.from_user.id, language if private else None
    )
    # An administrator's press is answered first; anyone else's waits behind enforcement.
    await answer_query(query, urgent=view is not None)
    if view is None or message is None or isinstance(message, InaccessibleMessage):
        return
    with unless_refused("figures not edited", ErrorKind.NOT_MODIFIED, ErrorKind.MESSAGE_GONE):
        await message.edit_text(view.text, parse_mode=ParseMode.HTML, reply_markup=markup(view))
