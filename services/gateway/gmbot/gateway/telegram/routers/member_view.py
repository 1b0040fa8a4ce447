"""A member's own view in private (flows/member_view.py): the warning's deep link, the plain
/start of a member GMBot holds somewhere, and the view's one "I have joined"."""

from __future__ import annotations

import time

from aiogram import F, Router
from aiogram.enums import ChatType, ParseMode
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, InaccessibleMessage, Message

from gmbot.gateway.flows import member_view
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.flows.verdicts import MEMBER_VIEW
from gmbot.gateway.telegram.answers import answer_query, decided, unless_refused
from gmbot.gateway.telegram.facts import person
from gmbot.gateway.telegram.filters import on_loop
from gmbot.gateway.telegram.keyboards import markup
from gmbot.gateway.texts import say
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.budget.telegram import priority
from gmbot.runtime.error_kinds import ErrorKind


def member_view_router() -> Router:
    """Goes before the private commands: its deep link is a /start too."""
    router = Router(name="member-view")
    router.message.filter(on_loop(F.chat.type == ChatType.PRIVATE))
    router.message.register(on_deep_link, CommandStart(deep_link=True, magic=F.args == MEMBER_VIEW))
    router.callback_query.register(on_check, on_loop(F.data == member_view.CHECK))
    return router


async def show_member_view(
    message: Message, ctx: FlowContext, language: str, *, always: bool = False
) -> bool:
    """Sends the sender their view when GMBot holds them somewhere (or, `always`, says that it
    holds them nowhere); whether it sent anything."""
    if message.from_user is None:
        return False
    view = await member_view.open_view(ctx, message.from_user.id, language)
    if view is None and not always:
        return False
    text = say(language, "member_view_none") if view is None else view.text
    # A member's own chat: behind enforcement, like every answer to a member.
    with (
        unless_refused("member view not delivered", ErrorKind.BOT_BLOCKED),
        priority(Priority.LATER),
    ):
        await message.answer(
            text, parse_mode=ParseMode.HTML, reply_markup=None if view is None else markup(view)
        )
    return True


async def on_deep_link(message: Message, flow_context: FlowContext, language: str) -> None:
    await show_member_view(message, flow_context, language, always=True)


async def on_check(query: CallbackQuery, flow_context: FlowContext, language: str) -> None:
    started = time.perf_counter()
    view = await member_view.check_all(flow_context, person(query.from_user), language, query.id)
    await answer_query(query, urgent=False)
    message = query.message
    if message is not None and not isinstance(message, InaccessibleMessage):
        # The same view again is not modified.
        with (
            unless_refused(
                "member view not edited", ErrorKind.NOT_MODIFIED, ErrorKind.MESSAGE_GONE
            ),
            priority(Priority.LATER),
        ):
            await message.edit_text(view.text, parse_mode=ParseMode.HTML, reply_markup=markup(view))
    decided("member-view", "checked", started)
