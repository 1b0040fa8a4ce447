"""What bench.capacity reads from outside GMBot's processes: CPU time from /proc, operations and
memory from Redis, statements, rows and bytes from PostgreSQL. Nothing here asks a service."""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

_TICKS = os.sysconf("SC_CLK_TCK")
# The probes' own commands, and the servers' bookkeeping: not GMBot's work.
_PROBE_COMMANDS = frozenset({"info", "memory", "scan", "client", "hello", "config", "select"})
_NUMBERS = re.compile(r"-?\d+")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (/proc/<pid>/stat, fields 14 and 15)."""
    # The command name (field 2) may hold spaces; the fields after its ")" are fixed.
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


async def command_calls(redis: Redis) -> Counter[str]:
    """Calls per command since the server started (INFO commandstats), probes left out."""
    stats = await redis.info("commandstats")
    calls: Counter[str] = Counter()
    for name, value in stats.items():
        command = name.removeprefix("cmdstat_")
        if command.split("|")[0] not in _PROBE_COMMANDS:
            calls[command] = int(value["calls"])
    return calls


@dataclass(frozen=True)
class KeyUsage:
    """Bytes Redis holds for a run's keys, by what a key is about."""

    bytes_by_kind: dict[str, int]
    keys_by_kind: dict[str, int]
    bytes_by_shape: dict[str, int]  # the key with its numbers as "#": where the bytes go


def key_kind(key: str, users: set[int], groups: set[int]) -> str:
    """A key names a user ("member"), else a group ("group"), else neither ("other": an update's
    de-duplication claim, a queue, a budget)."""
    numbers = {abs(int(n)) for n in _NUMBERS.findall(key)}
    if numbers & users:
        return "member"
    if numbers & {abs(g) for g in groups}:
        return "group"
    return "other"


async def key_usage(redis: Redis, prefix: str, users: set[int], groups: set[int]) -> KeyUsage:
    by_kind: Counter[str] = Counter()
    keys: Counter[str] = Counter()
    by_shape: Counter[str] = Counter()
    async for raw in redis.scan_iter(match=f"{prefix}*", count=1000):
        key = raw.decode()
        size = int(await redis.memory_usage(key, samples=0) or 0)
        kind = key_kind(key, users, groups)
        by_kind[kind] += size
        keys[kind] += 1
        by_shape[_NUMBERS.sub("#", key.removeprefix(prefix))] += size
    return KeyUsage(dict(by_kind), dict(keys), dict(by_shape))


@dataclass(frozen=True)
class DatabaseWork:
    transactions: int  # xact_commit + xact_rollback
    rows_written: int  # tup_inserted + tup_updated + tup_deleted


_WORK = text(
    "SELECT xact_commit + xact_rollback, tup_inserted + tup_updated + tup_deleted "
    "FROM pg_stat_database WHERE datname = :name"
)


async def database_work(admin_url: str, database_url: str) -> DatabaseWork:
    """Work done in one database so far, read from another (the server's), so that reading it
    is not counted in it. Backends report within a second of a transaction, or ten when idle."""
    engine = create_async_engine(admin_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            row = (await connection.execute(_WORK, {"name": make_url(database_url).database})).one()
    finally:
        await engine.dispose()
    return DatabaseWork(int(row[0]), int(row[1]))


@dataclass(frozen=True)
class TableSize:
    table: str
    rows: int
    total_bytes: int  # pg_total_relation_size: heap, indexes, TOAST, pages not yet filled
    tuple_bytes: int  # the rows' own bytes (pg_column_size of each row), no page overhead


_TABLES = text("SELECT relname FROM pg_stat_user_tables WHERE relname NOT LIKE '%alembic_version'")


async def table_sizes(database_url: str) -> list[TableSize]:
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            names = await connection.scalars(_TABLES)
            sizes = []
            for name in list(names):
                quoted = '"' + name.replace('"', '""') + '"'
                rows, tuples, total = (
                    await connection.execute(
                        text(
                            "SELECT count(*), coalesce(sum(pg_column_size(t.*)), 0), "  # noqa: S608 - a catalog name, quoted
                            f"pg_total_relation_size(:name) FROM {quoted} t"
                        ),
                        {"name": quoted},
                    )
                ).one()
                sizes.append(TableSize(name, int(rows), int(total), int(tuples)))
            return sizes
    finally:
        await engine.dispose()
