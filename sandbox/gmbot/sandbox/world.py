"""The sandbox's Telegram: users, chats, who is in which chat with what rights, messages."""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

# Chat ids as Telegram marks them: supergroups and channels are -100xxxxxxxxxx.
_MARKED = -1_000_000_000_000

ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_post_messages",
    "can_edit_messages",
    "can_pin_messages",
    "can_manage_topics",
    "can_send_welcome_messages",
)
PERMISSIONS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_edit_tag",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)
IN_CHAT = frozenset({"creator", "administrator", "member"})


class Clock:
    """Unix time that tests can move forward (restrictions expire, messages age)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.time() + self.offset

    def seconds(self) -> int:
        return int(self.now())


@dataclass
class User:
    id: int
    first_name: str
    last_name: str = ""
    username: str = ""
    is_bot: bool = False
    language_code: str = "en"


@dataclass
class Chat:
    id: int
    type: str
    title: str = ""
    username: str = ""
    is_forum: bool = False
    linked_chat_id: int | None = None
    # A private chat's other side.
    user_id: int | None = None
    # Default member permissions of a group.
    permissions: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(PERMISSIONS, True))
    banned_sender_chats: set[int] = field(default_factory=set)

    @property
    def is_group(self) -> bool:
        return self.type in {"group", "supergroup"}


@dataclass
class Member:
    user_id: int
    status: str = "left"
    rights: dict[str, bool] = field(default_factory=dict)
    permissions: dict[str, bool] = field(default_factory=dict)
    is_member: bool = False
    until_date: int = 0
    is_anonymous: bool = False

    @property
    def present(self) -> bool:
        return self.status in IN_CHAT or (self.status == "restricted" and self.is_member)

    @property
    def is_admin(self) -> bool:
        return self.status in {"creator", "administrator"}

    def can(self, right: str) -> bool:
        return self.status == "creator" or (
            self.status == "administrator" and self.rights.get(right, False)
        )

    def copy(self) -> Member:
        return Member(
            self.user_id,
            self.status,
            dict(self.rights),
            dict(self.permissions),
            self.is_member,
            self.until_date,
            self.is_anonymous,
        )


@dataclass
class Message:
    chat_id: int
    message_id: int
    date: int
    from_user_id: int | None
    text: str = ""
    sender_chat_id: int | None = None
    thread_id: int | None = None
    reply_to_message_id: int | None = None
    reply_markup: dict[str, Any] | None = None
    is_automatic_forward: bool = False
    new_chat_member_ids: list[int] = field(default_factory=list)
    left_chat_member_id: int | None = None
    edit_date: int | None = None
    deleted: bool = False
    # A chat picked with a KeyboardButtonRequestChat: {"request_id": ..., "chat_id": ...}.
    chat_shared: dict[str, int] | None = None
    # People picked with a KeyboardButtonRequestUsers: {"request_id", "users": [SharedUser]}.
    users_shared: dict[str, Any] | None = None
    # A person's message besides text: its media's caption, what it carries as the Bot API
    # names it ({"photo": [...]}, {"dice": {...}} ...: content.py), the inline bot it came via.
    caption: str = ""
    content: dict[str, Any] = field(default_factory=dict)
    via_bot_id: int | None = None


@dataclass
class CallbackQuery:
    id: str
    from_user_id: int
    chat_id: int
    message_id: int
    data: str
    created: float
    answer: dict[str, Any] | None = None


@dataclass
class InviteLink:
    link: str
    chat_id: int
    creator_id: int
    creates_join_request: bool = False
    is_primary: bool = False
    is_revoked: bool = False
    name: str = ""


@dataclass
class JoinRequest:
    chat_id: int
    user_id: int
    date: int
    user_chat_id: int
    # The link the request came by (one that creates join requests); "" for a direct request.
    invite_link: str = ""


class World:
    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or Clock()
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self._members: dict[tuple[int, int], Member] = {}
        self.messages: dict[int, dict[int, Message]] = {}
        self.callbacks: dict[str, CallbackQuery] = {}
        self.invite_links: dict[str, InviteLink] = {}
        self.join_requests: dict[tuple[int, int], JoinRequest] = {}
        self._user_ids = itertools.count(100_001)
        self._chat_ids = itertools.count(1_000_000_001)
        self._callback_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}

    # -- people and chats
    def add_user(self, first_name: str, *, user_id: int | None = None, **fields: Any) -> User:
        user = User(user_id or next(self._user_ids), first_name, **fields)
        self.users[user.id] = user
        return user

    def add_chat(self, type_: str, title: str = "", **fields: Any) -> Chat:
        raw = next(self._chat_ids)
        chat_id = _MARKED - raw if type_ in {"supergroup", "channel"} else -raw
        chat = Chat(chat_id, type_, title, **fields)
        self.chats[chat.id] = chat
        return chat

    def private_chat(self, user_id: int) -> Chat:
        chat = self.chats.get(user_id)
        if chat is None:
            user = self.users[user_id]
            chat = Chat(user_id, "private", user_id=user_id, username=user.username)
            self.chats[user_id] = chat
        return chat

    def user(self, user_id: int) -> User | None:
        return self.users.get(user_id)

    def chat(self, chat_id: int) -> Chat | None:
        return self.chats.get(chat_id)

    def chat_by_username(self, username: str) -> Chat | None:
        name = username.removeprefix("@").lower()
        return next(
            (c for c in self.chats.values() if c.username.lower() == name and c.type != "private"),
            None,
        )

    # -- membership
    def member(self, chat_id: int, user_id: int) -> Member:
        """The member as of now: a restriction or ban whose time is up has ended."""
        member = self._members.get((chat_id, user_id)) or Member(user_id)
        if member.until_date and member.until_date <= self.clock.seconds():
            if member.status == "restricted":
                member = Member(user_id, "member" if member.is_member else "left")
            elif member.status == "kicked":
                member = Member(user_id, "left")
            self._members[(chat_id, user_id)] = member
        return member

    def set_member(self, chat_id: int, member: Member) -> None:
        self._members[(chat_id, member.user_id)] = member

    def members(self, chat_id: int) -> list[Member]:
        return [
            self.member(chat_id, user_id) for (c, user_id) in list(self._members) if c == chat_id
        ]

    # -- messages
    def add_message(self, chat_id: int, from_user_id: int | None, **fields: Any) -> Message:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        message = Message(chat_id, next(counter), self.clock.seconds(), from_user_id, **fields)
        if message.thread_id is None:
            message.thread_id = self._thread_of_reply(chat_id, message.reply_to_message_id)
        self.messages.setdefault(chat_id, {})[message.message_id] = message
        return message

    def _thread_of_reply(self, chat_id: int, reply_to_message_id: int | None) -> int | None:
        """Outside forums, a reply belongs to the thread of what it answers, rooted at the first
        message of the chain: under a channel post's automatic forward, that is the post's
        comments. (A forum topic is given by the sender, not derived.)"""
        chat = self.chats[chat_id]
        replied = self.message(chat_id, reply_to_message_id or 0)
        if chat.type != "supergroup" or chat.is_forum or replied is None:
            return None
        return replied.thread_id or replied.message_id

    def message(self, chat_id: int, message_id: int) -> Message | None:
        message = self.messages.get(chat_id, {}).get(message_id)
        return None if message is None or message.deleted else message

    def add_callback(self, user_id: int, message: Message, data: str) -> CallbackQuery:
        query = CallbackQuery(
            str(next(self._callback_ids) * 7919 + 10**15),
            user_id,
            message.chat_id,
            message.message_id,
            data,
            self.clock.now(),
        )
        self.callbacks[query.id] = query
        return query
