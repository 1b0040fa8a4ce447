"""The sandbox's Telegram: bots, the world, and the updates state changes produce, generated as
Telegram generates them (who receives which update, and when)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from gmbot.sandbox.journal import Journal
from gmbot.sandbox.limits import FaultConfig, LimitConfig, Limits
from gmbot.sandbox.updates import UpdateQueue
from gmbot.sandbox.wire import (
    CHANNEL_BOT,
    GROUP_ANONYMOUS_BOT,
    TELEGRAM_SERVICE_USER,
    chat_json,
    invite_link_json,
    member_json,
    message_json,
    user_json,
)
from gmbot.sandbox.world import Chat, InviteLink, JoinRequest, Member, Message, User, World

# A bot may message the author of a join request for this long (TELEGRAM.md).
JOIN_REQUEST_CONTACT_SECONDS = 300


@dataclass
class SandboxConfig:
    limits: LimitConfig = field(default_factory=LimitConfig)
    faults: FaultConfig = field(default_factory=FaultConfig)
    # Webhook redelivery: at once, then base, 2·base, 4·base … up to cap seconds (Telegram: 2 s
    # up to 60-120 s; tests use less).
    webhook_retry_base: float = 2.0
    webhook_retry_cap: float = 60.0


@dataclass
class BotAccount:
    user: User
    token: str
    queue: UpdateQueue
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    # setMyDefaultAdministratorRights: "groups" or "channels" -> ChatAdministratorRights.
    default_rights: dict[str, dict[str, bool]] = field(default_factory=dict)
    # setMyDescription / setMyShortDescription: "description:<language_code>" -> text.
    profile: dict[str, str] = field(default_factory=dict)
    # Users the bot may write to in private, until when (a /start: forever; a join request:
    # five minutes).
    reachable: dict[int, float] = field(default_factory=dict)


class Telegram:
    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.world = World()
        self.journal = Journal()
        self.limits = Limits(self.config.limits, self.config.faults)
        self.bots: dict[str, BotAccount] = {}

    # -- bots
    def create_bot(
        self, username: str, first_name: str = "", token: str | None = None
    ) -> BotAccount:
        user = self.world.add_user(first_name or username, username=username, is_bot=True)
        token = token or f"{user.id}:{secrets.token_urlsafe(24)}"
        queue = UpdateQueue(self.config.webhook_retry_base, self.config.webhook_retry_cap)
        account = BotAccount(user, token, queue)
        self.bots[token] = account
        return account

    def bot_by_id(self, user_id: int) -> BotAccount | None:
        return next((b for b in self.bots.values() if b.user.id == user_id), None)

    async def close(self) -> None:
        for bot in self.bots.values():
            await bot.queue.close()

    # -- membership changes
    def change_member(
        self, chat: Chat, new: Member, actor_id: int, invite_link: InviteLink | None = None
    ) -> Member:
        """Sets a member's status and sends chat_member / my_chat_member as Telegram does (a
        join by a link names the link)."""
        old = self.world.member(chat.id, new.user_id).copy()
        self.world.set_member(chat.id, new)
        if (old.status, old.is_member, old.rights, old.permissions, old.until_date) == (
            new.status,
            new.is_member,
            new.rights,
            new.permissions,
            new.until_date,
        ):
            return old
        payload = {
            "chat": chat_json(chat, self.world),
            "from": user_json(self.world.users[actor_id]),
            "date": self.world.clock.seconds(),
            "old_chat_member": member_json(old, self.world),
            "new_chat_member": member_json(new, self.world),
        }
        if invite_link is not None:
            payload["invite_link"] = invite_link_json(invite_link, self.world)
        for bot in self.bots.values():
            if bot.user.id == new.user_id:
                bot.queue.push("my_chat_member", payload, chat.id)
            elif self.world.member(chat.id, bot.user.id).is_admin:
                # Only administrators hear about other members, and only when they asked.
                bot.queue.push("chat_member", payload, chat.id)
        return old

    def join(
        self,
        chat: Chat,
        user_id: int,
        *,
        actor_id: int | None = None,
        undelivered: bool = False,
        invite_link: InviteLink | None = None,
    ) -> Message | None:
        """A user joins (or is added, or comes in by `invite_link`); groups also get the service
        message. `undelivered`: the join happens but no bot ever gets its updates (they were
        lost: the bot was away for longer than Telegram keeps them)."""
        if undelivered:
            self.world.set_member(chat.id, Member(user_id, "member"))
            return None
        self.change_member(chat, Member(user_id, "member"), actor_id or user_id, invite_link)
        if not chat.is_group:
            return None
        return self.post(
            self.world.add_message(chat.id, actor_id or user_id, new_chat_member_ids=[user_id])
        )

    def leave(
        self,
        chat: Chat,
        user_id: int,
        *,
        status: str = "left",
        actor_id: int | None = None,
        until_date: int = 0,
    ) -> None:
        self.change_member(
            chat, Member(user_id, status, until_date=until_date), actor_id or user_id
        )
        if chat.is_group:
            self.post(
                self.world.add_message(chat.id, actor_id or user_id, left_chat_member_id=user_id)
            )

    # -- messages
    def _sees(self, bot: BotAccount, message: Message, chat: Chat) -> bool:
        if chat.type == "private":
            return chat.user_id is not None and message.from_user_id != bot.user.id
        if message.from_user_id == bot.user.id:
            return False
        member = self.world.member(chat.id, bot.user.id)
        if not member.present:
            return False
        if member.is_admin or message.new_chat_member_ids or message.left_chat_member_id:
            return True
        # Privacy mode: commands and replies to the bot.
        if (message.text or message.caption).startswith("/"):
            return True
        replied = self.world.message(chat.id, message.reply_to_message_id or 0)
        return replied is not None and replied.from_user_id == bot.user.id

    def post(self, message: Message, *, recipients: list[BotAccount] | None = None) -> Message:
        chat = self.world.chats[message.chat_id]
        kind = "channel_post" if chat.type == "channel" else "message"
        payload = message_json(message, self.world)
        for bot in recipients if recipients is not None else self.bots.values():
            if recipients is not None or self._sees(bot, message, chat):
                bot.queue.push(kind, payload, chat.id)
        return message

    def say(self, chat: Chat, user_id: int, text: str, **fields: Any) -> Message:
        """A person writes in a chat (in a private chat: to the bot on the other side)."""
        message = self.world.add_message(chat.id, user_id, text=text, **fields)
        if chat.type == "private":
            bot = self.bot_by_id(chat.user_id or 0)
            return self.post(message, recipients=[bot] if bot else [])
        return self.post(message)

    def say_to_bot(
        self, bot: BotAccount, user_id: int, text: str, reply_to_message_id: int | None = None
    ) -> Message:
        """A person writes to the bot in private; in reply to one of its messages (a prompt
        with a ForceReply) when `reply_to_message_id` names one."""
        bot.reachable[user_id] = float("inf")
        chat = self.world.private_chat(user_id)
        message = self.world.add_message(
            chat.id, user_id, text=text, reply_to_message_id=reply_to_message_id
        )
        return self.post(message, recipients=[bot])

    def say_as_group(self, chat: Chat, text: str) -> Message:
        """An anonymous administrator writes (as the group)."""
        message = self.world.add_message(
            chat.id, GROUP_ANONYMOUS_BOT, text=text, sender_chat_id=chat.id
        )
        return self.post(message)

    def say_as_channel(
        self, chat: Chat, channel: Chat, user_id: int, text: str, **fields: Any
    ) -> Message:
        """A member writes on behalf of a channel: the linked channel's admins commenting "as
        the channel", or anyone with send-as. Telegram hides who it was."""
        del user_id  # Telegram shows only the channel
        message = self.world.add_message(
            chat.id, CHANNEL_BOT, text=text, sender_chat_id=channel.id, **fields
        )
        return self.post(message)

    def post_in_channel(self, channel: Chat, text: str) -> tuple[Message, Message | None]:
        """A channel post, and its automatic forward into the linked discussion group (None
        without one): the root of the post's comments there."""
        post = self.post(
            self.world.add_message(channel.id, None, text=text, sender_chat_id=channel.id)
        )
        group = self.world.chat(channel.linked_chat_id or 0)
        if group is None:
            return post, None
        forward = self.world.add_message(
            group.id,
            TELEGRAM_SERVICE_USER,
            text=text,
            sender_chat_id=channel.id,
            is_automatic_forward=True,
        )
        return post, self.post(forward)

    # -- buttons and join requests
    def press(self, user_id: int, message: Message, data: str) -> str:
        query = self.world.add_callback(user_id, message, data)
        bot = self.bot_by_id(message.from_user_id or 0)
        if bot is not None:
            payload = {
                "id": query.id,
                "from": user_json(self.world.users[user_id]),
                "message": message_json(message, self.world),
                "chat_instance": str(abs(message.chat_id)),
                "data": data,
            }
            bot.queue.push("callback_query", payload, message.chat_id)
        return query.id

    def request_join(
        self, chat: Chat, user_id: int, invite_link: InviteLink | None = None
    ) -> JoinRequest:
        """A request to join, direct or by a link that creates join requests (it names it)."""
        private = self.world.private_chat(user_id)
        request = JoinRequest(
            chat.id,
            user_id,
            self.world.clock.seconds(),
            private.id,
            invite_link.link if invite_link is not None else "",
        )
        self.world.join_requests[(chat.id, user_id)] = request
        payload = {
            "chat": chat_json(chat, self.world),
            "from": user_json(self.world.users[user_id]),
            "user_chat_id": private.id,
            "date": request.date,
        }
        if invite_link is not None:
            payload["invite_link"] = invite_link_json(invite_link, self.world)
        for bot in self.bots.values():
            if self.world.member(chat.id, bot.user.id).can("can_invite_users"):
                bot.reachable.setdefault(
                    user_id, self.world.clock.now() + JOIN_REQUEST_CONTACT_SECONDS
                )
                bot.queue.push("chat_join_request", payload, chat.id)
        return request
