"""Start a service the way production does (its own `build`), on port 0, and talk to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import grpc
from pydantic import SecretStr

from gmbot.runtime.client import open_channel
from gmbot.runtime.server import RunningService, started
from gmbot.runtime.settings import ClientSettings
from gmbot.tenancy.app import build as build_tenancy
from gmbot.tenancy.settings import TenancySettings

TEST_TOKEN = "test-token-0123456789abcdef"


def client_settings(token: str = TEST_TOKEN) -> ClientSettings:
    return ClientSettings(auth_token=SecretStr(token), grpc_deadline_seconds=10)


@asynccontextmanager
async def running_tenancy(database_url: str, **overrides: object) -> AsyncIterator[RunningService]:
    values: dict[str, object] = {
        "auth_token": SecretStr(TEST_TOKEN),
        "grpc_port": 0,
        "database_url": database_url,
        "migrate_on_start": True,
        "shutdown_grace_seconds": 2,
        "metrics_enabled": False,
        **overrides,
    }
    settings = TenancySettings.model_validate(values)
    async with started(await build_tenancy(settings), settings) as service:
        yield service


@asynccontextmanager
async def channel_to(port: int, token: str = TEST_TOKEN) -> AsyncIterator[grpc.aio.Channel]:
    channel = open_channel(f"127.0.0.1:{port}", client_settings(token))
    try:
        yield channel
    finally:
        await channel.close(None)
