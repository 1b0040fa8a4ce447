"""Every message in a group, judged first (flows/messages.py): whatever it starts with or carries
(a command, a caption, media). Only one that stands goes on to group_commands, so a command is no
way around the check and a removed message is never answered."""

from __future__ import annotations

import time

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.types import Message, Update

from gmbot.gateway.flows import members, messages, settings_panel
from gmbot.gateway.flows.admin_checks import ChatLookup
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.telegram.answers import decided
from gmbot.gateway.telegram.facts import group_message, person
from gmbot.gateway.telegram.filters import GROUPS, on_loop

# The outcomes of a judged message that leave it standing: only such a message may be answered.
_STANDS = frozenset({"allowed", "exempt", "skipped", "unprotected", "own-channel"})


def group_messages() -> Router:
    router = Router(name="group-messages")
    router.message.filter(on_loop(F.chat.type.in_(GROUPS)))
    router.message.register(on_joined, on_loop(F.new_chat_members))
    router.message.register(on_message)
    return router


async def on_joined(message: Message, event_update: Update, flow_context: FlowContext) -> None:
    for user in message.new_chat_members or []:
        started = time.perf_counter()
        outcome = await members.on_member_joined(
            flow_context, event_update.update_id, message.chat.id, person(user)
        )
        decided("join", outcome, started)


async def on_message(
    message: Message, event_update: Update, flow_context: FlowContext, chat_lookup: ChatLookup
) -> None:
    started = time.perf_counter()
    outcome = await messages.on_group_message(
        flow_context, chat_lookup, group_message(event_update.update_id, message)
    )
    decided("message", outcome, started)
    if outcome in _STANDS and (
        (message.text or message.caption or "").startswith("/")
        or _answers_a_prompt(message, flow_context.bot_id)
    ):
        raise SkipHandler


def _answers_a_prompt(message: Message, bot_id: int) -> bool:
    """A reply to the settings panel's prompt for a typed number."""
    prompt = message.reply_to_message
    return (
        prompt is not None
        and prompt.from_user is not None
        and prompt.from_user.id == bot_id
        and (prompt.text or "").startswith(settings_panel.PROMPT_MARK)
    )
