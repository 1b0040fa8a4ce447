"""Adding GMBot: the administrator rights it asks for, as Telegram's deep links that pre-tick
them (https://core.telegram.org/api/links#bot-links) and as its default rights."""

from __future__ import annotations

from gmbot.gateway.flows.bot_status import WANTED_GROUP_RIGHTS

# In a group: delete messages, restrict members, and invite users (join requests).
GROUP_RIGHTS = WANTED_GROUP_RIGHTS
# In a channel it reads the members (any administrator can) and makes invite links of private
# channels for their join buttons.
CHANNEL_RIGHTS = ("can_invite_users",)


def _admin_parameter(rights: tuple[str, ...]) -> str:
    return "+".join(right.removeprefix("can_") for right in rights)


def add_to_group_link(bot_username: str) -> str:
    return f"https://t.me/{bot_username}?startgroup&admin={_admin_parameter(GROUP_RIGHTS)}"


def add_to_channel_link(bot_username: str) -> str:
    return f"https://t.me/{bot_username}?startchannel&admin={_admin_parameter(CHANNEL_RIGHTS)}"
