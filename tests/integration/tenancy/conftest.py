"""A running tenancy service per test, on SQLite and on PostgreSQL, migrations applied."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from gmbot.tenancy.app import migrations_config
from gmbot.v1 import tenancy_pb2_grpc

if TYPE_CHECKING:
    from gmbot.v1.tenancy_pb2_grpc import TenancyServiceAsyncStub
from tests.support.migrated_databases import migrated_database
from tests.support.services import channel_to, running_tenancy


@pytest.fixture(params=["sqlite", "postgres"])
async def tenancy(
    request: pytest.FixtureRequest, postgres_server_url: str, tmp_path: Path
) -> AsyncIterator[TenancyServiceAsyncStub]:
    async with (
        migrated_database(request.param, postgres_server_url, tmp_path, migrations_config) as url,
        running_tenancy(url) as service,
        channel_to(service.port) as channel,
    ):
        yield tenancy_pb2_grpc.TenancyServiceStub(channel)
