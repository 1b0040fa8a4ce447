"""A tenancy whose start-up fails halfway closes what it had opened."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.databases import fresh_postgres
from tests.support.leaks import (
    database_connections,
    running,
    settled,
    taken_port,
    tasks_started,
)
from tests.support.services import running_tenancy


async def test_a_taken_port_at_start_up_leaves_no_connection_to_the_database(
    postgres_server_url: str, tmp_path: Path
) -> None:
    async with fresh_postgres(postgres_server_url) as url:
        with (
            taken_port() as port,
            tasks_started() as started,
            pytest.raises(RuntimeError, match="bind"),
        ):
            async with running_tenancy(url, grpc_port=port):
                pytest.fail("started on a port another socket holds")

        open_connections = await settled(lambda: database_connections(postgres_server_url, url))

    assert open_connections == 0
    assert running(started) == []
