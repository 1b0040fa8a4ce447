"""Fixtures every test layer shares: real PostgreSQL and Redis, found the same way everywhere.

`TEST_DATABASE_URL` / `TEST_REDIS_URL` when set; otherwise the servers on 127.0.0.1 (what CI
starts); otherwise testcontainers when a Docker engine runs. Never a mock.
"""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Iterator

import pytest

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
# The markers a test gets from the fixtures it uses (directly or through another fixture), so
# `pytest -m "not postgres and not redis"` runs what needs neither server.
MARKERS_BY_FIXTURE = {"postgres_server_url": "postgres", "redis_url": "redis"}


def pytest_configure() -> None:
    # A run stopped by SIGTERM (CI's time limit, a kill) unwinds as Ctrl-C does: the fixtures stop
    # their services, and devstack's atexit the rest.
    signal.signal(signal.SIGTERM, signal.default_int_handler)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        used = getattr(item, "fixturenames", ())
        for fixture, marker in MARKERS_BY_FIXTURE.items():
            if fixture in used:
                item.add_marker(marker)


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _docker_engine() -> bool:
    return os.path.exists("/var/run/docker.sock") or bool(os.environ.get("DOCKER_HOST"))


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """URL of a PostgreSQL server where tests may create and drop databases."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        yield url
    elif _listening("127.0.0.1", 5432):
        yield DEFAULT_POSTGRES
    elif _docker_engine():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver="asyncpg") as container:
            yield container.get_connection_url()
    else:
        pytest.fail(
            "no PostgreSQL: set TEST_DATABASE_URL, start one on 127.0.0.1:5432 "
            "(bash .ci/run does), or run a Docker engine for testcontainers"
        )


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    if url := os.environ.get("TEST_REDIS_URL"):
        yield url
    elif _listening("127.0.0.1", 6379):
        yield DEFAULT_REDIS
    elif _docker_engine():
        from testcontainers.redis import RedisContainer

        with RedisContainer("redis:7-alpine") as container:
            host = container.get_container_host_ip()
            yield f"redis://{host}:{container.get_exposed_port(6379)}/0"
    else:
        pytest.fail(
            "no Redis: set TEST_REDIS_URL, start one on 127.0.0.1:6379 "
            "(bash .ci/run does), or run a Docker engine for testcontainers"
        )
