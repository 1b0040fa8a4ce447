"""Finding a channel the owner named in /protect (getChat)."""

from __future__ import annotations

import re

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError

from gmbot.gateway.flows.commands import ChannelInfo

_LINK = re.compile(r"^(?:https?://)?(?:t|telegram)\.me/(?P<name>[A-Za-z][A-Za-z0-9_]{3,31})/?$")
_USERNAME = re.compile(r"^@?(?P<name>[A-Za-z][A-Za-z0-9_]{3,31})$")


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
    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def find(self, reference: str) -> ChannelInfo | None:
        chat_id = chat_reference(reference)
        if chat_id is None:
            return None
        try:
            chat = await self._bot.get_chat(chat_id)
        except (TelegramBadRequest, TelegramForbiddenError):
            return None
        return ChannelInfo(
            chat_id=chat.id,
            title=chat.title or "",
            username=chat.username or "",
            is_channel=chat.type == "channel",
            kind=str(chat.type),
        )
