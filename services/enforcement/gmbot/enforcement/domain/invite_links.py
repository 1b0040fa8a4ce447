"""A channel's invite link for a group: made once by the bot, kept in the ledger, answered from
there ever after (the joins through it are counted for the group's /stats)."""

from __future__ import annotations

from gmbot.enforcement.domain.actions import Later, Permanent
from gmbot.enforcement.domain.ports import Ledger, TelegramActions
from gmbot.runtime.errors import FailedPrecondition, Unavailable


async def invite_link(
    ledger: Ledger, telegram: TelegramActions, channel_id: int, group_id: int
) -> str:
    async with ledger.transaction() as stores:
        link = await stores.invite_links.get(channel_id, group_id)
    if link is not None:
        return link
    try:
        # Named for the group, so the channel's admins see where its joins come from.
        made = await telegram.invite_link(channel_id, f"GMBot · {group_id}"[:32])
    except Permanent as refused:
        raise FailedPrecondition(
            f"the bot cannot create invite links in {channel_id}: {refused}"
        ) from refused
    except Later as later:
        raise Unavailable(f"Telegram is busy: {later}") from later
    # Two callers at once keep one link: the first kept wins, and both answer it.
    async with ledger.transaction() as stores:
        return await stores.invite_links.keep(channel_id, group_id, made)
