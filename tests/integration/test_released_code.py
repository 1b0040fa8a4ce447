"""The last release's code on the schema today's migrations make (expand, then contract).

- `test_the_released_models_insert_and_select_on_the_new_schema` brings a real database (SQLite,
  PostgreSQL) to the code's head, then writes one row to every table of the release's models
  (their source as released, `git show <RELEASE_COMMIT>:…`) with only the columns the release
  knows, and reads it back. It runs the release's table definitions, not its whole service: the
  models import today's gmbot.runtime and policy modules.
- `test_the_released_code_keeps_writing_while_the_schema_is_upgraded` is the rolling-update
  window on PostgreSQL: the schema made by the release's own migrations, its models writing to
  every table in a loop while today's code migrates to its head, and still writing after it.
  The writer is the release's table definitions in this process, not a released service.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncConnection

from gmbot.runtime.database import alembic_config, create_engine, migrate
from gmbot.runtime.schema import schema_status
from tests.integration.released import SCHEMAS, released_migrations, released_models
from tests.support.databases import fresh_database, fresh_postgres


def sample(column: sa.Column[Any], n: int = 1) -> Any:
    """The `n`th value 0.1.0's code could have written to `column` (distinct for each `n`)."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer):
        return n
    if isinstance(kind, sa.String | sa.Text):
        return f"x{n}"
    if isinstance(kind, sa.JSON):
        return {}
    if isinstance(kind, sa.TypeDecorator | sa.DateTime):
        return datetime.now(UTC)
    raise AssertionError(f"no sample value for {column.table.name}.{column.name} ({kind!r})")


async def write_everywhere(connection: AsyncConnection, metadata: MetaData, n: int) -> None:
    """One row in every table of `metadata`, parents first, with only the columns it knows."""
    for table in metadata.sorted_tables:
        row = {
            column.name: sample(column, n)
            for column in table.columns
            if column.default is None and column.server_default is None
        }
        await connection.execute(table.insert().values(row))


@pytest.fixture(params=["sqlite", "postgres"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.mark.parametrize("schema", sorted(SCHEMAS))
async def test_the_released_models_insert_and_select_on_the_new_schema(
    schema: str, kind: str, postgres_server_url: str, tmp_path: Path
) -> None:
    app, _ = SCHEMAS[schema]
    with released_models(schema) as metadata:
        async with fresh_database(kind, postgres_server_url, tmp_path) as url:
            engine = create_engine(url)
            try:
                await migrate(engine, app.migrations_config(url))
                async with engine.begin() as connection:
                    await write_everywhere(connection, metadata, 1)
                    counts = {
                        table.name: len((await connection.execute(sa.select(table))).all())
                        for table in metadata.sorted_tables
                    }
            finally:
                await engine.dispose()
    assert counts == dict.fromkeys(counts, 1)
    assert counts


@pytest.mark.parametrize("schema", sorted(SCHEMAS))
async def test_the_released_code_keeps_writing_while_the_schema_is_upgraded(
    schema: str, postgres_server_url: str, tmp_path: Path
) -> None:
    # The rolling-update window on PostgreSQL: the schema at 0.1.0's head (0.1.0's own
    # migrations), 0.1.0's models writing to every table, transaction after transaction, while
    # today's code migrates to its head, and after it.
    app, _ = SCHEMAS[schema]
    released_config = alembic_config(
        released_migrations(schema, tmp_path), "unused", app.VERSION_TABLE
    )
    with released_models(schema) as metadata:
        async with fresh_postgres(postgres_server_url) as url:
            writer_engine, migrator = create_engine(url), create_engine(url)
            upgraded, writing = asyncio.Event(), asyncio.Event()
            written_after_upgrade = 0

            async def keep_writing() -> int:
                nonlocal written_after_upgrade
                n = 0
                while written_after_upgrade < 5:
                    n += 1
                    async with writer_engine.begin() as connection:
                        await write_everywhere(connection, metadata, n)
                    writing.set()
                    written_after_upgrade += upgraded.is_set()
                    await asyncio.sleep(0.01)
                return n

            try:
                await migrate(migrator, released_config)
                writer = asyncio.create_task(keep_writing())
                # The upgrade starts among the released code's writes, not before the first.
                await asyncio.wait_for(writing.wait(), 60)
                await migrate(migrator, app.migrations_config(url))
                upgraded.set()
                written = await asyncio.wait_for(writer, 60)
                async with writer_engine.connect() as connection:
                    counts = {
                        table.name: len((await connection.execute(sa.select(table))).all())
                        for table in metadata.sorted_tables
                    }
                status = await schema_status(migrator, app.migrations_config(url))
            finally:
                await writer_engine.dispose()
                await migrator.dispose()
    assert status.matches
    assert written > 5
    assert counts == dict.fromkeys(counts, written)
