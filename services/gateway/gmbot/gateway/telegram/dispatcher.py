"""The gateway's aiogram Dispatcher: every router, and what their handlers are given."""

from __future__ import annotations

from aiogram import Bot, Dispatcher

from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.telegram.errors import errors_router
from gmbot.gateway.telegram.language import LanguageMiddleware
from gmbot.gateway.telegram.lookup import BotChatLookup
from gmbot.gateway.telegram.routers import all_routers

# chat_member is not in Telegram's default list: without it, channel leaves and hidden joins
# never arrive (TELEGRAM.md).
REQUIRED_UPDATES = (
    "message",
    "callback_query",
    "chat_member",
    "my_chat_member",
    "chat_join_request",
)


def build_dispatcher(context: FlowContext, bot: Bot, signing_key: bytes) -> Dispatcher:
    dispatcher = Dispatcher(
        flow_context=context, chat_lookup=BotChatLookup(bot, context.invite_links)
    )
    dispatcher.update.outer_middleware(LanguageMiddleware())
    dispatcher.include_routers(errors_router(), *all_routers(signing_key))
    return dispatcher


def allowed_updates(dispatcher: Dispatcher) -> list[str]:
    """What Telegram is asked to send: what the handlers take, and what GMBot cannot do without."""
    return sorted(set(dispatcher.resolve_used_update_types()) | set(REQUIRED_UPDATES))
