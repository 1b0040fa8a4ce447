"""A fresh database with a service's schema at head, per test, without waiting on PostgreSQL for
it. On a loaded machine a test's own work took 0.2 s, and its database 1.5 to 3 s: Alembic
(1 to 1.5 s), CREATE DATABASE and DROP DATABASE (0.5 to 2 s each, on the server's disk).

So each process migrates one template per server and schema, once; a test's database is a copy
of it (PostgreSQL's CREATE DATABASE ... TEMPLATE; a file copy for SQLite), and the service's own
migrate at start finds nothing to do. The next test's copy is made while this one runs, and
this one's is dropped while the next one runs. `finish()`, at the end of the session, waits for
all of that and drops the templates.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from gmbot.runtime.database import create_engine, migrate
from tests.support.databases import database_url, fresh_sqlite

# A service's migrations_config(url) (gmbot.tenancy.app, gmbot.enforcement.app)
Migrations = Callable[[str], Config]
# A server's URL, or "sqlite"; and the schema
Key = tuple[str, Migrations]

_templates: dict[Key, str] = {}
_ahead: dict[Key, asyncio.Task[str]] = {}
_drops: set[asyncio.Task[None]] = set()
# One CREATE or DROP at a time per process, as before the copies were made ahead: the server's
# connections are shared by every process of every run on the machine ("too many clients").
_one_statement = asyncio.Lock()


@asynccontextmanager
async def migrated_database(
    kind: str, server_url: str, directory: Path, migrations: Migrations
) -> AsyncIterator[str]:
    """A new database (`kind` postgres, on the server of `server_url`; or sqlite, in
    `directory`) with the schema of `migrations` at head; yields its URL."""
    if kind != "postgres":
        template = await _sqlite_template(migrations)
        async with fresh_sqlite(directory) as url:
            shutil.copyfile(template, make_url(url).database or "")
            yield url
        return
    key = (server_url, migrations)
    made = _ahead.pop(key, None)
    name = await (made if made is not None else _postgres_copy(key))
    _ahead[key] = asyncio.create_task(_postgres_copy(key))
    try:
        yield database_url(server_url, name)
    finally:
        drop = asyncio.create_task(_drop(server_url, name))
        _drops.add(drop)
        drop.add_done_callback(_drops.discard)


@asynccontextmanager
async def stack_databases(
    server_url: str, directory: Path, kind: str = "postgres"
) -> AsyncIterator[tuple[str, str]]:
    """Tenancy's and enforcement's databases for a stack, on the PostgreSQL of `server_url` (or
    SQLite files in `directory`, `kind` sqlite), at head: start it with
    StackConfig(migrated=True). Each migrate process a stack would start costs seconds of CPU,
    and a pool starts a dozen stacks."""
    # Imported here: the services' apps are heavy, and most users of this module need neither.
    from gmbot.enforcement.app import migrations_config as enforcement_migrations
    from gmbot.tenancy.app import migrations_config as tenancy_migrations

    async with (
        migrated_database(kind, server_url, directory, tenancy_migrations) as tenancy,
        migrated_database(kind, server_url, directory, enforcement_migrations) as enforcement,
    ):
        yield tenancy, enforcement


async def finish() -> None:
    """Waits for the drops under way; drops the copies made ahead and the templates."""
    await asyncio.gather(*_drops)
    for (server_url, _), made in list(_ahead.items()):
        await _drop(server_url, await made)
    _ahead.clear()
    while _templates:
        (server_url, _), template = _templates.popitem()
        if server_url == "sqlite":
            shutil.rmtree(Path(template).parent, ignore_errors=True)
        else:
            await _drop(server_url, template)


async def _sqlite_template(migrations: Migrations) -> str:
    # A process runs one test at a time: no two of them make the same template at once.
    key = ("sqlite", migrations)
    if key not in _templates:
        path = Path(tempfile.mkdtemp(prefix="gmbot-template-")) / "template.db"
        _templates[key] = str(path)
        await _migrate(f"sqlite+aiosqlite:///{path}", migrations)
    return _templates[key]


async def _postgres_copy(key: Key) -> str:
    """A new copy of the key's template (made first if need be): its database name."""
    server_url, migrations = key
    if key not in _templates:
        _templates[key] = template = f"gmbot_template_{uuid.uuid4().hex[:12]}"
        await _execute(server_url, f'CREATE DATABASE "{template}"')
        await _migrate(database_url(server_url, template), migrations)
    name = f"gmbot_test_{uuid.uuid4().hex[:12]}"
    await _execute(server_url, f'CREATE DATABASE "{name}" TEMPLATE "{_templates[key]}"')
    return name


async def _migrate(url: str, migrations: Migrations) -> None:
    # Disposed before any copy: PostgreSQL copies no template another session is connected to.
    engine = create_engine(url)
    try:
        await migrate(engine, migrations(url))
    finally:
        await engine.dispose()


async def _drop(server_url: str, name: str) -> None:
    await _execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _execute(server_url: str, statement: str) -> None:
    async with _one_statement:
        admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
        try:
            async with admin.connect() as connection:
                await connection.execute(text(statement))
        finally:
            await admin.dispose()
