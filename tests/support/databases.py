"""Throw-away databases on a real server: one per test, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine


@asynccontextmanager
async def fresh_postgres(server_url: str) -> AsyncIterator[str]:
    """A new, empty PostgreSQL database on the server of `server_url`; yields its URL."""
    name = f"gmbot_test_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


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
