"""What every part of the control API shares: its prefix, JSON answers, and reading the chat,
message, body and user a request names."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from gmbot.sandbox.telegram import Telegram
from gmbot.sandbox.world import Chat, Message

PREFIX = "/_sandbox"


def respond(body: Any, status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(body), status=status, content_type="application/json")


async def read_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object ({} without a body)."""
    if not request.body_exists:
        return {}
    body = await request.json()
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="a JSON object is expected")
    return body


class ControlPart:
    """One part of the control API over the sandbox's Telegram; `routes()` lists its endpoints."""

    def __init__(self, telegram: Telegram) -> None:
        self.telegram = telegram
        self.world = telegram.world

    def _chat(self, request: web.Request) -> Chat:
        chat = self.world.chat(int(request.match_info["chat_id"]))
        if chat is None:
            raise web.HTTPNotFound(text="no such chat")
        return chat

    def _message(self, chat: Chat, message_id: int) -> Message:
        message = self.world.messages.get(chat.id, {}).get(message_id)
        if message is None:
            raise web.HTTPNotFound(text="no such message")
        return message

    def _user_id(self, body: dict[str, Any]) -> int:
        user_id = int(body["user_id"])
        if self.world.user(user_id) is None:
            raise web.HTTPNotFound(text=f"no such user {user_id}")
        return user_id
