"""`gmbot doctor`: is the bot able to do its job everywhere it is asked to?

Checks the token, the webhook state and the updates Telegram will send, and the bot's rights in
every protected group and every linked channel. Each problem says what to do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramUnauthorizedError
from aiogram.types import ChatMemberAdministrator

from gmbot.v1 import tenancy_pb2 as tenancy

GROUP_RIGHTS = ("can_delete_messages", "can_restrict_members")
NEEDED_UPDATES = ("message", "callback_query", "chat_member", "my_chat_member", "chat_join_request")


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    problems: int = 0

    def ok(self, text: str) -> None:
        self.lines.append(f"  ok    {text}")

    def problem(self, text: str) -> None:
        self.problems += 1
        self.lines.append(f"  FIX   {text}")


async def check_bot(bot: Bot, report: Report) -> int | None:
    try:
        me = await bot.get_me()
    except TelegramUnauthorizedError:
        report.problem("the Bot API refuses BOT_TOKEN: get a new one from @BotFather")
        return None
    report.ok(f"token belongs to @{me.username} ({me.id})")
    info = await bot.get_webhook_info()
    if info.url:
        report.ok(f"webhook {info.url}, {info.pending_update_count} updates pending")
        if info.last_error_message:
            report.problem(f"last webhook delivery failed: {info.last_error_message}")
    else:
        report.ok(f"long polling, {info.pending_update_count} updates pending")
    allowed = info.allowed_updates
    missing = [u for u in NEEDED_UPDATES if allowed is not None and u not in allowed]
    if missing:
        report.problem(f"Telegram will not send {', '.join(missing)}: restart the gateway")
    return me.id


async def _rights(bot: Bot, chat_id: int, bot_id: int) -> ChatMemberAdministrator | None:
    member = await bot.get_chat_member(chat_id, bot_id)
    return member if isinstance(member, ChatMemberAdministrator) else None


async def check_group(bot: Bot, bot_id: int, group: tenancy.GroupPolicy, report: Report) -> None:
    name = f"group {group.title!r} ({group.group_id})"
    if not group.enabled:
        report.ok(f"{name}: protection is off")
        return
    if group.suspended_reason:
        report.problem(f"{name}: suspended ({group.suspended_reason}); fix it, then /check there")
    try:
        admin = await _rights(bot, group.group_id, bot_id)
    except TelegramAPIError as error:
        report.problem(f"{name}: cannot read the bot's status ({error.message})")
        return
    lacking = [r for r in GROUP_RIGHTS if admin is None or not getattr(admin, r)]
    if group.settings.gate_join_requests and (admin is None or not admin.can_invite_users):
        lacking.append("can_invite_users")
    if lacking:
        report.problem(f"{name}: give the bot {', '.join(lacking)}")
    else:
        report.ok(f"{name}: rights in place")
    for channel in group.channels:
        await check_channel(bot, bot_id, channel, report)


async def check_channel(bot: Bot, bot_id: int, channel: tenancy.Channel, report: Report) -> None:
    name = f"channel @{channel.username}" if channel.username else f"channel {channel.title!r}"
    try:
        admin = await _rights(bot, channel.channel_id, bot_id)
    except TelegramAPIError as error:
        report.problem(f"{name}: {error.message}; add the bot as an administrator")
        return
    if admin is None:
        report.problem(f"{name}: the bot is not an administrator, so it cannot see members")
    else:
        report.ok(f"{name}: the bot can read members")


async def run_doctor(bot: Bot, groups: AsyncIterator[tenancy.GroupPolicy]) -> Report:
    report = Report()
    bot_id = await check_bot(bot, report)
    if bot_id is None:
        return report
    async for group in groups:
        await check_group(bot, bot_id, group, report)
    return report
