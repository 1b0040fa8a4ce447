"""The control API (/_sandbox/…, JSON): what people and tests do to the sandbox's Telegram —
create users and chats, join, leave, post, press buttons, request to join, promote the bot, ban,
remove or restrict members as another administrator — and what they read back: members,
messages, callback answers, the journal, counters."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from aiohttp import web

from gmbot.sandbox import moderation
from gmbot.sandbox.content import CAPTIONED, content_of
from gmbot.sandbox.errors import ApiError
from gmbot.sandbox.limits import FaultConfig, LimitConfig
from gmbot.sandbox.pickers import PickRefused, share_chat
from gmbot.sandbox.telegram import Telegram
from gmbot.sandbox.wire import chat_json, member_json, message_json, user_json
from gmbot.sandbox.world import ADMIN_RIGHTS, PERMISSIONS, Chat, Member, Message

PREFIX = "/_sandbox"


def _json(body: Any, status: int = 200) -> web.Response:
    return web.Response(text=json.dumps(body), status=status, content_type="application/json")


class Control:
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

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any]:
        if not request.body_exists:
            return {}
        body = await request.json()
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(text="a JSON object is expected")
        return body

    def _user_id(self, body: dict[str, Any]) -> int:
        user_id = int(body["user_id"])
        if self.world.user(user_id) is None:
            raise web.HTTPNotFound(text=f"no such user {user_id}")
        return user_id

    # -- creating the world
    async def create_bot(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        bot = self.telegram.create_bot(
            body["username"], body.get("first_name", ""), body.get("token")
        )
        return _json({"token": bot.token, "user": user_json(bot.user)}, 201)

    async def create_user(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        fields = {k: body[k] for k in ("last_name", "username", "language_code") if k in body}
        user = self.world.add_user(body["first_name"], user_id=body.get("id"), **fields)
        return _json(user_json(user), 201)

    async def create_chat(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        kind = body.get("type", "supergroup")
        if kind not in {"group", "supergroup", "channel"}:
            raise web.HTTPBadRequest(text="type is group, supergroup or channel")
        chat = self.world.add_chat(
            kind,
            body.get("title", ""),
            username=body.get("username", ""),
            is_forum=bool(body.get("is_forum")),
        )
        if creator := body.get("creator_id"):
            self.world.set_member(chat.id, Member(int(creator), "creator"))
        return _json(chat_json(chat, self.world), 201)

    async def link(self, request: web.Request) -> web.Response:
        group = self._chat(request)
        channel = self.world.chat(int((await self._body(request))["channel_id"]))
        if channel is None:
            raise web.HTTPNotFound(text="no such channel")
        # One discussion group per channel and one channel per group: a new link ends the old.
        for chat in (group, channel):
            former = self.world.chat(chat.linked_chat_id or 0)
            if former is not None:
                former.linked_chat_id = None
        group.linked_chat_id, channel.linked_chat_id = channel.id, group.id
        return _json({"ok": True})

    async def set_permissions(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        chat.permissions.update(
            {k: bool(v) for k, v in (await self._body(request))["permissions"].items()}
        )
        return _json(chat.permissions)

    # -- membership
    async def set_member(self, request: web.Request) -> web.Response:
        """Any status, with the updates Telegram would send; `actor_id` is who did it."""
        chat = self._chat(request)
        user_id = int(request.match_info["user_id"])
        body = await self._body(request)
        status = body["status"]
        rights = body.get("rights")
        if status == "administrator" and rights is None:
            rights = dict.fromkeys(ADMIN_RIGHTS, True)
        member = Member(
            user_id,
            status,
            rights=rights or {},
            permissions=body.get("permissions", {}),
            is_member=bool(body.get("is_member", status == "restricted")),
            until_date=int(body.get("until_date", 0)),
            is_anonymous=bool(body.get("is_anonymous")),
        )
        if body.get("undelivered"):  # the change happens; its updates never reach a bot
            self.world.set_member(chat.id, member)
        else:
            self.telegram.change_member(chat, member, int(body.get("actor_id", user_id)))
        return _json(member_json(self.world.member(chat.id, user_id), self.world))

    async def moderate(self, request: web.Request) -> web.Response:
        """Another administrator (`actor_id`: a person, or another bot) acts on a member as
        Telegram's apps do it, with the updates Telegram sends: `ban` (`until_date`), `kick`
        (a ban, then an unban: removed, free to come back), `unban`, `restrict` (`permissions`,
        every one false when left out: a mute; every one true: an unmute; `until_date`).
        Refused, as Telegram would refuse it, when the actor may not restrict members there."""
        chat = self._chat(request)
        user_id = int(request.match_info["user_id"])
        body = await self._body(request)
        actor_id = self._user_id({"user_id": body["actor_id"]})
        until_date = int(body.get("until_date", 0))
        try:
            match body["action"]:
                case "ban":
                    moderation.ban(self.telegram, chat, actor_id, user_id, until_date)
                case "kick":
                    moderation.ban(self.telegram, chat, actor_id, user_id, 0)
                    moderation.unban(self.telegram, chat, actor_id, user_id, only_if_banned=True)
                case "unban":
                    moderation.unban(self.telegram, chat, actor_id, user_id, only_if_banned=True)
                case "restrict":
                    granted = body.get("permissions", {})
                    moderation.restrict(
                        self.telegram,
                        chat,
                        actor_id,
                        user_id,
                        {p: bool(granted.get(p, False)) for p in PERMISSIONS},
                        until_date,
                    )
                case other:
                    raise web.HTTPBadRequest(text=f"no such action {other!r}")
        except ApiError as refused:
            return _json(refused.body(), refused.code)
        return _json(member_json(self.world.member(chat.id, user_id), self.world))

    async def join(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        body = await self._body(request)
        link = None
        if "invite_link" in body:  # a join by one of the chat's links, which it then names
            link = self.world.invite_links.get(str(body["invite_link"]))
            if link is None or link.chat_id != chat.id or link.is_revoked:
                raise web.HTTPBadRequest(text="no such invite link of this chat")
        message = self.telegram.join(
            chat,
            self._user_id(body),
            undelivered=bool(body.get("undelivered")),
            invite_link=link,
        )
        return _json(message_json(message, self.world) if message else {"ok": True})

    async def leave(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        self.telegram.leave(chat, self._user_id(await self._body(request)))
        return _json({"ok": True})

    async def members(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        return _json([member_json(m, self.world) for m in self.world.members(chat.id)])

    async def member(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        member = self.world.member(chat.id, int(request.match_info["user_id"]))
        return _json(member_json(member, self.world))

    # -- messages, buttons, join requests
    async def post(self, request: web.Request) -> web.Response:
        """Someone writes: `user_id`, or `as_group` (anonymous admin), or `as_channel_id`; a
        comment under a channel post is a reply to its automatic forward in the discussion group
        (`reply_to_message_id`). A person may send another `kind` than text (content.py), a
        photo with a `caption`, and any of it `via_bot_id` (an inline bot)."""
        chat = self._chat(request)
        body = await self._body(request)
        text = str(body.get("text", ""))
        if chat.type == "channel":
            post, forward = self.telegram.post_in_channel(chat, text)
            answer = message_json(post, self.world)
            if forward is not None:
                answer["automatic_forward"] = message_json(forward, self.world)
            return _json(answer, 201)
        if body.get("as_group"):
            message = self.telegram.say_as_group(chat, text)
        elif body.get("as_channel_id"):
            channel = self.world.chat(int(body["as_channel_id"]))
            if channel is None:
                raise web.HTTPNotFound(text="no such channel")
            if channel.id in chat.banned_sender_chats:
                raise web.HTTPForbidden(text="this channel is banned from the chat")
            message = self.telegram.say_as_channel(
                chat,
                channel,
                self._user_id(body),
                text,
                reply_to_message_id=body.get("reply_to_message_id"),
            )
        else:
            user_id = self._user_id(body)
            member = self.world.member(chat.id, user_id)
            if not member.present or (
                member.status == "restricted" and not member.permissions.get("can_send_messages")
            ):
                raise web.HTTPForbidden(text="the user cannot write in this chat")
            message = self.telegram.say(
                chat,
                user_id,
                thread_id=body.get("thread_id"),
                reply_to_message_id=body.get("reply_to_message_id"),
                **self._said(body, user_id),
            )
        return _json(message_json(message, self.world), 201)

    def _said(self, body: dict[str, Any], user_id: int) -> dict[str, Any]:
        """What a person's message holds: its text, or the `kind` of content it carries (a
        poll's question is its `text`), a photo's `caption`, the inline bot it came via."""
        kind, text = str(body.get("kind", "text")), str(body.get("text", ""))
        caption = str(body.get("caption", ""))
        if caption and kind not in CAPTIONED:
            raise web.HTTPBadRequest(text=f"a {kind} message has no caption")
        try:
            content = content_of(kind, self.world, self.world.users[user_id], text)
        except ValueError as error:
            raise web.HTTPBadRequest(text=str(error)) from None
        said: dict[str, Any] = {
            "text": text if kind == "text" else "",
            "caption": caption,
            "content": content,
        }
        if "via_bot_id" in body:
            via = self.world.user(int(body["via_bot_id"]))
            if via is None or not via.is_bot:
                raise web.HTTPBadRequest(text="via_bot_id names no bot")
            said["via_bot_id"] = via.id
        return said

    async def private(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        bot = self.telegram.bot_by_id(int(request.match_info["bot_id"]))
        if bot is None:
            raise web.HTTPNotFound(text="no such bot")
        message = self.telegram.say_to_bot(bot, self._user_id(body), str(body["text"]))
        return _json(message_json(message, self.world), 201)

    async def share_chat(self, request: web.Request) -> web.Response:
        """A person picks a chat with a chat-picker button the bot sent them."""
        body = await self._body(request)
        bot = self.telegram.bot_by_id(int(request.match_info["bot_id"]))
        if bot is None:
            raise web.HTTPNotFound(text="no such bot")
        try:
            message = share_chat(
                self.telegram,
                bot,
                self._user_id(body),
                int(body["request_id"]),
                int(body["chat_id"]),
            )
        except PickRefused as refused:
            raise web.HTTPConflict(text=str(refused)) from None
        return _json(message_json(message, self.world), 201)

    async def messages(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        listed = [
            {**message_json(m, self.world), "deleted": m.deleted}
            for m in self.world.messages.get(chat.id, {}).values()
        ]
        return _json(listed)

    async def press(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        message = self._message(chat, int(request.match_info["message_id"]))
        body = await self._body(request)
        query_id = self.telegram.press(self._user_id(body), message, str(body["data"]))
        return _json({"callback_query_id": query_id}, 201)

    async def callback_answer(self, request: web.Request) -> web.Response:
        query = self.world.callbacks.get(request.match_info["query_id"])
        if query is None:
            raise web.HTTPNotFound(text="no such callback query")
        return _json({"answer": query.answer})

    async def request_join(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        join_request = self.telegram.request_join(chat, self._user_id(await self._body(request)))
        return _json(asdict(join_request), 201)

    async def join_requests(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        pending = [asdict(r) for (c, _), r in self.world.join_requests.items() if c == chat.id]
        return _json(pending)

    async def invite_links(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        return _json(
            [asdict(link) for link in self.world.invite_links.values() if link.chat_id == chat.id]
        )

    # -- reading what bots did
    async def journal(self, request: web.Request) -> web.Response:
        query = request.query
        entries = self.telegram.journal.entries(
            method=query.get("method"),
            bot_id=int(query["bot_id"]) if "bot_id" in query else None,
            since=int(query.get("since", 0)),
        )
        return _json([e.as_json() for e in entries])

    async def clear_journal(self, _request: web.Request) -> web.Response:
        self.telegram.journal.clear()
        return _json({"ok": True})

    async def counters(self, request: web.Request) -> web.Response:
        """Calls by method and errors by code: every bot's, or one bot's with `bot_id`."""
        journal = self.telegram.journal
        bot_id = int(request.query["bot_id"]) if "bot_id" in request.query else None
        methods = journal.counters if bot_id is None else journal.bot_counters.get(bot_id)
        return _json(
            {
                "methods": dict(methods or {}),
                "errors": {str(code): n for code, n in journal.errors(bot_id).items()},
                "last_seq": journal.last_seq(),
                "rejected": self.telegram.limits.rejected,
            }
        )

    async def bot_updates(self, request: web.Request) -> web.Response:
        bot = self.telegram.bot_by_id(int(request.match_info["bot_id"]))
        if bot is None:
            raise web.HTTPNotFound(text="no such bot")
        return _json(
            {"delivered": bot.queue.delivered, "pending": [p.update for p in bot.queue.pending]}
        )

    # -- limits, faults, time
    async def set_limits(self, request: web.Request) -> web.Response:
        config = LimitConfig(**await self._body(request))
        self.telegram.limits.config = config
        return _json(asdict(config))

    async def set_faults(self, request: web.Request) -> web.Response:
        body = await self._body(request)
        storm_seconds = float(body.pop("storm_seconds", 0))
        methods = set(body.pop("storm_methods", []))
        faults = FaultConfig(**body, storm_methods=methods)
        if storm_seconds:
            faults.storm_until = self.world.clock.now() + storm_seconds
        self.telegram.limits.set_faults(faults)
        return _json({"ok": True})

    async def advance_clock(self, request: web.Request) -> web.Response:
        self.world.clock.offset += float((await self._body(request))["seconds"])
        return _json({"now": self.world.clock.now()})

    def routes(self) -> list[web.RouteDef]:
        p = PREFIX
        return [
            web.post(f"{p}/bots", self.create_bot),
            web.post(f"{p}/users", self.create_user),
            web.post(f"{p}/chats", self.create_chat),
            web.post(f"{p}/chats/{{chat_id}}/link", self.link),
            web.put(f"{p}/chats/{{chat_id}}/permissions", self.set_permissions),
            web.put(f"{p}/chats/{{chat_id}}/members/{{user_id}}", self.set_member),
            web.get(f"{p}/chats/{{chat_id}}/members", self.members),
            web.get(f"{p}/chats/{{chat_id}}/members/{{user_id}}", self.member),
            web.post(f"{p}/chats/{{chat_id}}/members/{{user_id}}/moderate", self.moderate),
            web.post(f"{p}/chats/{{chat_id}}/join", self.join),
            web.post(f"{p}/chats/{{chat_id}}/leave", self.leave),
            web.post(f"{p}/chats/{{chat_id}}/messages", self.post),
            web.get(f"{p}/chats/{{chat_id}}/messages", self.messages),
            web.post(f"{p}/chats/{{chat_id}}/messages/{{message_id}}/press", self.press),
            web.post(f"{p}/chats/{{chat_id}}/join_requests", self.request_join),
            web.get(f"{p}/chats/{{chat_id}}/join_requests", self.join_requests),
            web.get(f"{p}/chats/{{chat_id}}/invite_links", self.invite_links),
            web.post(f"{p}/bots/{{bot_id}}/private", self.private),
            web.post(f"{p}/bots/{{bot_id}}/share_chat", self.share_chat),
            web.get(f"{p}/bots/{{bot_id}}/updates", self.bot_updates),
            web.get(f"{p}/callbacks/{{query_id}}", self.callback_answer),
            web.get(f"{p}/journal", self.journal),
            web.delete(f"{p}/journal", self.clear_journal),
            web.get(f"{p}/counters", self.counters),
            web.put(f"{p}/limits", self.set_limits),
            web.put(f"{p}/faults", self.set_faults),
            web.post(f"{p}/clock", self.advance_clock),
        ]
