"""SQLAlchemy engines and Alembic migrations for the services that keep a database.

PostgreSQL (asyncpg, pooled) in production; a SQLite file (aiosqlite) by default, so a service
runs with nothing installed.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import Connection, DateTime, TypeDecorator, event, text
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from gmbot.runtime.errors import Unavailable
from gmbot.runtime.logs import configure_logging
from gmbot.runtime.observability import secrets_of
from gmbot.runtime.schema import lock_migrations, schema_status, unknown_revisions
from gmbot.runtime.server import Service, run
from gmbot.runtime.tracing import trace_engine

if TYPE_CHECKING:
    from alembic.config import Config

log = structlog.get_logger("gmbot.database")

# The execution option that marks an engine's transactions as reading only (`reading`).
READ_ONLY = "gmbot_read_only"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every engine (SQLite hands back naive datetimes)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)  # noqa: S101 - the column holds datetimes only
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def create_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    """An engine for `url`; SQLite gets foreign keys, WAL and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Let SQLAlchemy, not the driver, open transactions (see `_begin`).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _begin(connection: Connection) -> None:
            # A deferred transaction that reads, then writes, fails at once with "database is
            # locked" when another writer got there first; taking the write lock up front makes
            # concurrent writers wait their turn (busy_timeout) instead. A transaction that only
            # reads (`reading`) takes no lock: in WAL it reads beside the writer, and does not
            # make the writers queued behind it wait longer.
            if connection.get_execution_options().get(READ_ONLY, False):
                connection.exec_driver_sql("BEGIN")
            else:
                connection.exec_driver_sql("BEGIN IMMEDIATE")

    else:
        engine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=False,
            pool_recycle=1800,
        )
    trace_engine(engine)
    return engine


def reading(engine: AsyncEngine) -> AsyncEngine:
    """`engine` for transactions that only read (the same connections): on SQLite they take no
    write lock, so a busy writer queue does not hold them, nor they it. Only for reads: a write in
    one would fail with "database is locked" whenever another writer got there first."""
    return engine.execution_options(**{READ_ONLY: True})


@contextmanager
def lost_connection_is_unavailable() -> Iterator[None]:
    """A connection dropped under a call (database restart, failover) becomes UNAVAILABLE, which
    callers retry, instead of INTERNAL."""
    try:
        yield
    except DBAPIError as error:
        if error.connection_invalidated:
            raise Unavailable("the database connection was lost; retry") from error
        raise


def safe_url(url: str) -> str:
    """The URL without its password, for logs."""
    return make_url(url).render_as_string(hide_password=True)


async def wait_for_database(engine: AsyncEngine, wait_seconds: float = 30.0) -> None:
    """Waits until the database answers, at most `wait_seconds`; then says why it gave up."""
    deadline = time.monotonic() + wait_seconds
    delay = 0.2
    while True:
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return
        except (OSError, OperationalError, DBAPIError) as error:
            if time.monotonic() >= deadline:
                raise RuntimeError(
                    f"database {safe_url(str(engine.url))} did not answer within "
                    f"{wait_seconds:.0f}s: {error.__class__.__name__}"
                ) from error
            log.warning("database not ready", url=safe_url(str(engine.url)), retry_in=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)


def alembic_config(script_location: Path, url: str, version_table: str) -> Config:
    # Alembic costs a serving process ~14 MiB it never uses unless it migrates: imported here.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["version_table"] = version_table
    return config


async def migrate(engine: AsyncEngine, config: Config, revision: str = "head") -> None:
    """Upgrades the schema to `revision` over the engine's own connection, holding the schema's
    migration lock (whoever else migrates it waits, then finds nothing to do). A schema a newer
    release already migrated is left as it is: a rollback's pods start on it (every migration
    only adds, README "Upgrades and rollbacks") instead of failing on a revision they do not
    know."""

    from alembic import command

    def upgrade(connection: Connection) -> None:
        newer = unknown_revisions(connection, config)
        if newer:
            log.warning(
                "the schema is newer than this code; left as it is", revisions=sorted(newer)
            )
            return
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await lock_migrations(connection, config.attributes["version_table"])
        await connection.run_sync(upgrade)


async def downgrade(engine: AsyncEngine, config: Config, revision: str) -> None:
    from alembic import command

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with engine.begin() as connection:
        await lock_migrations(connection, config.attributes["version_table"])
        await connection.run_sync(run)


async def migrate_to_head(url: str, config: Config, wait_seconds: float) -> None:
    """The `migrate` command of a service: wait for the database, upgrade, report."""
    engine = create_engine(url)
    try:
        await wait_for_database(engine, wait_seconds)
        await migrate(engine, config)
    finally:
        await engine.dispose()
    log.info("migrated", database=safe_url(url))


async def check_schema(name: str, url: str, config: Config, wait_seconds: float) -> bool:
    """The `migrate --check` command of a service: says whether the schema is at the code's
    revision (one line on stdout) and answers whether it is."""
    engine = create_engine(url)
    try:
        await wait_for_database(engine, wait_seconds)
        status = await schema_status(engine, config)
    except RuntimeError as error:  # the database did not answer: nothing to compare
        sys.stdout.write(f"{name}: cannot check the schema: {error}\n")
        return False
    finally:
        await engine.dispose()
    sys.stdout.write(status.describe(name) + "\n")
    return status.matches


def serve_or_migrate(
    name: str,
    settings: Any,
    build: Callable[[], Awaitable[Service]],
    migrations_config: Callable[[str], Config],
    description: str,
) -> None:
    """The `main()` of a service that keeps a database: `serve` (default), `migrate`, or
    `migrate --check` (exit 0 when the schema matches the code, 1 when it does not)."""
    parser = argparse.ArgumentParser(prog=f"gmbot-{name}", description=description)
    parser.add_argument("command", choices=["serve", "migrate"], nargs="?", default="serve")
    parser.add_argument(
        "--check", action="store_true", help="with migrate: only say whether the schema is at head"
    )
    args = parser.parse_args()
    if args.command != "migrate":
        run(name, settings, build)
        return
    configure_logging(name, settings.log_level, settings.log_format, secrets=secrets_of(settings))
    url = settings.database_url
    config = migrations_config(url)
    if args.check:
        matches = asyncio.run(check_schema(name, url, config, settings.database_wait_seconds))
        sys.exit(0 if matches else 1)
    asyncio.run(migrate_to_head(url, config, settings.database_wait_seconds))
