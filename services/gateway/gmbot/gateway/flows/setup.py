"""Adding GMBot: the administrator rights it asks for, as Telegram's deep links that pre-tick
them (https://core.telegram.org/api/links#bot-links) and as its default rights; and the way into
the set-up by chat pickers (/protect in private) from wherever owners look."""

from __future__ import annotations

# What GMBot cannot work without in a group.
REQUIRED_GROUP_RIGHTS = ("can_delete_messages", "can_restrict_members")
# What it asks for when added: join requests need the right to invite.
WANTED_GROUP_RIGHTS = (*REQUIRED_GROUP_RIGHTS, "can_invite_users")
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


# The /start payload and the callback data that begin /protect in private.
PROTECT = "protect"


def protect_link(bot_username: str) -> str:
    """Opens the private chat with GMBot at the set-up by chat pickers."""
    return f"https://t.me/{bot_username}?start={PROTECT}"
