"""/stats' buttons: the figures' summary and their details, drawn in place of each other."""

from __future__ import annotations

import structlog
from aiogram import F, Router
from aiogram.enums import ChatType, ParseMode
from aiogram.types import CallbackQuery, InaccessibleMessage

from gmbot.gateway.flows import stats
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.telegram.answers import REFUSED, markup
from gmbot.gateway.telegram.filters import on_loop
from gmbot.gateway.texts import language_of
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.budget.telegram import priority

log = structlog.get_logger("gmbot.gateway.stats_buttons")


def stats_buttons() -> Router:
    router = Router(name="stats-buttons")

    @router.callback_query(on_loop(F.data.startswith(stats.PREFIX)))
    async def on_press(query: CallbackQuery, flow_context: FlowContext) -> None:
        message = query.message
        private = message is not None and message.chat.type == ChatType.PRIVATE
        language = language_of(query.from_user.language_code) if private else None
        view = await stats.press(flow_context, query.data or "", query.from_user.id, language)
        try:
            # An administrator's press is answered first; anyone else's waits behind enforcement.
            with priority(Priority.URGENT if view is not None else Priority.LATER):
                await query.answer()
        except REFUSED as error:  # answered too late (a redelivery)
            log.info("callback query not answered", error=str(error))
        if view is None or message is None or isinstance(message, InaccessibleMessage):
            return
        try:
            await message.edit_text(view.text, parse_mode=ParseMode.HTML, reply_markup=markup(view))
        except REFUSED as error:  # not modified, or the message is gone
            log.info("figures not edited", error=str(error))

    return router
