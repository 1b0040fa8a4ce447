"""The digest's Go live button (flows/go_live.py): the press answered, and its note, if any, said
in the chat."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import CallbackQuery, Message

from gmbot.gateway.flows import go_live
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.telegram.answers import answer_query, reply
from gmbot.gateway.telegram.filters import on_loop
from gmbot.runtime.callbacks import GO_LIVE_PREFIX


def go_live_buttons() -> Router:
    router = Router(name="go-live-buttons")
    router.callback_query.register(on_go_live, on_loop(F.data.startswith(f"{GO_LIVE_PREFIX}:")))
    return router


async def on_go_live(query: CallbackQuery, flow_context: FlowContext, language: str) -> None:
    note = await go_live.press(flow_context, query.data or "", query.from_user.id, language)
    await answer_query(query, urgent=note is not None)
    if note is not None and isinstance(query.message, Message):
        await reply(query.message, note, quote=False)
