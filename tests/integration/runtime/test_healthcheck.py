"""The images' HEALTHCHECK command follows the port the service is configured with."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from gmbot.runtime.server import RunningService
from tests.support.services import running_tenancy


@pytest.fixture
async def tenancy(tmp_path: Path) -> AsyncIterator[RunningService]:
    async with running_tenancy(f"sqlite+aiosqlite:///{tmp_path / 't.db'}") as service:
        yield service


async def _healthcheck(*args: str, **env: str) -> int:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gmbot.runtime.healthcheck",
        *args,
        env={"PATH": os.environ["PATH"], **env},
    )
    return await process.wait()


async def test_a_service_on_another_port_is_healthy(tenancy: RunningService) -> None:
    # Regression: membership's HEALTHCHECK named 127.0.0.1:50052, so a membership started with
    # another GRPC_PORT served fine and reported itself unhealthy.
    assert tenancy.port != 50052

    assert await _healthcheck(GRPC_PORT=str(tenancy.port)) == 0
    assert await _healthcheck(f"127.0.0.1:{tenancy.port}") == 0


async def test_nothing_serving_there_is_unhealthy() -> None:
    assert await _healthcheck(GRPC_PORT="9") == 1


async def test_the_gateways_check_asks_its_admin_port() -> None:
    app = web.Application()

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        healthy = await _healthcheck("--http", "/healthz", ADMIN_PORT=str(port))
        missing = await _healthcheck("--http", "/nothing-here", ADMIN_PORT=str(port))
    finally:
        await runner.cleanup()

    assert healthy == 0
    assert missing == 1
