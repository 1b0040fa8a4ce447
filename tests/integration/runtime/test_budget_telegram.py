"""Every Bot API call through the budget's session middleware, against the sandbox with
Telegram's limits on: no 429 however many calls are asked at once, and a 429 for one chat holds
that chat only."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from gmbot.runtime.budget.core import LocalBudget, Priority, Spacing
from gmbot.runtime.budget.telegram import install
from gmbot.sandbox.app import RunningSandbox, running_sandbox
from gmbot.sandbox.limits import LimitConfig
from gmbot.sandbox.telegram import SandboxConfig


@dataclass
class Guarded:
    sandbox: RunningSandbox
    bot: Bot
    bot_id: int
    channel: int
    groups: tuple[int, int]
    user: int


@pytest.fixture
async def guarded() -> AsyncIterator[Guarded]:
    config = SandboxConfig(limits=LimitConfig(enabled=True, requests_per_second=30))
    async with running_sandbox(config=config) as sandbox:
        control = sandbox.control
        created = await control.create_bot("budget_bot")
        bot_id = int(created["user"]["id"])
        owner = (await control.create_user("Owner"))["id"]
        user = int((await control.create_user("Member"))["id"])
        channel = int((await control.create_chat("channel", "News", creator_id=owner))["id"])
        groups = []
        for title in ("One", "Two"):
            group = int((await control.create_chat("supergroup", title, creator_id=owner))["id"])
            await control.promote(group, bot_id)
            groups.append(group)
        await control.promote(channel, bot_id)
        bot = Bot(
            created["token"],
            session=AiohttpSession(api=TelegramAPIServer.from_base(sandbox.url)),
        )
        install(bot, LocalBudget(Spacing.of(30, 20)), Priority.URGENT)
        yield Guarded(sandbox, bot, bot_id, channel, (groups[0], groups[1]), user)
        await bot.session.close()


async def test_calls_asked_all_at_once_draw_no_429(guarded: Guarded) -> None:
    started = time.monotonic()

    await asyncio.gather(
        *(guarded.bot.get_chat_member(guarded.channel, guarded.user) for _ in range(75))
    )

    counters = await guarded.sandbox.control.counters()
    assert counters.get("rejected", 0) == 0
    assert time.monotonic() - started >= 2.0  # 75 calls at 30 a second


async def test_a_429_for_one_chat_holds_that_chat_and_nobody_else(guarded: Guarded) -> None:
    stormy, calm = guarded.groups
    await guarded.sandbox.control.set_faults(
        storm_seconds=2, storm_retry_after=2, storm_methods=["sendMessage"]
    )

    async def timed(chat_id: int) -> float:
        started = time.monotonic()
        await guarded.bot.send_message(chat_id, "hello")
        return time.monotonic() - started

    stormy_send = asyncio.ensure_future(timed(stormy))
    await asyncio.sleep(0.3)  # the first attempt met the storm and paused the chat
    calm_call = time.monotonic()
    await guarded.bot.get_chat(calm)
    calm_seconds = time.monotonic() - calm_call
    stormy_seconds = await stormy_send

    assert calm_seconds < 0.5
    assert stormy_seconds >= 2.0  # waited out retry_after, then went through
