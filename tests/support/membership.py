"""A membership service on port 0 against a sandbox (and Redis, or its in-process cache), and the
world its tests play in: a channel and a group the bot administers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from pydantic import SecretStr

from gmbot.membership.app import build
from gmbot.membership.settings import MembershipSettings
from gmbot.runtime.redis import create_redis
from gmbot.runtime.server import RunningService, started
from gmbot.sandbox.app import RunningSandbox
from gmbot.sandbox.client import SandboxClient
from tests.support.services import TEST_TOKEN


@dataclass
class World:
    sandbox: RunningSandbox
    control: SandboxClient
    token: str
    bot_id: int
    channel: int
    group: int

    async def user(self, name: str = "U") -> int:
        return int((await self.control.create_user(name))["id"])

    async def calls(self, method: str = "getChatMember") -> int:
        return len(await self.control.journal(method=method))


@asynccontextmanager
async def running_membership(
    telegram_url: str, bot_token: str, redis_url: str | None, **overrides: object
) -> AsyncIterator[RunningService]:
    values: dict[str, object] = {
        "auth_token": SecretStr(TEST_TOKEN),
        "grpc_port": 0,
        "metrics_enabled": False,
        "bot_token": SecretStr(bot_token),
        "telegram_api_url": telegram_url,
        "redis_url": redis_url,
        # Each test its own keys, so tests sharing one Redis never see each other's answers.
        "redis_prefix": (prefix := f"test:{uuid.uuid4().hex}:"),
        # Telegram's budget in Redis too, so tests sharing one Redis never slow each other.
        "budget_redis_prefix": f"{prefix}budget:",
        "shutdown_grace_seconds": 1,
        **overrides,
    }
    settings = MembershipSettings.model_validate(values)
    try:
        async with started(await build(settings), settings) as service:
            yield service
    finally:
        if redis_url is not None:
            await forget_keys(redis_url, settings.redis_prefix)


async def forget_keys(redis_url: str, prefix: str) -> None:
    """Leaves the shared Redis as the test found it."""
    redis = create_redis(redis_url)
    try:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}*", count=500)]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()
