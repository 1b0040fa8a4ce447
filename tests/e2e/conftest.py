"""GMBot whole: the four services as separate processes on loopback ports, real PostgreSQL and
Redis (through a proxy a test can cut), and the sandbox as Telegram. One stack per session (per
pytest-xdist worker); each test builds its own group, channels and people, so tests never see
each other's chats."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from gmbot.devstack.stack import StackConfig
from gmbot.sandbox.app import running_sandbox
from tests.support.e2e import DIGEST_SECONDS, E2E, PANEL_TTL_SECONDS
from tests.support.make_run import made_run
from tests.support.membership import forget_keys
from tests.support.migrated_databases import stack_databases
from tests.support.stack_starts import started_alone
from tests.support.tcpproxy import TcpProxy


@pytest.fixture(scope="session")
async def e2e(
    postgres_server_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[E2E]:
    target = urlparse(redis_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 6379)
    await proxy.start()
    proxied_redis = f"redis://127.0.0.1:{proxy.port}{target.path or '/0'}"
    prefix = f"test:{uuid.uuid4().hex}:"
    redis_env = {"REDIS_PREFIX": prefix, "BUDGET_REDIS_PREFIX": f"{prefix}budget:"}
    data = tmp_path_factory.mktemp("e2e")
    async with (
        running_sandbox() as sandbox,
        stack_databases(postgres_server_url, data) as (tenancy_db, enforcement_db),
    ):
        bot = await sandbox.control.create_bot("gmbot_e2e_bot")
        config = StackConfig(
            data_dir=data,
            bot_token=bot["token"],
            telegram_api_url=sandbox.url,
            tenancy_database_url=tenancy_db,
            enforcement_database_url=enforcement_db,
            migrated=True,
            redis_url=proxied_redis,
            log_dir=data / "logs",
            env={
                "gateway": {
                    **redis_env,
                    "POLICY_CACHE_SECONDS": "5",
                    "PANEL_TTL_SECONDS": str(PANEL_TTL_SECONDS),
                },
                "membership": redis_env,
                "enforcement": {
                    **redis_env,
                    "WARNING_COALESCE_SECONDS": "0.2",
                    "LOG_COALESCE_SECONDS": "1",
                    "LEASE_SECONDS": "5",
                    "OBSERVE_DIGEST_SECONDS": str(DIGEST_SECONDS),
                    # Every warning asks whether GMBot's link still works: a revocation shows
                    # at the next warning, not ten minutes later.
                    "INVITE_LINK_CHECK_SECONDS": "0",
                },
            },
        )
        try:
            async with started_alone(config, tmp_path_factory) as stack:
                yield E2E(sandbox, sandbox.control, stack, proxy, int(bot["user"]["id"]), prefix)
        finally:
            await proxy.cut()
            await forget_keys(redis_url, prefix)


@pytest.fixture(autouse=True)
def _earlier_tests_chats_left_out(request: pytest.FixtureRequest) -> None:
    """One stack serves a worker's tests one after another, and a test ends when what it asserts
    happened, not when all its work did: what it left (a raid's last warnings) must not land in
    the next test's calls."""
    if "e2e" in request.fixturenames:
        request.getfixturevalue("e2e").begin_test()


@pytest.fixture(scope="module")
async def make_run(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Path, str]]:
    """`make run` in a directory of its own: the directory, and the guide it printed."""
    cwd = tmp_path_factory.mktemp("make-run")
    async with made_run(cwd) as guide:
        yield cwd, guide
