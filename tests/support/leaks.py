"""What a start-up that failed may have left open, seen from outside: connections PostgreSQL
still holds to a database, Redis clients of a name, tasks still running in this loop."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support.waiting import eventually

# What a service that fails while starting is given as Telegram: it never gets to call it.
UNCALLED_TELEGRAM = "http://127.0.0.1:9"
START_UP_BOT_TOKEN = "123456:start-up-test-token-0123456789abcdef"


def named_redis(redis_url: str) -> tuple[str, str]:
    """`redis_url` with a client name of its own (querystring options win over the code's own,
    redis-py says), and that name: CLIENT LIST shows this test's connections and no other's."""
    name = f"gmbot-test-{uuid.uuid4().hex[:12]}"
    separator = "&" if "?" in redis_url else "?"
    return f"{redis_url}{separator}client_name={name}", name


async def redis_clients(redis_url: str, name: str) -> int:
    """Connections Redis holds open for clients called `name`."""
    redis = Redis.from_url(redis_url)
    try:
        return sum(1 for client in await redis.client_list() if client["name"] == name)
    finally:
        await redis.aclose()


async def database_connections(server_url: str, database_url: str) -> int:
    """Connections PostgreSQL (at `server_url`) holds open to the database of `database_url`."""
    admin = create_async_engine(server_url)
    try:
        async with admin.connect() as connection:
            found = await connection.scalar(
                text("SELECT count(*) FROM pg_stat_activity WHERE datname = :name"),
                {"name": make_url(database_url).database},
            )
        return int(found or 0)
    finally:
        await admin.dispose()


async def settled(count: Callable[[], Awaitable[int]], seconds: float = 3.0) -> int:
    """What `count()` says once it reached 0, or after `seconds`: a server may take a moment
    to see a connection its client closed."""
    counts: list[int] = []

    async def none_left() -> bool:
        counts.append(await count())
        return counts[-1] == 0

    # The caller asserts on the count itself, so that a failure says how many were left.
    with suppress(AssertionError):
        await eventually(none_left, seconds, every=0.1, what="nothing left open")
    return counts[-1]


@contextmanager
def tasks_started() -> Iterator[list[asyncio.Future[Any]]]:
    """The tasks the calling task starts while the block runs, and those they start in turn:
    what the code under test started. Tasks the rest of the loop starts meanwhile are not among
    them: an end-to-end stack's sandbox serves in this process, and its requests' tasks come and
    go while an earlier test's stack runs."""
    loop = asyncio.get_running_loop()
    ours: set[asyncio.Future[Any] | None] = {asyncio.current_task()}
    started: list[asyncio.Future[Any]] = []
    previous = loop.get_task_factory()

    def factory(loop: asyncio.AbstractEventLoop, coro: Any, **options: Any) -> Any:
        task = (
            previous(loop, coro, **options)
            if previous is not None
            else asyncio.Task(coro, loop=loop, **options)
        )
        if asyncio.current_task(loop) in ours:
            ours.add(task)
            started.append(task)
        return task

    loop.set_task_factory(factory)
    try:
        yield started
    finally:
        loop.set_task_factory(previous)


def running(tasks: list[asyncio.Future[Any]]) -> list[asyncio.Future[Any]]:
    return [task for task in tasks if not task.done()]


@contextmanager
def taken_port() -> Iterator[int]:
    """A port on 127.0.0.1 another socket listens on (without SO_REUSEPORT, so a gRPC server
    cannot share it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


@contextmanager
def refusing_port() -> Iterator[int]:
    """A port on 127.0.0.1 held by a socket that does not listen: connecting to it is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        yield int(holder.getsockname()[1])
