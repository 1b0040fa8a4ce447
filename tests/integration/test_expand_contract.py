"""Every migration since the last release only expands the schema, so the release before it keeps
working during a rolling update and after a rollback.

What this proves, and what it does not:
- `test_the_migrations_since_the_release_only_add` runs each migration newer than 0.1.0 against a
  recorder of Alembic's operations (no database) and refuses anything but new tables, new
  indexes and new columns that are nullable or have a server default. A migration that executes
  SQL or reads the database cannot be judged this way and is refused too (review it by hand).
- `test_the_released_models_insert_and_select_on_the_new_schema` brings a real database (SQLite,
  PostgreSQL) to the code's head, then writes one row to every table of 0.1.0's models (their
  source as released, `git show 854fb61:…`) with only the columns 0.1.0 knows, and reads it
  back. It runs 0.1.0's table definitions, not 0.1.0's whole service: the models import today's
  gmbot.runtime and policy modules.
- `test_the_released_code_keeps_writing_while_the_schema_is_upgraded` is the rolling-update
  window on PostgreSQL: the schema made by 0.1.0's own migrations, 0.1.0's models writing to
  every table in a loop while today's code migrates to its head, and still writing after it.
  The writer is 0.1.0's table definitions in this process, not a 0.1.0 service.
Checked by hand once: a migration that adds a NOT NULL column and then drops its default fails
all three.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncConnection

from gmbot.enforcement import app as enforcement_app
from gmbot.runtime.database import alembic_config, create_engine, migrate
from gmbot.runtime.schema import schema_status
from gmbot.tenancy import app as tenancy_app
from tests.support.databases import fresh_database, fresh_postgres
from tests.support.migration_audit import load, not_additive

ROOT = Path(__file__).resolve().parents[2]
# The last release (CHANGELOG.md): its commit, so a clone without tags checks the same.
RELEASE = "0.1.0"
RELEASE_COMMIT = "854fb61cf751685f0e7586b0bb53c4e700b9299e"
# Each schema's service today, and the folder of its models.py and migrations/ at the release.
SCHEMAS = {
    "tenancy": (tenancy_app, "services/tenancy/gmbot/tenancy"),
    "enforcement": (enforcement_app, "services/enforcement/gmbot/enforcement"),
}


def git(*args: str) -> str:
    result = subprocess.run(  # noqa: S603 - git on this repository
        ["git", *args],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        pytest.fail(
            f"git {' '.join(args)}: {result.stderr.strip()} (this test needs the history back to "
            f"release {RELEASE}, {RELEASE_COMMIT[:7]}: clone without --depth)"
        )
    return result.stdout


def released_revisions(folder: str) -> set[str]:
    versions = f"{folder}/migrations/versions"
    names = git("ls-tree", "--name-only", f"{RELEASE_COMMIT}:{versions}").split()
    found = set()
    for name in names:
        if name.endswith(".py"):
            source = git("show", f"{RELEASE_COMMIT}:{versions}/{name}")
            match = re.search(r'^revision: str = "([^"]+)"$', source, re.MULTILINE)
            assert match is not None, name
            found.add(match.group(1))
    return found


@pytest.mark.parametrize("schema", sorted(SCHEMAS))
def test_the_migrations_since_the_release_only_add(schema: str) -> None:
    app, folder = SCHEMAS[schema]
    released = released_revisions(folder)
    script = ScriptDirectory(str(app.MIGRATIONS))
    assert released <= {revision.revision for revision in script.walk_revisions()}
    problems = {}
    for revision in script.walk_revisions():
        if revision.revision not in released:
            module = load(Path(revision.path), f"audited_{schema}_{revision.revision}")
            problems[revision.revision] = not_additive(module)
    assert {revision: found for revision, found in problems.items() if found} == {}


MIGRATION = """
import sqlalchemy as sa
from alembic import op

def upgrade():
{body}
"""


@pytest.mark.parametrize(
    ("body", "refused"),
    [
        ('    op.add_column("t", sa.Column("c", sa.Text, nullable=True))', False),
        (
            '    op.add_column("t", sa.Column("c", sa.Text, nullable=False, server_default=""))',
            False,
        ),
        ('    op.create_table("t", sa.Column("id", sa.Integer, primary_key=True))', False),
        ('    op.create_index("ix_t_c", "t", ["c"])', False),
        ('    op.add_column("t", sa.Column("c", sa.Text, nullable=False))', True),
        ('    op.drop_column("t", "c")', True),
        ('    op.alter_column("t", "c", nullable=False)', True),
        ('    op.rename_table("t", "u")', True),
        ('    op.drop_table("t")', True),
        ('    op.execute("UPDATE t SET c = 1")', True),
        (
            '    with op.batch_alter_table("t") as batch:\n'
            '        batch.add_column(sa.Column("c", sa.Text, nullable=True))\n'
            '        batch.drop_column("d")',
            True,
        ),
        ('    op.get_bind().execute(sa.text("SELECT 1"))', True),
    ],
)
def test_only_additions_pass_the_audit(body: str, refused: bool, tmp_path: Path) -> None:
    path = tmp_path / "migration.py"
    path.write_text(MIGRATION.format(body=body))
    assert bool(not_additive(load(path, "audited_example"))) == refused


@contextlib.contextmanager
def released_models(schema: str) -> Iterator[MetaData]:
    """0.1.0's models module, as released, imported under a name of its own."""
    _, folder = SCHEMAS[schema]
    source = git("show", f"{RELEASE_COMMIT}:{folder}/models.py")
    name = f"released_{RELEASE.replace('.', '_')}_{schema}_models"
    module = ModuleType(name)
    sys.modules[name] = module  # SQLAlchemy resolves the Mapped[...] annotations through it
    try:
        exec(compile(source, f"{RELEASE_COMMIT[:7]}:{folder}/models.py", "exec"), module.__dict__)  # noqa: S102
        yield module.Base.metadata
    finally:
        del sys.modules[name]


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


def released_migrations(schema: str, directory: Path) -> Path:
    """0.1.0's revisions, as released, under today's env.py (the released one imports the models
    from where they were then; either only hands autogenerate the metadata)."""
    app, folder = SCHEMAS[schema]
    archive = subprocess.run(  # noqa: S603 - git on this repository
        ["git", "archive", RELEASE_COMMIT, f"{folder}/migrations"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(directory, filter="data")
    released = directory / folder / "migrations"
    shutil.copyfile(app.MIGRATIONS / "env.py", released / "env.py")
    return released


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
            upgraded = asyncio.Event()
            written_after_upgrade = 0

            async def keep_writing() -> int:
                nonlocal written_after_upgrade
                n = 0
                while written_after_upgrade < 5:
                    n += 1
                    async with writer_engine.begin() as connection:
                        await write_everywhere(connection, metadata, n)
                    written_after_upgrade += upgraded.is_set()
                    await asyncio.sleep(0.01)
                return n

            try:
                await migrate(migrator, released_config)
                writer = asyncio.create_task(keep_writing())
                await asyncio.sleep(0.2)
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
