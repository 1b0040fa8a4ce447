"""A membership service over real gRPC, with the sandbox as Telegram and a real Redis (or the
in-process cache), and a small world: a channel and a group the bot administers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest

from gmbot.sandbox.app import running_sandbox
from gmbot.sandbox.limits import LimitConfig
from gmbot.sandbox.telegram import SandboxConfig
from gmbot.v1 import membership_pb2_grpc
from tests.support.membership import World, running_membership
from tests.support.sandbox import bot_world
from tests.support.services import channel_to

if TYPE_CHECKING:
    from gmbot.v1.membership_pb2_grpc import MembershipServiceAsyncStub


@pytest.fixture
async def world() -> AsyncIterator[World]:
    config = SandboxConfig(limits=LimitConfig(enabled=False))
    async with running_sandbox(config=config) as sandbox:
        world = await bot_world(sandbox.control, channel_username="news")
        yield World(sandbox, sandbox.control, world.token, world.bot_id, world.channel, world.group)


@pytest.fixture(params=["redis", "local"])
def cache_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def membership(
    world: World, cache_kind: str, redis_url: str, request: pytest.FixtureRequest
) -> AsyncIterator[MembershipServiceAsyncStub]:
    overrides = getattr(request, "param", {})
    url = redis_url if cache_kind == "redis" else None
    async with (
        running_membership(world.sandbox.url, world.token, url, **overrides) as service,
        channel_to(service.port) as channel,
    ):
        yield membership_pb2_grpc.MembershipServiceStub(channel)
