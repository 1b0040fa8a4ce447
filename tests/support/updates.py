"""Telegram updates as the intake's tests need them: a member's message in a supergroup."""

from __future__ import annotations

from aiogram.types import Update

GROUP = -1001


def message(update_id: int, user: int, chat: int = GROUP) -> Update:
    """Update `update_id`: user `user`'s message `update_id` in supergroup `chat`."""
    return Update.model_validate(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "chat": {"id": chat, "type": "supergroup", "title": "G"},
                "from": {"id": user, "is_bot": False, "first_name": "U"},
                "text": "hi",
            },
        }
    )
