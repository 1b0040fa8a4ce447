"""A membership whose start-up fails halfway closes what it had opened: the Redis client, the
change feed's relay."""

from __future__ import annotations

import pytest

from tests.support.leaks import (
    START_UP_BOT_TOKEN,
    UNCALLED_TELEGRAM,
    named_redis,
    redis_clients,
    running,
    settled,
    taken_port,
    tasks_started,
)
from tests.support.membership import running_membership


async def test_a_taken_port_leaves_no_redis_connection_and_no_relay_running(
    redis_url: str,
) -> None:
    named_url, name = named_redis(redis_url)
    with (
        taken_port() as port,
        tasks_started() as started,
        pytest.raises(RuntimeError, match="bind"),
    ):
        async with running_membership(
            UNCALLED_TELEGRAM, START_UP_BOT_TOKEN, named_url, grpc_port=port
        ):
            pytest.fail("started on a port another socket holds")

    assert await settled(lambda: redis_clients(redis_url, name)) == 0
    assert running(started) == []
