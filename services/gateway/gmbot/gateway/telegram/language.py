"""The language a handler answers in, resolved once per update: the Telegram language of whoever
caused it (the sender, the presser, the one who changed a member), as one of GMBot's, in the
handler's data as `language`. A protected group's own language is its policy's (a flow reads it);
nothing here calls a back end."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, User

from gmbot.gateway.texts import language_of


class LanguageMiddleware(BaseMiddleware):
    """An outer middleware of the update, after aiogram's own that finds `event_from_user`."""

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        user: User | None = data.get("event_from_user")
        data["language"] = language_of(user.language_code if user else None)
        return await handler(event, data)
