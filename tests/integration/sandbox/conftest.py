"""A sandbox per test with a small world: an owner's supergroup and channel where the bot is an
administrator, and an aiogram Bot talking to it over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gmbot.sandbox.app import RunningSandbox, running_sandbox
from gmbot.sandbox.limits import LimitConfig
from gmbot.sandbox.telegram import SandboxConfig
from tests.support.sandbox import Story, aiogram_bot, drain


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    config = SandboxConfig(
        limits=LimitConfig(enabled=False), webhook_retry_base=0.05, webhook_retry_cap=0.2
    )
    async with running_sandbox(config=config) as running:
        yield running


@pytest.fixture
async def story(sandbox: RunningSandbox) -> AsyncIterator[Story]:
    control = sandbox.control
    created = await control.create_bot("guard_bot")
    owner = (await control.create_user("Olga", username="olga"))["id"]
    alice = (await control.create_user("Alice", username="alice"))["id"]
    group = (await control.create_chat("supergroup", "Chat", creator_id=owner))["id"]
    channel = (
        await control.create_chat("channel", "News", username="news_channel", creator_id=owner)
    )["id"]
    bot_id = created["user"]["id"]
    await control.promote(group, bot_id)
    await control.promote(channel, bot_id)
    await control.join(channel, alice)
    bot = aiogram_bot(sandbox.url, created["token"])
    await drain(bot)
    yield Story(sandbox, control, bot, bot_id, created["token"], owner, alice, group, channel)
    await bot.session.close()
