"""A channel's primary invite link, remembered when the bot is made an administrator there, so an
owner may name a private channel in /protect by its t.me/+ link (invite_links.py keeps it; the
lookup confirms it still belongs to the channel before it is used)."""

from __future__ import annotations

from typing import Protocol

from gmbot.gateway.flows.bot_status import BotStatus
from gmbot.gateway.flows.context import FlowContext


class InviteLinkReader(Protocol):
    """Reads a chat's primary invite link (getChat): None when it has none the bot may see, or the
    bot cannot read the chat."""

    async def primary_invite_link(self, chat_id: int) -> str | None: ...


async def on_bot_channel_status(
    ctx: FlowContext, reader: InviteLinkReader, channel_id: int, status: BotStatus
) -> None:
    """The bot's status in a channel changed to `status`: as an administrator it may read the
    channel's primary link, and remembers it."""
    if status.status != "administrator":
        return
    link = await reader.primary_invite_link(channel_id)
    if link:
        await ctx.invite_links.remember(link, channel_id)
