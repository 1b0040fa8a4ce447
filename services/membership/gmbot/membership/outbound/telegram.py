"""The only module that calls the Bot API: getChatMember and getChatAdministrators, bounded
in concurrency, every outcome counted, every error an UNKNOWN (never "not a member").

The bound is shared fairly between groups (the group a call is made for travels in its gRPC
metadata): a raid's queued checks do not hold up a quiet group's first one."""

from __future__ import annotations

import contextlib
import time

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.types import ChatMemberAdministrator, ChatMemberOwner

from gmbot.membership.domain.administrators import Admin, AdminList
from gmbot.membership.domain.answers import Answer, Source, status_of, unknown
from gmbot.membership.domain.ports import TelegramRefused, TelegramUnavailable
from gmbot.membership.metrics import TELEGRAM_CALLS
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.budget.fairness import fair_key, work_for
from gmbot.runtime.budget.telegram import priority as call_priority
from gmbot.runtime.fair_slots import FairSlots


class TelegramReader:
    def __init__(self, bot: Bot, concurrency: int) -> None:
        self._bot = bot
        self._slots = FairSlots(concurrency)

    async def membership(self, channel_id: int, user_id: int) -> Answer:
        async with self._slots.hold(fair_key(channel_id, work_for.get())):
            now = time.time()
            try:
                member = await self._bot.get_chat_member(channel_id, user_id)
            except (TelegramAPIError, TimeoutError, OSError) as error:
                TELEGRAM_CALLS.labels("getChatMember", type(error).__name__).inc()
                return unknown(getattr(error, "message", None) or type(error).__name__, now)
        TELEGRAM_CALLS.labels("getChatMember", "ok").inc()
        is_member = bool(getattr(member, "is_member", False))
        return Answer(status_of(member.status, is_member), Source.TELEGRAM, now, member.status)

    async def administrators(self, chat_id: int, priority: Priority | None = None) -> AdminList:
        scope = contextlib.nullcontext() if priority is None else call_priority(priority)
        async with self._slots.hold(fair_key(chat_id, work_for.get())):
            try:
                with scope:
                    members = await self._bot.get_chat_administrators(chat_id)
            except (TelegramBadRequest, TelegramForbiddenError) as error:
                TELEGRAM_CALLS.labels("getChatAdministrators", type(error).__name__).inc()
                raise TelegramRefused(error.message) from error
            except (TelegramAPIError, TimeoutError, OSError) as error:
                TELEGRAM_CALLS.labels("getChatAdministrators", type(error).__name__).inc()
                reason = getattr(error, "message", None) or type(error).__name__
                raise TelegramUnavailable(reason) from error
        TELEGRAM_CALLS.labels("getChatAdministrators", "ok").inc()
        admins = []
        for member in members:
            owner = isinstance(member, ChatMemberOwner)
            rights = member if isinstance(member, ChatMemberAdministrator) else None
            admins.append(
                Admin(
                    user_id=member.user.id,
                    is_bot=member.user.is_bot,
                    is_owner=owner,
                    can_restrict_members=owner or bool(rights and rights.can_restrict_members),
                    can_delete_messages=owner or bool(rights and rights.can_delete_messages),
                    can_invite_users=owner or bool(rights and rights.can_invite_users),
                    is_anonymous=bool(getattr(member, "is_anonymous", False)),
                )
            )
        return AdminList(tuple(admins), time.time())
