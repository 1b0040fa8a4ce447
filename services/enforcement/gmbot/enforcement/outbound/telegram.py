"""The only module that calls the Bot API. Every call waits for the shared budget (the Bot's
session does, gmbot.runtime.budget); a long 429 sends the action back for later; 5xx and network
errors are retried with backoff and jitter; what retrying cannot fix is reported as Permanent."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    ChatPermissions,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
    ResultChatMemberUnion,
)

from gmbot.enforcement.domain.actions import Later, Permanent
from gmbot.enforcement.domain.ports import ChatMember
from gmbot.enforcement.domain.texts import Button, Keyboard
from gmbot.enforcement.metrics import TELEGRAM_CALLS
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.budget.telegram import priority
from gmbot.runtime.error_kinds import ErrorKind
from gmbot.runtime.telegram_errors import kind_of

T = TypeVar("T")
MUTED = ChatPermissions(
    **dict.fromkeys(
        (
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
        ),
        False,
    )
)
_PERMISSIONS_TTL = 600.0

# The Bot API requests made for the action being carried out (the worker sets it; the Bot's
# session counts into it, each retry included).
_calls: ContextVar[list[int] | None] = ContextVar("telegram_calls", default=None)


def count_call(method: str, chat_id: int | None) -> None:
    """The Bot's session saw a request: it is the current action's."""
    del method, chat_id
    counter = _calls.get()
    if counter is not None:
        counter[0] += 1


def chat_member(member: ResultChatMemberUnion) -> ChatMember:
    """What the domain reads of aiogram's ChatMember (each status a class of its own)."""
    until = getattr(member, "until_date", None)
    return ChatMember(
        status=member.status,
        can_send_messages=getattr(member, "can_send_messages", True),
        until_date=None if until is None else int(until.timestamp()),
    )


def _button(button: Button) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=button.text, url=button.url or None, callback_data=button.callback_data or None
    )


def _markup(keyboard: Keyboard) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[_button(b) for b in row] for row in keyboard])


@contextmanager
def counting_calls() -> Iterator[list[int]]:
    """Counts the requests made within (and by tasks started within): `[count]`."""
    counter = [0]
    token = _calls.set(counter)
    try:
        yield counter
    finally:
        _calls.reset(token)


