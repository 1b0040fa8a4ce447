"""The body of every service's Alembic `env.py`: migrations run on a connection handed in by
`gmbot.runtime.database.migrate`, or on a fresh async engine when Alembic is run directly."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection, MetaData
from sqlalchemy.ext.asyncio import create_async_engine


def _run(connection: Connection, metadata: MetaData, version_table: str) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=version_table,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_env(metadata: MetaData, version_table: str) -> None:
    config = context.config
    version_table = config.attributes.get("version_table", version_table)
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        _run(connection, metadata, version_table)
        return

    async def online() -> None:
        engine = create_async_engine(config.get_main_option("sqlalchemy.url") or "")
        async with engine.begin() as async_connection:
            await async_connection.run_sync(_run, metadata, version_table)
        await engine.dispose()

    asyncio.run(online())
