"""A gateway in this process, in front of the three back ends and the sandbox, and a small
world: an owner's supergroup and public channel where the bot is an administrator, a basic
group, and a member who does not follow the channel."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from gmbot.devstack.stack import free_port
from gmbot.sandbox.app import running_sandbox
from gmbot.sandbox.limits import LimitConfig
from gmbot.sandbox.telegram import SandboxConfig
from gmbot.tenancy.app import migrations_config
from tests.integration.gateway.dashboard import Dashboard
from tests.support.gateway import RunningGateway, World, running_gateway
from tests.support.membership import forget_keys
from tests.support.migrated_databases import migrated_database
from tests.support.sandbox import bot_world


@pytest.fixture
async def prefix(redis_url: str) -> AsyncIterator[str]:
    """A Redis prefix of the test's own, its keys removed after it (a done mark is kept a day)."""
    prefix = f"test:{uuid.uuid4().hex}:"
    yield prefix
    await forget_keys(redis_url, prefix)


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
        migrated_database(
            tenancy_database, postgres_server_url, tmp_path, migrations_config
        ) as url,
        running_gateway(world.sandbox, world.token, world.bot_id, tmp_path, url) as running,
    ):
        # The bot was added to both groups before it started: its welcomes come first, so a
        # test's own replies are not mixed with them.
        await running.reply_to(0, world.group)
        await running.reply_to(0, world.basic_group)
        yield running


@pytest.fixture
async def dashboard(world: World, tmp_path: Path) -> AsyncIterator[Dashboard]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    async with running_gateway(
        world.sandbox,
        world.token,
        world.bot_id,
        tmp_path,
        miniapp_url=url + "/",
        miniapp_port=port,
    ) as gateway:
        await gateway.reply_to(0, world.group)
        yield Dashboard(gateway, url, world.token)
