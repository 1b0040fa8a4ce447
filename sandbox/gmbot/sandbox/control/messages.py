"""What people do: write (in groups, channels and to bots), pick chats, press buttons, ask to
join; and what they see: messages, callback answers, join requests, invite links."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web

from gmbot.sandbox.content import CAPTIONED, content_of
from gmbot.sandbox.control.base import PREFIX, ControlPart, read_body, respond
from gmbot.sandbox.pickers import PickRefused, share_chat, share_users
from gmbot.sandbox.wire import message_json


class MessageControl(ControlPart):
    async def post(self, request: web.Request) -> web.Response:
        """Someone writes: `user_id`, or `as_group` (anonymous admin), or `as_channel_id`; a
        comment under a channel post is a reply to its automatic forward in the discussion group
        (`reply_to_message_id`). A person may send another `kind` than text (content.py), a
        photo with a `caption`, and any of it `via_bot_id` (an inline bot)."""
        chat = self._chat(request)
        body = await read_body(request)
        text = str(body.get("text", ""))
        if chat.type == "channel":
            post, forward = self.telegram.post_in_channel(chat, text)
            answer = message_json(post, self.world)
            if forward is not None:
                answer["automatic_forward"] = message_json(forward, self.world)
            return respond(answer, 201)
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
        return respond(message_json(message, self.world), 201)

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
        body = await read_body(request)
        bot = self.telegram.bot_by_id(int(request.match_info["bot_id"]))
        if bot is None:
            raise web.HTTPNotFound(text="no such bot")
        reply_to = body.get("reply_to_message_id")
        message = self.telegram.say_to_bot(
            bot,
            self._user_id(body),
            str(body["text"]),
            reply_to_message_id=int(reply_to) if reply_to is not None else None,
        )
        return respond(message_json(message, self.world), 201)

    async def share_chat(self, request: web.Request) -> web.Response:
        """A person picks a chat with a chat-picker button the bot sent them."""
        body = await read_body(request)
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
        return respond(message_json(message, self.world), 201)

    async def share_users(self, request: web.Request) -> web.Response:
        """A person picks people with a people-picker button the bot sent them."""
        body = await read_body(request)
        bot = self.telegram.bot_by_id(int(request.match_info["bot_id"]))
        if bot is None:
            raise web.HTTPNotFound(text="no such bot")
        try:
            message = share_users(
                self.telegram,
                bot,
                self._user_id(body),
                int(body["request_id"]),
                [int(u) for u in body["user_ids"]],
            )
        except PickRefused as refused:
            raise web.HTTPConflict(text=str(refused)) from None
        return respond(message_json(message, self.world), 201)

    async def messages(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        listed = [
            {**message_json(m, self.world), "deleted": m.deleted}
            for m in self.world.messages.get(chat.id, {}).values()
        ]
        return respond(listed)

    async def press(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        message = self._message(chat, int(request.match_info["message_id"]))
        body = await read_body(request)
        query_id = self.telegram.press(self._user_id(body), message, str(body["data"]))
        return respond({"callback_query_id": query_id}, 201)

    async def callback_answer(self, request: web.Request) -> web.Response:
        query = self.world.callbacks.get(request.match_info["query_id"])
        if query is None:
            raise web.HTTPNotFound(text="no such callback query")
        return respond({"answer": query.answer})

    async def request_join(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        join_request = self.telegram.request_join(chat, self._user_id(await read_body(request)))
        return respond(asdict(join_request), 201)

    async def join_requests(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        pending = [asdict(r) for (c, _), r in self.world.join_requests.items() if c == chat.id]
        return respond(pending)

    async def decline_join_request(self, request: web.Request) -> web.Response:
        """An administrator declines a request in Telegram's apps: it is gone, and no bot is
        told (a bot's approve or decline of it then answers HIDE_REQUESTER_MISSING)."""
        chat = self._chat(request)
        user_id = self._user_id(await read_body(request))
        declined = self.world.join_requests.pop((chat.id, user_id), None)
        if declined is None:
            raise web.HTTPNotFound(text="no such pending join request")
        return respond(asdict(declined))

    async def invite_links(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        return respond(
            [asdict(link) for link in self.world.invite_links.values() if link.chat_id == chat.id]
        )

    async def revoke_invite_link(self, request: web.Request) -> web.Response:
        """The chat's owner revokes a link (any admin's): nobody joins by it any more."""
        chat = self._chat(request)
        body = await read_body(request)
        link = self.world.invite_links.get(str(body.get("invite_link", "")))
        if link is None or link.chat_id != chat.id:
            raise web.HTTPNotFound(text="no such invite link of this chat")
        link.is_revoked = True
        return respond(asdict(link))

    def routes(self) -> list[web.RouteDef]:
        p = PREFIX
        return [
            web.post(f"{p}/chats/{{chat_id}}/messages", self.post),
            web.get(f"{p}/chats/{{chat_id}}/messages", self.messages),
            web.post(f"{p}/chats/{{chat_id}}/messages/{{message_id}}/press", self.press),
            web.post(f"{p}/chats/{{chat_id}}/join_requests", self.request_join),
            web.get(f"{p}/chats/{{chat_id}}/join_requests", self.join_requests),
            web.post(f"{p}/chats/{{chat_id}}/join_requests/decline", self.decline_join_request),
            web.get(f"{p}/chats/{{chat_id}}/invite_links", self.invite_links),
            web.post(f"{p}/chats/{{chat_id}}/invite_links/revoke", self.revoke_invite_link),
            web.post(f"{p}/bots/{{bot_id}}/private", self.private),
            web.post(f"{p}/bots/{{bot_id}}/share_chat", self.share_chat),
            web.post(f"{p}/bots/{{bot_id}}/share_users", self.share_users),
            web.get(f"{p}/callbacks/{{query_id}}", self.callback_answer),
        ]
