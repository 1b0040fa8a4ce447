"""The stairway, for every service with a schema: every revision upgrades, downgrades and
upgrades again, and head matches the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData

from gmbot.enforcement import app as enforcement_app
from gmbot.enforcement.storage.models import Base as EnforcementBase
from gmbot.runtime.database import create_engine, downgrade, migrate
from gmbot.tenancy import app as tenancy_app
from gmbot.tenancy.models import Base as TenancyBase
from tests.support.databases import fresh_database

SCHEMAS = {
    "tenancy": (
        tenancy_app.MIGRATIONS,
        tenancy_app.migrations_config,
        TenancyBase.metadata,
        tenancy_app.VERSION_TABLE,
    ),
    "enforcement": (
        enforcement_app.MIGRATIONS,
        enforcement_app.migrations_config,
        EnforcementBase.metadata,
        enforcement_app.VERSION_TABLE,
    ),
}


@pytest.fixture(params=["sqlite", "postgres"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=sorted(SCHEMAS))
def schema(request: pytest.FixtureRequest) -> tuple[Path, Callable[[str], Config], MetaData, str]:
    return SCHEMAS[str(request.param)]


async def test_every_revision_upgrades_and_downgrades(
    kind: str,
    schema: tuple[Path, Callable[[str], Config], MetaData, str],
    postgres_server_url: str,
    tmp_path: Path,
) -> None:
    migrations, migrations_config, _, _ = schema
    revisions = list(ScriptDirectory(str(migrations)).walk_revisions("base", "heads"))
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


async def test_head_matches_the_models(
    kind: str,
    schema: tuple[Path, Callable[[str], Config], MetaData, str],
    postgres_server_url: str,
    tmp_path: Path,
) -> None:
    _, migrations_config, metadata, version_table = schema

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "version_table": version_table}
        )
        return [
            d
            for d in compare_metadata(context, metadata)
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
