"""Throw-away databases on a real server: one per test, dropped afterwards. A service's schema
ready-made: tests.support.migrated_databases."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


@asynccontextmanager
async def fresh_postgres(server_url: str) -> AsyncIterator[str]:
    """A new, empty PostgreSQL database on the server of `server_url`; yields its URL."""
    name = f"gmbot_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield database_url(server_url, name)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


def database_url(server_url: str, name: str) -> str:
    """The URL of database `name` on the server of `server_url`."""
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@asynccontextmanager
async def fresh_sqlite(directory: Path) -> AsyncIterator[str]:
    yield f"sqlite+aiosqlite:///{directory / f'{uuid.uuid4().hex[:12]}.db'}"


@asynccontextmanager
async def fresh_database(kind: str, server_url: str, directory: Path) -> AsyncIterator[str]:
    if kind == "postgres":
        async with fresh_postgres(server_url) as url:
            yield url
    else:
        async with fresh_sqlite(directory) as url:
            yield url


@contextmanager
def statements_on(engine: AsyncEngine) -> Iterator[list[str]]:
    """The SQL statements `engine` sends to its database within (but the BEGIN the SQLite
    engine sends itself before a transaction's first statement)."""
    sent: list[str] = []

    def record(*args: Any) -> None:
        statement = str(args[2])
        if not statement.startswith("BEGIN"):
            sent.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
