"""An enforcement whose start-up fails halfway closes what it had opened: the ledger's
connections, the Redis client, its tasks."""

from __future__ import annotations

import pytest

from gmbot.enforcement.app import build
from tests.support.databases import fresh_postgres
from tests.support.enforcement import enforcement_settings, running_enforcement
from tests.support.leaks import (
    START_UP_BOT_TOKEN,
    UNCALLED_TELEGRAM,
    database_connections,
    named_redis,
    redis_clients,
    refusing_port,
    running,
    settled,
    taken_port,
    tasks_started,
)


async def test_an_unreachable_redis_leaves_no_connection_to_the_ledger(
    postgres_server_url: str,
) -> None:
    async with fresh_postgres(postgres_server_url) as url:
        with refusing_port() as port, tasks_started() as started:
            settings = enforcement_settings(
                UNCALLED_TELEGRAM,
                START_UP_BOT_TOKEN,
                url,
                f"redis://127.0.0.1:{port}/0",
                redis_wait_seconds=0.3,
            )
            with pytest.raises(RuntimeError, match="did not answer"):
                await build(settings)

        open_connections = await settled(lambda: database_connections(postgres_server_url, url))

    assert open_connections == 0
    assert running(started) == []


async def test_a_taken_port_leaves_no_connection_to_the_ledger_nor_to_redis(
    postgres_server_url: str, redis_url: str
) -> None:
    named_url, name = named_redis(redis_url)
    async with fresh_postgres(postgres_server_url) as url:
        with taken_port() as port, tasks_started() as started:
            settings = enforcement_settings(
                UNCALLED_TELEGRAM, START_UP_BOT_TOKEN, url, named_url, grpc_port=port
            )
            with pytest.raises(RuntimeError, match="bind"):
                async with running_enforcement(settings):
                    pytest.fail("started on a port another socket holds")

        open_connections = await settled(lambda: database_connections(postgres_server_url, url))

    assert open_connections == 0
    assert await settled(lambda: redis_clients(redis_url, name)) == 0
    assert running(started) == []
