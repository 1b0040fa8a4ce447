"""A gateway in this process, in front of the three back ends and the sandbox, and a small
world: an owner's supergroup and public channel where the bot is an administrator, a basic
group, and a member who does not follow the channel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gmbot.sandbox.app import running_sandbox
from gmbot.sandbox.limits import LimitConfig
from gmbot.sandbox.telegram import SandboxConfig
from tests.support.databases import fresh_database
from tests.support.gateway import RunningGateway, World, running_gateway
from tests.support.sandbox import bot_world


@pytest.fixture
async def world() -> AsyncIterator[World]:
    config = SandboxConfig(
        limits=LimitConfig(enabled=False), webhook_retry_base=0.05, webhook_retry_cap=0.2
    )
    async with running_sandbox(config=config) as sandbox:
        control = sandbox.control
        made = await bot_world(
            control, owner="Olga", owner_username="olga", channel_username="news_channel"
        )
        member = int((await control.create_user("Mallory"))["id"])
        basic = int((await control.create_chat("group", "Basic", creator_id=made.owner))["id"])
        await control.promote(basic, made.bot_id)
        for chat in (made.group, basic):
            await control.join(chat, member)
        yield World(
            sandbox,
            made.token,
            made.bot_id,
            made.owner,
            member,
            made.group,
            basic,
            made.channel,
            "news_channel",
        )


@pytest.fixture
def tenancy_database() -> str:
    """Where tenancy keeps its data; tests parametrize it to run on PostgreSQL too."""
    return "sqlite"


@pytest.fixture
async def gateway(
    world: World, tmp_path: Path, tenancy_database: str, postgres_server_url: str
) -> AsyncIterator[RunningGateway]:
    async with (
        fresh_database(tenancy_database, postgres_server_url, tmp_path) as url,
        running_gateway(world.sandbox, world.token, world.bot_id, tmp_path, url) as running,
    ):
        # The bot was added to both groups before it started: its welcomes come first, so a
        # test's own replies are not mixed with them.
        await running.reply_to(0, world.group)
        await running.reply_to(0, world.basic_group)
        yield running