class TelegramActions:
    def __init__(self, bot: Bot, attempts: int, backoff: float) -> None:
        self._bot = bot
        self._attempts = attempts
        self._backoff = backoff
        self._permissions: dict[int, tuple[ChatPermissions, float]] = {}

    async def _call(self, method: str, call: Callable[[], Awaitable[T]]) -> T:
        """The budget and short 429s are the session's (gmbot.runtime.budget): a 429 that
        reaches here asks for longer than a worker should wait, so the action goes back to the
        ledger for later."""
        for attempt in range(1, self._attempts + 1):
            try:
                result = await call()
            except TelegramRetryAfter as error:
                TELEGRAM_CALLS.labels(method, "retry_after").inc()
                raise Later(f"429 retry after {error.retry_after}", error.retry_after) from error
            except (TelegramServerError, TelegramNetworkError, TimeoutError, OSError) as error:
                TELEGRAM_CALLS.labels(method, "server_error").inc()
                if attempt == self._attempts:
                    raise Later(f"{method}: {error}", self._backoff * 2**attempt) from error
                delay = self._backoff * 2 ** (attempt - 1)
                await asyncio.sleep(delay * random.uniform(0.5, 1.5))  # noqa: S311 - jitter
                continue
            except (TelegramBadRequest, TelegramForbiddenError, TelegramNotFound) as error:
                TELEGRAM_CALLS.labels(method, "refused").inc()
                raise Permanent(error.message, kind_of(error)) from error
            TELEGRAM_CALLS.labels(method, "ok").inc()
            return result
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def delete(self, chat_id: int, message_ids: list[int]) -> None:
        """Deletes messages; ones already gone count as deleted."""
        try:
            if len(message_ids) == 1:
                await self._call(
                    "deleteMessage", lambda: self._bot.delete_message(chat_id, message_ids[0])
                )
            else:
                await self._call(
                    "deleteMessages", lambda: self._bot.delete_messages(chat_id, message_ids)
                )
        except Permanent as refused:
            if refused.kind is not ErrorKind.MESSAGE_GONE:
                raise

    async def mute(self, chat_id: int, user_id: int, until: int) -> None:
        await self._call(
            "restrictChatMember",
            lambda: self._bot.restrict_chat_member(
                chat_id, user_id, MUTED, use_independent_chat_permissions=True, until_date=until
            ),
        )

    async def default_permissions(self, chat_id: int) -> ChatPermissions:
        cached = self._permissions.get(chat_id)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        chat = await self._call("getChat", lambda: self._bot.get_chat(chat_id))
        permissions = chat.permissions or ChatPermissions(
            **dict.fromkeys(ChatPermissions.model_fields, True)
        )
        self._permissions[chat_id] = (permissions, time.monotonic() + _PERMISSIONS_TTL)
        return permissions

    async def unmute(self, chat_id: int, user_id: int) -> None:
        permissions = await self.default_permissions(chat_id)
        await self._call(
            "restrictChatMember",
            lambda: self._bot.restrict_chat_member(
                chat_id, user_id, permissions, use_independent_chat_permissions=True
            ),
        )

    async def member(self, chat_id: int, user_id: int) -> ChatMember:
        return chat_member(
            await self._call("getChatMember", lambda: self._bot.get_chat_member(chat_id, user_id))
        )

    async def ban(self, chat_id: int, user_id: int, until: int = 0) -> None:
        await self._call(
            "banChatMember",
            lambda: self._bot.ban_chat_member(chat_id, user_id, until_date=until),
        )

    async def unban(self, chat_id: int, user_id: int) -> None:
        await self._call(
            "unbanChatMember",
            lambda: self._bot.unban_chat_member(chat_id, user_id, only_if_banned=True),
        )

    async def ban_sender_chat(self, chat_id: int, sender_chat_id: int) -> None:
        await self._call(
            "banChatSenderChat",
            lambda: self._bot.ban_chat_sender_chat(chat_id, sender_chat_id),
        )

    async def send(
        self,
        chat_id: int,
        text: str,
        keyboard: Keyboard,
        thread_id: int | None = None,
        reply_to: int | None = None,
    ) -> int:
        """`thread_id` is a forum topic; `reply_to` a message answered (a comment thread's root:
        a bot's message joins a thread outside forums by replying to its root), sent even when
        that message is gone."""
        markup = _markup(keyboard)
        reply = (
            None
            if reply_to is None
            else ReplyParameters(message_id=reply_to, allow_sending_without_reply=True)
        )
        message = await self._call(
            "sendMessage",
            lambda: self._bot.send_message(
                chat_id,
                text,
                parse_mode="HTML",
                reply_markup=markup,
                message_thread_id=thread_id,
                reply_parameters=reply,
                disable_notification=True,
            ),
        )
        return message.message_id

    async def send_idle(self, chat_id: int, text: str, keyboard: Keyboard) -> int:
        """`send`, at the budget's lowest priority: behind every check, action and warning."""
        with priority(Priority.IDLE):
            return await self.send(chat_id, text, keyboard)

    async def edit(self, chat_id: int, message_id: int, text: str, keyboard: Keyboard) -> None:
        markup = _markup(keyboard)
        try:
            await self._call(
                "editMessageText",
                lambda: self._bot.edit_message_text(
                    text,
                    chat_id=chat_id,
                    message_id=message_id,
                    parse_mode="HTML",
                    reply_markup=markup,
                ),
            )
        except Permanent as refused:
            if refused.kind is not ErrorKind.NOT_MODIFIED:
                raise

    async def approve(self, chat_id: int, user_id: int) -> None:
        await self._call(
            "approveChatJoinRequest",
            lambda: self._bot.approve_chat_join_request(chat_id, user_id),
        )

    async def decline(self, chat_id: int, user_id: int) -> None:
        await self._call(
            "declineChatJoinRequest",
            lambda: self._bot.decline_chat_join_request(chat_id, user_id),
        )

    async def invite_link(self, channel_id: int, name: str, creates_join_request: bool) -> str:
        link = await self._call(
            "createChatInviteLink",
            lambda: self._bot.create_chat_invite_link(
                channel_id, name=name, creates_join_request=creates_join_request or None
            ),
        )
        return link.invite_link

    async def invite_link_revoked(self, channel_id: int, link: str, name: str) -> bool:
        """Whether the link no longer lets anyone in. Telegram has no read of one link: editing
        it to what it is answers its state, or refuses a revoked one."""
        try:
            edited = await self._call(
                "editChatInviteLink",
                lambda: self._bot.edit_chat_invite_link(channel_id, link, name=name),
            )
        except Permanent as refused:
            if refused.kind is ErrorKind.INVITE_LINK_GONE:
                return True
            raise
        return bool(edited.is_revoked)

    async def revoke_invite_link(self, channel_id: int, link: str) -> None:
        try:
            await self._call(
                "revokeChatInviteLink",
                lambda: self._bot.revoke_chat_invite_link(channel_id, link),
            )
        except Permanent as refused:
            if refused.kind is not ErrorKind.INVITE_LINK_GONE:
                raise
