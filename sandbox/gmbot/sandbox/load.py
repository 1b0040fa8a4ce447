"""The control API's load endpoints (/_sandbox/…, JSON): many users, members or messages in one
call, and where a bot stands in its updates. Benchmarks use them so that building a world and
injecting a burst cost one request each instead of thousands, and so that "the bot has handled
everything" is read from the sandbox (the offset it confirmed, and when) rather than guessed."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from gmbot.sandbox.control_base import PREFIX, json_body, json_reply
from gmbot.sandbox.telegram import Telegram
from gmbot.sandbox.wire import user_json
from gmbot.sandbox.world import Chat, Member

# One call is still one HTTP request: keep it to what a benchmark needs.
MAX_BATCH = 20_000


def _items(body: dict[str, Any], name: str) -> list[Any]:
    items = body.get(name)
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH:
        raise web.HTTPBadRequest(text=f"{name} must be a list of 1-{MAX_BATCH} items")
    return items


class LoadControl:
    def __init__(self, telegram: Telegram) -> None:
        self.telegram = telegram
        self.world = telegram.world

    def _chat(self, chat_id: int) -> Chat:
        chat = self.world.chat(chat_id)
        if chat is None:
            raise web.HTTPNotFound(text=f"no such chat {chat_id}")
        return chat

    def _user(self, user_id: int) -> int:
        if self.world.user(user_id) is None:
            raise web.HTTPNotFound(text=f"no such user {user_id}")
        return user_id

    async def create_users(self, request: web.Request) -> web.Response:
        """`{"users": [{first_name, username?, language_code?}, …]}` → the users."""
        created = []
        for spec in _items(await json_body(request), "users"):
            fields = {k: spec[k] for k in ("last_name", "username", "language_code") if k in spec}
            created.append(user_json(self.world.add_user(str(spec["first_name"]), **fields)))
        return json_reply(created, 201)

    async def add_members(self, request: web.Request) -> web.Response:
        """`{"user_ids": […], "silent": bool}`: people join. Silent: they were members before
        any bot arrived, so no bot hears of it (no chat_member update, no service message)."""
        chat = self._chat(int(request.match_info["chat_id"]))
        body = await json_body(request)
        user_ids = [self._user(int(u)) for u in _items(body, "user_ids")]
        for user_id in user_ids:
            if body.get("silent"):
                self.world.set_member(chat.id, Member(user_id, "member"))
            else:
                self.telegram.join(chat, user_id)
        return json_reply({"added": len(user_ids)}, 201)

    async def post_many(self, request: web.Request) -> web.Response:
        """`{"messages": [{chat_id, user_id, text}, …]}`: people write, in this order, all in one
        go (all are checked before any is posted). Answers when (Unix time) the last was posted,
        their ids, and each receiving bot's newest update id."""
        checked = []
        for spec in _items(await json_body(request), "messages"):
            chat = self._chat(int(spec["chat_id"]))
            user_id = self._user(int(spec["user_id"]))
            member = self.world.member(chat.id, user_id)
            if chat.type == "channel" or not member.present:
                raise web.HTTPForbidden(text=f"user {user_id} cannot write in chat {chat.id}")
            if member.status == "restricted" and not member.permissions.get("can_send_messages"):
                raise web.HTTPForbidden(text=f"user {user_id} is muted in chat {chat.id}")
            checked.append((chat, user_id, str(spec.get("text", "")) or "hello"))
        before = {bot.user.id: bot.queue.last_update_id for bot in self.telegram.bots.values()}
        posted = [
            {"chat_id": chat.id, "message_id": self.telegram.say(chat, user_id, text).message_id}
            for chat, user_id, text in checked
        ]
        # No bot can fetch any of them before the last is in: this loop never yields.
        posted_at = time.time()
        last_update_ids = {
            str(bot.user.id): bot.queue.last_update_id
            for bot in self.telegram.bots.values()
            if bot.queue.last_update_id > before[bot.user.id]
        }
        return json_reply(
            {"at": posted_at, "messages": posted, "last_update_ids": last_update_ids}, 201
        )

    async def bot_queue(self, request: web.Request) -> web.Response:
        """Where a bot stands: its newest update id, the id below which it confirmed every
        update, when it last confirmed some (Unix time), how many wait, how often it polled."""
        bot = self.telegram.bot_by_id(int(request.match_info["bot_id"]))
        if bot is None:
            raise web.HTTPNotFound(text="no such bot")
        return json_reply(bot.queue.state())

    def routes(self) -> list[web.RouteDef]:
        p = PREFIX
        return [
            web.post(f"{p}/users/batch", self.create_users),
            web.post(f"{p}/chats/{{chat_id}}/members", self.add_members),
            web.post(f"{p}/messages", self.post_many),
            web.get(f"{p}/bots/{{bot_id}}/queue", self.bot_queue),
        ]
