"""Building the world: bots, users, chats and their links, permissions, and members — any
status set directly, or changed as another administrator does it."""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from gmbot.sandbox import moderation
from gmbot.sandbox.control.base import PREFIX, ControlPart, read_body, respond
from gmbot.sandbox.errors import ApiError
from gmbot.sandbox.wire import chat_json, member_json, message_json, user_json
from gmbot.sandbox.world import ADMIN_RIGHTS, PERMISSIONS, Member


class WorldControl(ControlPart):
    async def create_bot(self, request: web.Request) -> web.Response:
        body = await read_body(request)
        bot = self.telegram.create_bot(
            body["username"], body.get("first_name", ""), body.get("token")
        )
        return respond({"token": bot.token, "user": user_json(bot.user)}, 201)

    async def create_user(self, request: web.Request) -> web.Response:
        body = await read_body(request)
        fields = {k: body[k] for k in ("last_name", "username", "language_code") if k in body}
        user = self.world.add_user(body["first_name"], user_id=body.get("id"), **fields)
        return respond(user_json(user), 201)

    async def create_chat(self, request: web.Request) -> web.Response:
        body = await read_body(request)
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
        return respond(chat_json(chat, self.world), 201)

    async def link(self, request: web.Request) -> web.Response:
        group = self._chat(request)
        channel = self.world.chat(int((await read_body(request))["channel_id"]))
        if channel is None:
            raise web.HTTPNotFound(text="no such channel")
        # One discussion group per channel and one channel per group: a new link ends the old.
        for chat in (group, channel):
            former = self.world.chat(chat.linked_chat_id or 0)
            if former is not None:
                former.linked_chat_id = None
        group.linked_chat_id, channel.linked_chat_id = channel.id, group.id
        return respond({"ok": True})

    async def set_permissions(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        chat.permissions.update(
            {k: bool(v) for k, v in (await read_body(request))["permissions"].items()}
        )
        return respond(chat.permissions)

    # -- membership
    async def set_member(self, request: web.Request) -> web.Response:
        """Any status, with the updates Telegram would send; `actor_id` is who did it."""
        chat = self._chat(request)
        user_id = int(request.match_info["user_id"])
        body = await read_body(request)
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
        return respond(member_json(self.world.member(chat.id, user_id), self.world))

    async def moderate(self, request: web.Request) -> web.Response:
        """Another administrator (`actor_id`: a person, or another bot) acts on a member as
        Telegram's apps do it, with the updates Telegram sends: `ban` (`until_date`), `kick`
        (a ban, then an unban: removed, free to come back), `unban`, `restrict` (`permissions`,
        every one false when left out: a mute; every one true: an unmute; `until_date`).
        Refused, as Telegram would refuse it, when the actor may not restrict members there."""
        chat = self._chat(request)
        user_id = int(request.match_info["user_id"])
        body = await read_body(request)
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
            return respond(refused.body(), refused.code)
        return respond(member_json(self.world.member(chat.id, user_id), self.world))

    async def join(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        body = await read_body(request)
        link = None
        if "invite_link" in body:  # a join by one of the chat's links, which it then names
            link = self.world.invite_links.get(str(body["invite_link"]))
            if link is None or link.chat_id != chat.id or link.is_revoked:
                raise web.HTTPBadRequest(text="no such invite link of this chat")
            if link.creates_join_request:  # the chat's admins decide: a request, not a join
                asked = self.telegram.request_join(chat, self._user_id(body), link)
                return respond(asdict(asked), 201)
        message = self.telegram.join(
            chat,
            self._user_id(body),
            undelivered=bool(body.get("undelivered")),
            invite_link=link,
        )
        return respond(message_json(message, self.world) if message else {"ok": True})

    async def leave(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        self.telegram.leave(chat, self._user_id(await read_body(request)))
        return respond({"ok": True})

    async def members(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        return respond([member_json(m, self.world) for m in self.world.members(chat.id)])

    async def member(self, request: web.Request) -> web.Response:
        chat = self._chat(request)
        member = self.world.member(chat.id, int(request.match_info["user_id"]))
        return respond(member_json(member, self.world))

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
        ]
