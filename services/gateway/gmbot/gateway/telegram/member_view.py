"""A member's own view in private (flows/member_view.py): the warning's deep link, the plain
/start of a member GMBot holds somewhere, and the view's one "I have joined"."""

from __future__ import annotations

import time

import structlog
from aiogram import F, Router
from aiogram.enums import ChatType, ParseMode
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, InaccessibleMessage, Message

from gmbot.gateway.flows import member_view
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.flows.verdicts import MEMBER_VIEW
from gmbot.gateway.telegram.answers import REFUSED, decided, markup
from gmbot.gateway.telegram.facts import person
from gmbot.gateway.telegram.filters import on_loop
from gmbot.gateway.texts import language_of, say
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.budget.telegram import priority

log = structlog.get_logger("gmbot.gateway.member_view")


async def show_member_view(message: Message, ctx: FlowContext, *, always: bool = False) -> bool:
    """Sends the sender their view when GMBot holds them somewhere (or, `always`, says that it
    holds them nowhere); whether it sent anything."""
    if message.from_user is None:
        return False
    language = language_of(message.from_user.language_code)
    view = await member_view.open_view(ctx, message.from_user.id, language)
    if view is None and not always:
        return False
    text = say(language, "member_view_none") if view is None else view.text
    try:
        # A member's own chat: behind enforcement, like every answer to a member.
        with priority(Priority.LATER):
            await message.answer(
                text, parse_mode=ParseMode.HTML, reply_markup=None if view is None else markup(view)
            )
    except REFUSED as error:
        log.info("member view not delivered", error=str(error))
    return True


def member_view_router() -> Router:
    """Goes before the private commands: its deep link is a /start too."""
    router = Router(name="member-view")
    router.message.filter(on_loop(F.chat.type == ChatType.PRIVATE))

    @router.message(CommandStart(deep_link=True, magic=F.args == MEMBER_VIEW))
    async def on_deep_link(message: Message, flow_context: FlowContext) -> None:
        await show_member_view(message, flow_context, always=True)

    @router.callback_query(on_loop(F.data == member_view.CHECK))
    async def on_check(query: CallbackQuery, flow_context: FlowContext) -> None:
        started = time.perf_counter()
        language = language_of(query.from_user.language_code)
        view = await member_view.check_all(
            flow_context, person(query.from_user), language, query.id
        )
        try:
            with priority(Priority.LATER):
                await query.answer()
        except REFUSED as error:  # answered too late (a redelivery)
            log.info("callback query not answered", error=str(error))
        message = query.message
        if message is not None and not isinstance(message, InaccessibleMessage):
            try:
                with priority(Priority.LATER):
                    await message.edit_text(
                        view.text, parse_mode=ParseMode.HTML, reply_markup=markup(view)
                    )
            except REFUSED as error:  # not modified (the same view again)
                log.info("member view not edited", error=str(error))
        decided("member-view", "checked", started)

    return router
