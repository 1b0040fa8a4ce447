"""Fixtures every test layer shares: real PostgreSQL and Redis, found the same way everywhere.

`TEST_DATABASE_URL` / `TEST_REDIS_URL` when set; otherwise the servers on 127.0.0.1 (what CI
starts); otherwise testcontainers when a Docker engine runs. Never a mock.

A test marked `redis_cluster` runs twice: on that Redis, and on a three-node Redis Cluster
(`TEST_REDIS_CLUSTER_URL`, else scripts/redis-cluster.sh's on 127.0.0.1:7000-7002).
"""

from __future__ import annotations

import os
import resource
import signal
import socket
import time
from collections.abc import AsyncIterator, Generator, Iterator

import pytest
import structlog

from gmbot.devstack.stack import share_ports
from tests.support import migrated_databases
from tests.support.longest_first import keep_collection_order, order_longest_first

DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
DEFAULT_REDIS_CLUSTER = "redis+cluster://127.0.0.1:7000"
# The markers a test gets from the fixtures it uses (directly or through another fixture), so
# `pytest -m "not postgres and not redis"` runs what needs neither server.
MARKERS_BY_FIXTURE = {
    "postgres_server_url": "postgres",
    "redis_url": "redis",
    "redis_cluster_url": "redis",
}


def pytest_configure(config: pytest.Config) -> None:
    keep_collection_order(config)
    # A run stopped by SIGTERM (CI's time limit, a kill) unwinds as Ctrl-C does: the fixtures stop
    # their services, and devstack's atexit the rest.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    _plain_tracebacks()
    # Each pool process picks its services' ports from a part of the range of its own.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if worker.startswith("gw"):
        share_ports(int(worker[2:]), int(os.environ["PYTEST_XDIST_WORKER_COUNT"]))


def _plain_tracebacks() -> None:
    """structlog's default renderer, for what runs in the test's process, with the traceback as
    plain text: its default draws one with rich, every local of every frame in a table, and one
    logged exception of aiogram's took 25 to 60 s of CPU on a busy machine (most of
    test_dead_letters' time). The services in processes of their own log JSON as in production."""
    *chain, _renderer = structlog.get_config()["processors"]
    renderer = structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)
    structlog.configure(processors=[*chain, renderer])


@pytest.fixture(scope="session", autouse=True)
async def _copies_dropped() -> AsyncIterator[None]:
    """The databases copied for the process's tests and stacks (tests.support.migrated_databases)
    and their templates are dropped when its tests are done."""
    yield
    await migrated_databases.finish()


CPU_AT_SETUP = pytest.StashKey[float]()


def _cpu_seconds() -> float:
    """This process's CPU time and that of its children it has reaped (a CLI run, a killed
    service): with a test's wall time, whether it computed or waited."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    item.stash[CPU_AT_SETUP] = _cpu_seconds()
    return (yield)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    try:
        return (yield)
    finally:
        # In the JUnit XML beside the test's time, for scripts/test_times.py
        spent = _cpu_seconds() - item.stash.get(CPU_AT_SETUP, _cpu_seconds())
        item.user_properties.append(("cpu_seconds", f"{spent:.2f}"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        used = getattr(item, "fixturenames", ())
        for fixture, marker in MARKERS_BY_FIXTURE.items():
            if fixture in used:
                item.add_marker(marker)
    again = [item for item in items if _cluster_run_without_redis(item)]
    if again:
        config.hook.pytest_deselected(items=again)
        items[:] = [item for item in items if item not in again]
    order_longest_first(config, items)


def _cluster_run_without_redis(item: pytest.Item) -> bool:
    """A `redis_cluster` test's run on the cluster of a variant that keeps its state in this
    process or in a file (`local`, `file`, `sqlite+local`): the same as its first run."""
    callspec = getattr(item, "callspec", None)
    if callspec is None or callspec.params.get("redis_url") != "redis-cluster":
        return False
    return any(
        isinstance(value, str) and value.rpartition("+")[2] in ("local", "file")
        for value in callspec.params.values()
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.definition.get_closest_marker("redis_cluster") and (
        "redis_url" in metafunc.fixturenames
    ):
        metafunc.parametrize("redis_url", ["redis", "redis-cluster"], indirect=True)


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
def redis_cluster_url() -> str:
    if url := os.environ.get("TEST_REDIS_CLUSTER_URL"):
        return url
    if _listening("127.0.0.1", 7000):
        return DEFAULT_REDIS_CLUSTER
    pytest.fail(
        "no Redis Cluster: set TEST_REDIS_CLUSTER_URL, or start one on 127.0.0.1:7000-7002 "
        "with scripts/redis-cluster.sh (make tools does)"
    )


@pytest.fixture(scope="session")
def redis_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """One Redis; the cluster's URL for a `redis_cluster` test's second run."""
    if getattr(request, "param", "redis") == "redis-cluster":
        yield request.getfixturevalue("redis_cluster_url")
    elif url := os.environ.get("TEST_REDIS_URL"):
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
