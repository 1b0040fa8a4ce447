"""Finding a channel the owner named in /protect, and a channel's primary invite link (getChat)."""

from __future__ import annotations

import re

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError

from gmbot.gateway.flows.admin_checks import ChannelInfo
from gmbot.gateway.stores.invite_links import InviteLinks, link_key
from gmbot.gateway.telegram.answers import unless_refused
from gmbot.runtime.error_kinds import ErrorKind

_LINK = re.compile(r"^(?:https?://)?(?:t|telegram)\.me/(?P<name>[A-Za-z][A-Za-z0-9_]{3,31})/?$")
_USERNAME = re.compile(r"^@?(?P<name>[A-Za-z][A-Za-z0-9_]{3,31})$")
INVITE = re.compile(
    r"^(?:https?://)?(?:t|telegram)\.me/(?:\+|joinchat/)(?P<key>[A-Za-z0-9_-]{8,64})/?$"
)


def chat_reference(text: str) -> str | int | None:
    """What getChat accepts for an owner's argument: @username, a t.me link, or an id."""
    text = text.strip()
    if re.fullmatch(r"-?\d{5,20}", text):
        return int(text)
    for pattern in (_LINK, _USERNAME):
        if match := pattern.match(text):
            return "@" + match["name"]
    return None


class BotChatLookup:
    def __init__(self, bot: Bot, invite_links: InviteLinks | None = None) -> None:
        self._bot = bot
        self._invite_links = invite_links or InviteLinks()

    async def find(self, reference: str) -> ChannelInfo | None:
        invite = INVITE.match(reference.strip())
        chat_id = (
            await self._invite_links.chat_of(invite["key"]) if invite else chat_reference(reference)
        )
        if chat_id is None:
            return None
        try:
            chat = await self._bot.get_chat(chat_id)
        except (TelegramBadRequest, TelegramForbiddenError):
            return None
        if invite and link_key(chat.invite_link or "") != invite["key"]:
            return None  # the link was revoked or replaced since
        return ChannelInfo(
            chat_id=chat.id,
            title=chat.title or "",
            username=chat.username or "",
            is_channel=chat.type == "channel",
            kind=str(chat.type),
            linked_chat_id=chat.linked_chat_id or 0,
        )

    async def primary_invite_link(self, chat_id: int) -> str | None:
        with unless_refused(
            "channel not read", ErrorKind.NOT_ENOUGH_RIGHTS, ErrorKind.BOT_REMOVED, chat_id=chat_id
        ):
            return (await self._bot.get_chat(chat_id)).invite_link
        return None
