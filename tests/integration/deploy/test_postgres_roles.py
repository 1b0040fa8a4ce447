"""deploy/kubernetes/postgres-roles/roles.sql on a real PostgreSQL, run by psql as its Job runs it:
each service's role owns its own database and may do nothing else, not even connect to the
other's."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[3]
ROLES_SQL = ROOT / "deploy" / "kubernetes" / "postgres-roles" / "roles.sql"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(shutil.which("psql") is None, reason="psql (Debian postgresql-client)"),
]


class Server:
    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.host, self.port = parsed.host or "127.0.0.1", parsed.port or 5432
        self.admin, self.password = parsed.username or "postgres", parsed.password

    def psql(self, *args: str) -> None:
        env = {"PATH": os.environ["PATH"], "PGPASSWORD": self.password or ""}
        address = ["-h", self.host, "-p", str(self.port), "-U", self.admin, "-d", "postgres"]
        subprocess.run(  # noqa: S603 - our own command line
            ["psql", "-q", *address, *args],  # noqa: S607 - psql on PATH
            check=True,
            env=env,
            capture_output=True,
        )

    def roles(self, db: str, role: str) -> None:
        self.psql(
            "-v",
            f"db={db}",
            "-v",
            f"role={role}",
            "-v",
            "password=pw-0123456789",
            "-f",
            str(ROLES_SQL),
        )

    async def connect(self, user: str, database: str) -> asyncpg.Connection:
        return await asyncpg.connect(
            host=self.host, port=self.port, user=user, password="pw-0123456789", database=database
        )


@pytest.fixture
def server(postgres_server_url: str) -> Iterator[tuple[Server, str]]:
    server = Server(postgres_server_url)
    suffix = uuid.uuid4().hex[:8]
    yield server, suffix
    for service in ("tenancy", "enforcement"):
        server.psql("-c", f'DROP DATABASE IF EXISTS "t_{service}_{suffix}" WITH (FORCE)')
        server.psql("-c", f'DROP ROLE IF EXISTS "t_gmbot_{service}_{suffix}"')


async def test_each_role_owns_its_database_and_nothing_else(server: tuple[Server, str]) -> None:
    pg, suffix = server
    tenancy, enforcement = f"t_tenancy_{suffix}", f"t_enforcement_{suffix}"
    tenancy_role, enforcement_role = f"t_gmbot_tenancy_{suffix}", f"t_gmbot_enforcement_{suffix}"
    pg.roles(tenancy, tenancy_role)
    pg.roles(enforcement, enforcement_role)
    pg.roles(tenancy, tenancy_role)  # again: idempotent (how a password is changed)

    own = await pg.connect(tenancy_role, tenancy)
    try:
        # What migrations do: create tables in its own database.
        await own.execute("CREATE TABLE groups (id bigint PRIMARY KEY)")
        rights = await own.fetchrow(
            "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user"
        )
        owner = await own.fetchval(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
        )
    finally:
        await own.close()
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await pg.connect(tenancy_role, enforcement)
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await pg.connect(enforcement_role, tenancy)

    assert tuple(rights) == (False, False, False)
    assert owner == tenancy_role
