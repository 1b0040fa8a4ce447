"""The stairway: every revision upgrades, downgrades and upgrades again, and head matches the
models, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from gmbot.runtime.database import create_engine, downgrade, migrate
from gmbot.tenancy.app import MIGRATIONS, migrations_config
from gmbot.tenancy.models import Base
from tests.support.databases import fresh_database


@pytest.fixture(params=["sqlite", "postgres"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_every_revision_upgrades_and_downgrades(
    kind: str, postgres_server_url: str, tmp_path: Path
) -> None:
    revisions = list(ScriptDirectory(str(MIGRATIONS)).walk_revisions("base", "heads"))
    revisions.reverse()
    async with fresh_database(kind, postgres_server_url, tmp_path) as url:
        engine = create_engine(url)
        config = migrations_config(url)
        try:
            for revision in revisions:
                await migrate(engine, config, revision.revision)
                previous = revision.down_revision
                assert previous is None or isinstance(previous, str)
                await downgrade(engine, config, previous or "base")
                await migrate(engine, config, revision.revision)
        finally:
            await engine.dispose()


async def test_head_matches_the_models(kind: str, postgres_server_url: str, tmp_path: Path) -> None:
    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": "tenancy_alembic_version"}
        )
        return [
            d
            for d in compare_metadata(context, Base.metadata)
            if not (isinstance(d, tuple) and d[0] == "remove_table")
        ]

    async with fresh_database(kind, postgres_server_url, tmp_path) as url:
        engine = create_engine(url)
        try:
            await migrate(engine, migrations_config(url))
            async with engine.connect() as connection:
                assert await connection.run_sync(differences) == []
        finally:
            await engine.dispose()
