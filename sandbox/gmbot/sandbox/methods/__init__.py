"""The Bot API methods, one module per area; each handler takes a Call and returns the result."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from gmbot.sandbox.errors import CHAT_NOT_FOUND, USER_NOT_FOUND, bad_request, forbidden
from gmbot.sandbox.telegram import BotAccount, Telegram
from gmbot.sandbox.world import Chat, Member, Message, User, World

Handler = Callable[["Call"], Awaitable[Any]]
REGISTRY: dict[str, Handler] = {}


def bot_in(call: Call, chat: Chat) -> Member:
    """The bot's own membership; Telegram's 403 when it is not in the chat."""
    member = call.world.member(chat.id, call.bot.user.id)
    if chat.type == "private":
        return member
    if member.status == "kicked":
        raise forbidden(f"bot was kicked from the {_kind(chat)} chat")
    if not member.present:
        raise forbidden(f"bot is not a member of the {_kind(chat)} chat")
    return member


def _kind(chat: Chat) -> str:
    return {"supergroup": "supergroup", "channel": "channel", "group": "group"}.get(
        chat.type, "chat"
    )


def method(name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        REGISTRY[name.lower()] = handler
        return handler

    return register


@dataclass
class Call:
    telegram: Telegram
    bot: BotAccount
    method: str
    params: dict[str, Any]

    @property
    def world(self) -> World:
        return self.telegram.world

    def has(self, name: str) -> bool:
        return self.params.get(name) not in (None, "")

    def raw(self, name: str) -> Any:
        if not self.has(name):
            raise bad_request(f"{name} is empty" if name in self.params else f"{name} is required")
        return self.params[name]

    def number(self, name: str, default: int | None = None) -> int:
        if default is not None and not self.has(name):
            return default
        value = self.raw(name)
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.params.get(name)
        if value in (None, ""):
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in {"true", "1"}

    def text(self, name: str, default: str = "") -> str:
        value = self.params.get(name)
        return default if value is None else str(value)

    def json(self, name: str) -> Any:
        """A JSON-serialized object, as clients send objects inside form fields."""
        value = self.params.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, (dict, list)):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {name} JSON object") from None

    def chat(self, name: str = "chat_id") -> Chat:
        value = self.raw(name)
        chat = None
        if isinstance(value, str) and value.startswith("@"):
            chat = self.world.chat_by_username(value)
        else:
            try:
                chat_id = int(value)
            except (TypeError, ValueError):
                chat_id = 0
            chat = self.world.chat(chat_id)
            if chat is None and self.world.user(chat_id) is not None:
                chat = self.world.private_chat(chat_id)  # a user's id is their private chat
        if chat is None:
            raise bad_request(CHAT_NOT_FOUND)
        return chat

    def user(self, name: str = "user_id") -> User:
        user: User | None = self.world.user(self.number(name))
        if user is None:
            raise bad_request(USER_NOT_FOUND)
        return user

    def message(self, chat: Chat, name: str = "message_id") -> Message | None:
        message: Message | None = self.world.message(chat.id, self.number(name))
        return message
