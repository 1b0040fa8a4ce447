"""A sandbox per test with a small world: an owner's supergroup and channel where the bot is an
administrator, and an aiogram Bot talking to it over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from gmbot.sandbox.app import RunningSandbox, running_sandbox
from gmbot.sandbox.limits import LimitConfig
from gmbot.sandbox.telegram import SandboxConfig
from tests.support.sandbox import Story, aiogram_bot, bot_world, drain


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
    world = await bot_world(
        control, owner="Olga", owner_username="olga", channel_username="news_channel"
    )
    alice = int((await control.create_user("Alice", username="alice"))["id"])
    await control.join(world.channel, alice)
    bot = aiogram_bot(sandbox.url, world.token)
    await drain(bot)
    yield Story(
        sandbox,
        control,
        bot,
        world.bot_id,
        world.token,
        world.owner,
        alice,
        world.group,
        world.channel,
    )
    await bot.session.close()
