"""Migrations take the schema's lock, whoever runs them (init containers, MIGRATE_ON_START
replicas, `gmbot migrate`), and `gmbot migrate --check` says whether the schema matches the code."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from gmbot.runtime.database import create_engine, migrate
from gmbot.runtime.schema import migration_lock_key, schema_status
from gmbot.tenancy import app as tenancy_app
from tests.support.databases import fresh_database, fresh_postgres

REVISIONS = [
    revision.revision
    for revision in ScriptDirectory(str(tenancy_app.MIGRATIONS)).walk_revisions("base", "heads")
][::-1]


@pytest.fixture(params=["sqlite", "postgres"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def test_two_migrators_at_once_both_succeed_and_the_schema_is_migrated_once(
    postgres_server_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="alembic.runtime.migration")
    async with fresh_postgres(postgres_server_url) as url:
        engines = [create_engine(url), create_engine(url)]
        try:
            await asyncio.gather(
                *(migrate(engine, tenancy_app.migrations_config(url)) for engine in engines)
            )
            status = await schema_status(engines[0], tenancy_app.migrations_config(url))
        finally:
            for engine in engines:
                await engine.dispose()
    upgrades = [r.getMessage() for r in caplog.records if "Running upgrade" in r.getMessage()]
    assert len(upgrades) == len(REVISIONS), upgrades
    assert status.matches


async def test_a_migrator_waits_while_another_holds_the_schemas_lock(
    postgres_server_url: str,
) -> None:
    async with fresh_postgres(postgres_server_url) as url:
        holder, migrator = create_engine(url), create_engine(url)
        config = tenancy_app.migrations_config(url)
        try:
            async with holder.begin() as connection:
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"),
                    {"key": migration_lock_key(tenancy_app.VERSION_TABLE)},
                )
                waiting = asyncio.create_task(migrate(migrator, config))
                await asyncio.sleep(1.0)  # time to finish, had it not waited for the lock
                assert not waiting.done()
                assert not (await schema_status(holder, config)).current
            await asyncio.wait_for(waiting, 30)
            assert (await schema_status(holder, config)).matches
        finally:
            await holder.dispose()
            await migrator.dispose()


async def test_the_status_tells_missing_behind_matching_and_newer_schemas(
    kind: str, postgres_server_url: str, tmp_path: Path
) -> None:
    async with fresh_database(kind, postgres_server_url, tmp_path) as url:
        engine = create_engine(url)
        config = tenancy_app.migrations_config(url)
        try:
            missing = await schema_status(engine, config)
            await migrate(engine, config, REVISIONS[0])
            behind = await schema_status(engine, config)
            await migrate(engine, config)
            matching = await schema_status(engine, config)
            async with engine.begin() as connection:
                await connection.execute(
                    text("UPDATE tenancy_alembic_version SET version_num = 'f00d'")
                )
            newer = await schema_status(engine, config)
        finally:
            await engine.dispose()
    head = REVISIONS[-1]
    assert not missing.matches
    assert "has no tenancy schema" in missing.describe("tenancy")
    assert not behind.matches
    assert behind.describe("tenancy") == (
        f"tenancy: the schema is at revision {REVISIONS[0]}, the code expects {head}: "
        "run `gmbot migrate tenancy`"
    )
    assert matching.matches
    assert matching.describe("tenancy") == f"tenancy: the schema matches the code (revision {head})"
    assert not newer.matches
    assert "f00d, which this code does not know" in newer.describe("tenancy")


def gmbot_migrate_check(url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # tenancy's settings want a token even to migrate (they are validated whole).
    environment = {
        **os.environ,
        "DATABASE_URL": url,
        "DATABASE_WAIT_SECONDS": "5",
        "AUTH_TOKEN": "a-test-token-that-is-long-enough-0123456789",
    }
    return subprocess.run(
        [sys.executable, "-m", "gmbot.cli", "migrate", "--check", "tenancy"],
        env=environment,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_gmbot_migrate_check_exits_1_before_migrating_and_0_after(
    kind: str, postgres_server_url: str, tmp_path: Path
) -> None:
    async with fresh_database(kind, postgres_server_url, tmp_path) as url:
        before = await asyncio.to_thread(gmbot_migrate_check, url, tmp_path)
        engine = create_engine(url)
        try:
            await migrate(engine, tenancy_app.migrations_config(url))
        finally:
            await engine.dispose()
        after = await asyncio.to_thread(gmbot_migrate_check, url, tmp_path)
    assert (before.returncode, after.returncode) == (1, 0), before.stderr + after.stderr
    assert "has no tenancy schema" in before.stdout
    assert "the schema matches the code" in after.stdout


async def test_a_rollback_leaves_a_schema_a_newer_release_migrated_as_it_is(
    kind: str, postgres_server_url: str, tmp_path: Path
) -> None:
    # A rollback's pods migrate on start (init containers): a revision their code does not know
    # must not stop them, or a rollback could never start.
    async with fresh_database(kind, postgres_server_url, tmp_path) as url:
        engine = create_engine(url)
        config = tenancy_app.migrations_config(url)
        try:
            await migrate(engine, config)
            async with engine.begin() as connection:
                await connection.execute(
                    text("UPDATE tenancy_alembic_version SET version_num = 'f00d'")
                )
            await migrate(engine, config)
            status = await schema_status(engine, config)
        finally:
            await engine.dispose()
    assert status.current == {"f00d"}
