"""The bot's own status changing (my_chat_member): in a group (flows/bot_status.py), in a channel
(flows/channel_rights.py, flows/channel_invite_links.py); whom to tell is delivered here."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.enums import ChatType, ParseMode
from aiogram.types import ChatMemberUpdated, Update

from gmbot.gateway.flows import bot_status, channel_invite_links, channel_rights, log_chat
from gmbot.gateway.flows.channel_invite_links import InviteLinkReader
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.telegram.answers import unless_refused
from gmbot.gateway.telegram.facts import person
from gmbot.gateway.telegram.filters import GROUPS, on_loop
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.budget.telegram import priority
from gmbot.runtime.error_kinds import ErrorKind


def bot_status_changes() -> Router:
    router = Router(name="bot-status")
    router.my_chat_member.register(on_bot_status, on_loop(F.chat.type.in_(GROUPS)))
    router.my_chat_member.register(on_bot_channel_status, on_loop(F.chat.type == ChatType.CHANNEL))
    return router


async def on_bot_status(
    update: ChatMemberUpdated,
    event_update: Update,
    bot: Bot,
    flow_context: FlowContext,
    language: str,
) -> None:
    notices = await bot_status.on_bot_status_changed(
        flow_context,
        event_update.update_id,
        update.chat.id,
        status_of(update.old_chat_member),
        status_of(update.new_chat_member),
        language,
        basic_group=update.chat.type == ChatType.GROUP,
    )
    await _deliver(bot, notices)
    await _log_chat_lost(update, bot, flow_context)


async def on_bot_channel_status(
    update: ChatMemberUpdated, bot: Bot, flow_context: FlowContext, chat_lookup: InviteLinkReader
) -> None:
    """The bot's rights in a channel changed: owners of the groups that require it are told, and
    as an administrator it remembers the channel's primary invite link."""
    channel = channel_rights.ChannelChat(
        update.chat.id, update.chat.title or "", update.chat.username or ""
    )
    now = status_of(update.new_chat_member)
    notices = await channel_rights.on_bot_channel_status(
        flow_context,
        channel,
        person(update.from_user) if update.from_user else None,
        status_of(update.old_chat_member),
        now,
    )
    await _deliver(bot, notices)
    await _log_chat_lost(update, bot, flow_context)
    await channel_invite_links.on_bot_channel_status(flow_context, chat_lookup, update.chat.id, now)


def _may_post(member: object, channel: bool) -> bool:
    """Whether the bot may post in the chat, as its chat member there says."""
    status = str(getattr(member, "status", "left"))
    if status == "creator":
        return True
    if status == "administrator":
        return not channel or bool(getattr(member, "can_post_messages", False))
    if status == "member":
        return not channel
    if status == "restricted":
        return bool(
            getattr(member, "is_member", False) and getattr(member, "can_send_messages", False)
        )
    return False


async def _log_chat_lost(update: ChatMemberUpdated, bot: Bot, ctx: FlowContext) -> None:
    """The bot may no longer post here: wherever this is a group's log chat, it stops being one
    (flows/log_chat.py), and the alerts go at the budget's lowest priority."""
    channel = update.chat.type == ChatType.CHANNEL
    if _may_post(update.new_chat_member, channel) or not _may_post(update.old_chat_member, channel):
        return
    notices = await log_chat.lost(ctx, update.chat.id, update.chat.title or "")
    with priority(Priority.IDLE):
        await _deliver(bot, notices)


async def _deliver(bot: Bot, notices: list[bot_status.Notice]) -> None:
    for notice in notices:
        # Someone who never started the bot (or blocked it) cannot be written to first.
        with unless_refused(
            "notice not delivered: the chat does not accept it",
            ErrorKind.BOT_BLOCKED,
            chat_id=notice.chat_id,
        ):
            await bot.send_message(notice.chat_id, notice.text, parse_mode=ParseMode.HTML)


def status_of(member: object) -> bot_status.BotStatus:
    """The bot's status and the rights GMBot needs that it holds, from its chat member."""
    rights = frozenset(
        right
        for right in ("can_delete_messages", "can_restrict_members", "can_invite_users")
        if getattr(member, right, False)
    )
    return bot_status.BotStatus(status=str(getattr(member, "status", "left")), rights=rights)
