"""A service's schema version: the lock every migrator takes, and whether a database is at the
revision the code expects (`gmbot migrate --check`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

if TYPE_CHECKING:
    from alembic.config import Config

log = structlog.get_logger("gmbot.database")


def migration_lock_key(version_table: str) -> int:
    """One PostgreSQL advisory lock key per schema (its version table), so tenancy and
    enforcement sharing a database never wait for each other."""
    digest = hashlib.blake2b(f"gmbot-migrate:{version_table}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


async def lock_migrations(connection: AsyncConnection, version_table: str) -> None:
    """Makes every other migrator of this schema wait until this transaction ends: init
    containers, `MIGRATE_ON_START` replicas and `gmbot migrate` started together upgrade one
    after another, and whoever comes second finds the schema at head and does nothing. SQLite:
    its transactions take the write lock at BEGIN (database.create_engine), one at a time
    already."""
    if connection.dialect.name != "postgresql":
        return
    key = {"key": migration_lock_key(version_table)}
    if await connection.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), key):
        return
    log.info("waiting for another migrator of this schema", version_table=version_table)
    await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), key)


@dataclass(frozen=True)
class SchemaStatus:
    """The revisions a database is at, next to the ones the code's migrations end at."""

    current: frozenset[str]
    expected: frozenset[str]
    known: frozenset[str]

    @property
    def matches(self) -> bool:
        return self.current == self.expected

    def describe(self, name: str) -> str:
        def revisions(which: frozenset[str]) -> str:
            return ", ".join(sorted(which))

        if self.matches:
            return f"{name}: the schema matches the code (revision {revisions(self.current)})"
        if not self.current:
            return (
                f"{name}: the database has no {name} schema; the code expects revision "
                f"{revisions(self.expected)}: run `gmbot migrate {name}`"
            )
        unknown = self.current - self.known
        if unknown:
            return (
                f"{name}: the schema is at revision {revisions(self.current)}, which this code "
                f"does not know (a newer release migrated it); this code expects "
                f"{revisions(self.expected)}"
            )
        return (
            f"{name}: the schema is at revision {revisions(self.current)}, the code expects "
            f"{revisions(self.expected)}: run `gmbot migrate {name}`"
        )


def unknown_revisions(connection: Connection, config: Config) -> frozenset[str]:
    """The revisions the database is at that this code's migrations do not know: a newer
    release migrated it, and this one runs against its (expanded) schema as it is."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(config)
    version_table = config.attributes["version_table"]
    context = MigrationContext.configure(connection, opts={"version_table": version_table})
    known = {revision.revision for revision in script.walk_revisions()}
    return frozenset(context.get_current_heads()) - known


async def schema_status(engine: AsyncEngine, config: Config) -> SchemaStatus:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(config)
    version_table = config.attributes["version_table"]

    def current(connection: Connection) -> tuple[str, ...]:
        context = MigrationContext.configure(connection, opts={"version_table": version_table})
        return context.get_current_heads()

    async with engine.connect() as connection:
        heads = await connection.run_sync(current)
    return SchemaStatus(
        current=frozenset(heads),
        expected=frozenset(script.get_heads()),
        known=frozenset(revision.revision for revision in script.walk_revisions()),
    )
