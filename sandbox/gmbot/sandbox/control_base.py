"""What the control API's parts share (/_sandbox/…, JSON): the prefix, JSON in and out, and
finding the chat, message or user a request names."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from gmbot.sandbox.telegram import Telegram
from gmbot.sandbox.world import Chat, Message

PREFIX = "/_sandbox"


def json_reply(body: Any, status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(body), status=status, content_type="application/json")


async def json_body(request: web.Request) -> dict[str, Any]:
    """The request's JSON object ({} without a body)."""
    body = await request.json() if request.body_exists else {}
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="a JSON object is expected")
    return body


class ControlPart:
    def __init__(self, telegram: Telegram) -> None:
        self.telegram = telegram
        self.world = telegram.world

    # -- helpers
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
