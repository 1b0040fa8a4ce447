"""docker-compose.yml's services connect to PostgreSQL as their own roles, each owning only its
own database, made on the first start with the Kubernetes piece's roles.sql; never as the
administrator."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.unit.deploy.compose import example_env, services

ROOT = Path(__file__).resolve().parents[3]
ROLES_SH = ROOT / "deploy" / "postgres" / "roles.sh"


def _resolved() -> tuple[dict[str, str], dict[str, Any]]:
    env = example_env()
    return env, services(env)


def test_each_service_connects_as_its_own_role_with_its_own_password() -> None:
    env, services = _resolved()
    urls = {
        name: urlsplit(str(spec["environment"]["DATABASE_URL"]))
        for name, spec in services.items()
        if "DATABASE_URL" in spec.get("environment", {})
    }

    assert set(urls) == {"tenancy", "migrate-tenancy", "enforcement", "migrate-enforcement"}
    for name, url in urls.items():
        database = name.removeprefix("migrate-")
        assert url.path == f"/{database}"
        assert url.username == f"gmbot_{database}"
        assert url.password == env[f"{database.upper()}_DB_PASSWORD"]
        assert url.password != env["POSTGRES_PASSWORD"]
    assert len({env["TENANCY_DB_PASSWORD"], env["ENFORCEMENT_DB_PASSWORD"]}) == 2


def test_postgres_makes_the_roles_with_the_kubernetes_roles_sql() -> None:
    env, services = _resolved()
    postgres = services["postgres"]
    # docker-compose 1 resolves short bind mounts to SOURCE:TARGET:MODE strings.
    binds = [str(volume).split(":") for volume in postgres["volumes"]]
    mounts = {target: Path(source) for source, target, _ in binds if source.startswith("/")}
    script = ROLES_SH.read_text()

    assert mounts["/docker-entrypoint-initdb.d/roles.sh"] == ROLES_SH
    assert mounts["/gmbot/roles.sql"] == ROOT / "deploy/kubernetes/postgres-roles/roles.sql"
    assert "-f /gmbot/roles.sql" in script
    for database in ("tenancy", "enforcement"):
        password = f"{database.upper()}_DB_PASSWORD"
        assert postgres["environment"][password] == env[password]
        assert f"roles {database} " in script
        assert f"${{{password}:?}}" in script
    assert ROLES_SH.stat().st_mode & 0o111, "the postgres image runs it only when executable"
