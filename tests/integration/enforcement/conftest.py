"""An enforcement service over real gRPC with the sandbox as Telegram, a real database
(PostgreSQL, or SQLite) and a real Redis (or the in-process queue), and a group the bot
administers with members in it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from gmbot.enforcement.app import migrations_config
from gmbot.runtime.database import create_engine
from gmbot.sandbox.app import running_sandbox
from gmbot.sandbox.limits import LimitConfig
from gmbot.sandbox.telegram import SandboxConfig
from gmbot.v1 import enforcement_pb2_grpc
from tests.support.enforcement import Group, enforcement_settings, running_enforcement
from tests.support.migrated_databases import migrated_database
from tests.support.sandbox import bot_world
from tests.support.services import channel_to

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub


@pytest.fixture
async def world() -> AsyncIterator[Group]:
    config = SandboxConfig(limits=LimitConfig(enabled=False))
    async with running_sandbox(config=config) as sandbox:
        made = await bot_world(sandbox.control, channel="Private")
        yield Group(
            sandbox,
            sandbox.control,
            made.token,
            made.bot_id,
            made.owner,
            made.group,
            made.channel,
        )


@pytest.fixture(params=["postgres+redis", "sqlite+local"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def enforcement(
    world: Group,
    backend: str,
    postgres_server_url: str,
    redis_url: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> AsyncIterator[EnforcementServiceAsyncStub]:
    overrides = getattr(request, "param", {})
    database, queue = backend.split("+")
    async with migrated_database(database, postgres_server_url, tmp_path, migrations_config) as url:
        world.ledger_url = url
        settings = enforcement_settings(
            world.sandbox.url,
            world.token,
            url,
            redis_url if queue == "redis" else None,
            **overrides,
        )
        async with running_enforcement(settings) as service, channel_to(service.port) as channel:
            yield enforcement_pb2_grpc.EnforcementServiceStub(channel)


@pytest.fixture(params=["postgres", "sqlite"])
async def ledger_engine(
    request: pytest.FixtureRequest, postgres_server_url: str, tmp_path: Path
) -> AsyncIterator[AsyncEngine]:
    """A migrated ledger database, with nothing in it, for the stores' own statements."""
    async with migrated_database(
        request.param, postgres_server_url, tmp_path, migrations_config
    ) as url:
        engine = create_engine(url)
        try:
            yield engine
        finally:
            await engine.dispose()
