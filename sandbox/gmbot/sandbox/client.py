"""A thin async client of the control API, so scenarios read like the story they tell:

alice = await sandbox.create_user("Alice")
await sandbox.join(group["id"], alice["id"])
message = await sandbox.say(group["id"], alice["id"], "hello")
calls = await sandbox.journal(method="restrictChatMember")
"""

from __future__ import annotations

from typing import Any

import aiohttp

Json = dict[str, Any]


class SandboxError(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(f"{status}: {text}")
        self.status = status


class SandboxClient:
    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _object(self, verb: str, path: str, body: Json | None = None, **query: Any) -> Json:
        answer = await self._call(verb, path, body, **query)
        if not isinstance(answer, dict):
            raise SandboxError(200, f"expected an object from {path}")
        return answer

    async def _list(
        self, verb: str, path: str, body: Json | None = None, **query: Any
    ) -> list[Json]:
        answer = await self._call(verb, path, body, **query)
        if not isinstance(answer, list):
            raise SandboxError(200, f"expected a list from {path}")
        return answer

    async def _call(self, verb: str, path: str, body: Json | None = None, **query: Any) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        params = {k: str(v) for k, v in query.items() if v is not None}
        async with self._session.request(
            verb, f"{self.url}/_sandbox{path}", json=body, params=params
        ) as response:
            if response.status >= 400:
                raise SandboxError(response.status, await response.text())
            return await response.json()

    # -- the world
    async def create_bot(self, username: str, token: str | None = None) -> Json:
        return await self._object("POST", "/bots", {"username": username, "token": token})

    async def create_user(self, first_name: str, **fields: Any) -> Json:
        return await self._object("POST", "/users", {"first_name": first_name, **fields})

    async def create_chat(self, kind: str, title: str, **fields: Any) -> Json:
        return await self._object("POST", "/chats", {"type": kind, "title": title, **fields})

    async def link(self, group_id: int, channel_id: int) -> None:
        await self._call("POST", f"/chats/{group_id}/link", {"channel_id": channel_id})

    async def set_permissions(self, chat_id: int, permissions: dict[str, bool]) -> None:
        await self._call("PUT", f"/chats/{chat_id}/permissions", {"permissions": permissions})

    # -- membership
    async def set_member(self, chat_id: int, user_id: int, status: str, **fields: Any) -> Json:
        body = {"status": status, **fields}
        return await self._object("PUT", f"/chats/{chat_id}/members/{user_id}", body)

    async def promote(
        self, chat_id: int, user_id: int, rights: dict[str, bool] | None = None, **fields: Any
    ) -> Json:
        return await self.set_member(chat_id, user_id, "administrator", rights=rights, **fields)

    async def moderate(
        self, chat_id: int, user_id: int, actor_id: int, action: str, **fields: Any
    ) -> Json:
        """Another administrator (a person or another bot) bans, kicks, unbans or restricts the
        member, as Telegram's apps do it; fields: `until_date`, `permissions`."""
        body = {"actor_id": actor_id, "action": action, **fields}
        return await self._object("POST", f"/chats/{chat_id}/members/{user_id}/moderate", body)

    async def join(
        self,
        chat_id: int,
        user_id: int,
        *,
        undelivered: bool = False,
        invite_link: str | None = None,
    ) -> Json:
        """`undelivered`: the join happens, but its updates never reach any bot. `invite_link`:
        the join is by that link of the chat (its chat_member update names it); by a link that
        creates join requests it is a request instead (the answer is the request)."""
        body: dict[str, Any] = {"user_id": user_id, "undelivered": undelivered}
        if invite_link is not None:
            body["invite_link"] = invite_link
        return await self._object("POST", f"/chats/{chat_id}/join", body)

    async def leave(self, chat_id: int, user_id: int) -> None:
        await self._call("POST", f"/chats/{chat_id}/leave", {"user_id": user_id})

    async def member(self, chat_id: int, user_id: int) -> Json:
        return await self._object("GET", f"/chats/{chat_id}/members/{user_id}")

    async def members(self, chat_id: int) -> list[Json]:
        return await self._list("GET", f"/chats/{chat_id}/members")

    # -- what people do
    async def say(self, chat_id: int, user_id: int, text: str, **fields: Any) -> Json:
        """`fields`: thread_id, reply_to_message_id; kind (photo, sticker, poll, dice, contact,
        location, story; text by default), caption (a photo's), via_bot_id (an inline bot)."""
        return await self._object(
            "POST", f"/chats/{chat_id}/messages", {"user_id": user_id, "text": text, **fields}
        )

    async def say_as_group(self, chat_id: int, text: str) -> Json:
        return await self._object(
            "POST", f"/chats/{chat_id}/messages", {"as_group": True, "text": text}
        )

    async def say_as_channel(
        self, chat_id: int, user_id: int, channel_id: int, text: str, **fields: Any
    ) -> Json:
        body = {"user_id": user_id, "as_channel_id": channel_id, "text": text, **fields}
        return await self._object("POST", f"/chats/{chat_id}/messages", body)

    async def post_in_channel(self, channel_id: int, text: str) -> Json:
        return await self._object("POST", f"/chats/{channel_id}/messages", {"text": text})

    async def say_to_bot(self, bot_id: int, user_id: int, text: str, **fields: Any) -> Json:
        """`fields`: reply_to_message_id (one of the bot's messages in that private chat)."""
        return await self._object(
            "POST", f"/bots/{bot_id}/private", {"user_id": user_id, "text": text, **fields}
        )

    async def share_chat(self, bot_id: int, user_id: int, request_id: int, chat_id: int) -> Json:
        """`user_id` picks `chat_id` with the bot's chat-picker button `request_id`."""
        body = {"user_id": user_id, "request_id": request_id, "chat_id": chat_id}
        return await self._object("POST", f"/bots/{bot_id}/share_chat", body)

    async def share_users(
        self, bot_id: int, user_id: int, request_id: int, user_ids: list[int]
    ) -> Json:
        """`user_id` picks `user_ids` with the bot's people-picker button `request_id`."""
        body = {"user_id": user_id, "request_id": request_id, "user_ids": user_ids}
        return await self._object("POST", f"/bots/{bot_id}/share_users", body)

    async def press(self, chat_id: int, message_id: int, user_id: int, data: str) -> str:
        body = {"user_id": user_id, "data": data}
        answer = await self._object("POST", f"/chats/{chat_id}/messages/{message_id}/press", body)
        return str(answer["callback_query_id"])

    async def callback_answer(self, query_id: str) -> Json | None:
        answer: Json | None = (await self._object("GET", f"/callbacks/{query_id}"))["answer"]
        return answer

    async def request_join(self, chat_id: int, user_id: int) -> Json:
        return await self._object("POST", f"/chats/{chat_id}/join_requests", {"user_id": user_id})

    async def join_requests(self, chat_id: int) -> list[Json]:
        return await self._list("GET", f"/chats/{chat_id}/join_requests")

    async def decline_join_request(self, chat_id: int, user_id: int) -> Json:
        """An administrator declines the request in the apps (Telegram tells no bot)."""
        body = {"user_id": user_id}
        return await self._object("POST", f"/chats/{chat_id}/join_requests/decline", body)

    async def messages(self, chat_id: int) -> list[Json]:
        return await self._list("GET", f"/chats/{chat_id}/messages")

    async def invite_links(self, chat_id: int) -> list[Json]:
        return await self._list("GET", f"/chats/{chat_id}/invite_links")

    async def revoke_invite_link(self, chat_id: int, invite_link: str) -> Json:
        """The chat's owner revokes one of its links (Telegram tells no bot)."""
        body = {"invite_link": invite_link}
        return await self._object("POST", f"/chats/{chat_id}/invite_links/revoke", body)

    # -- what bots did
    async def journal(
        self,
        method: str | None = None,
        bot_id: int | None = None,
        since: int = 0,
        wait: float | None = None,
    ) -> list[Json]:
        """The calls after `since`; with `wait`, the sandbox holds its answer until there is one
        (or `wait` seconds passed: then the list is empty)."""
        return await self._list(
            "GET", "/journal", method=method, bot_id=bot_id, since=since, wait=wait
        )

    async def clear_journal(self) -> None:
        await self._call("DELETE", "/journal")

    async def counters(self, bot_id: int | None = None) -> Json:
        """{"methods": {name: calls}, "errors": {"429": n, …}, "last_seq", "rejected"}."""
        return await self._object("GET", "/counters", bot_id=bot_id)

    async def bot_updates(self, bot_id: int) -> Json:
        return await self._object("GET", f"/bots/{bot_id}/updates")

    # -- many at once (benchmarks)
    async def create_users(self, first_names: list[str], **fields: Any) -> list[Json]:
        users = [{"first_name": name, **fields} for name in first_names]
        return await self._list("POST", "/users/batch", body={"users": users})

    async def add_members(self, chat_id: int, user_ids: list[int], *, silent: bool = False) -> None:
        """People join; `silent`: they were there before any bot (no update is sent)."""
        body = {"user_ids": user_ids, "silent": silent}
        await self._call("POST", f"/chats/{chat_id}/members", body)

    async def say_many(self, messages: list[tuple[int, int, str]]) -> Json:
        """(chat_id, user_id, text) written in this order in one call. Answers {"at": when the
        last was posted (Unix time), "messages": [{chat_id, message_id}], "last_update_ids":
        {bot_id: update_id}}."""
        body = {"messages": [{"chat_id": c, "user_id": u, "text": t} for c, u, t in messages]}
        return await self._object("POST", "/messages", body)

    async def bot_queue(self, bot_id: int) -> Json:
        """{"last_update_id", "confirmed_below", "confirmed_at", "pending", "polls", "webhook"}."""
        return await self._object("GET", f"/bots/{bot_id}/queue")

    # -- limits, faults, time
    async def set_limits(
        self,
        *,
        enabled: bool = True,
        requests_per_second: int = 30,
        group_messages_per_minute: int = 20,
    ) -> None:
        body = {
            "enabled": enabled,
            "requests_per_second": requests_per_second,
            "group_messages_per_minute": group_messages_per_minute,
        }
        await self._call("PUT", "/limits", body)

    async def set_faults(self, **faults: Any) -> None:
        """error_rate, storm_seconds, storm_retry_after, storm_methods, latency, seed."""
        await self._call("PUT", "/faults", faults)

    async def advance_clock(self, seconds: float) -> None:
        await self._call("POST", "/clock", {"seconds": seconds})
