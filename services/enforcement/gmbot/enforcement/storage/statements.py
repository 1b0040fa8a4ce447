"""Statements the stores share, spelled for SQLite and PostgreSQL alike."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, delete, select, text, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from gmbot.enforcement.storage.models import (
    JoinRequestRow,
    ReleaseRow,
    RestrictionRow,
    WarningRow,
)

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite


async def delete_some(
    session: AsyncSession,
    table: type[RestrictionRow | WarningRow | JoinRequestRow | ReleaseRow],
    where: ColumnElement[bool],
    limit: int,
) -> int:
    """Deletes at most `limit` rows of a (group, user) table that match `where`."""
    key = tuple_(table.group_id, table.user_id)
    batch = select(table.group_id, table.user_id).where(where).limit(limit)
    result = await session.execute(delete(table).where(key.in_(batch)))
    return int(result.rowcount)  # type: ignore[attr-defined]


def insert_for(session: AsyncSession, table: type[object]) -> postgresql.Insert | sqlite.Insert:
    """INSERT … ON CONFLICT for the dialect in use (both dialects spell it the same). Each is
    imported from the dialect's package, which the engine loaded already: a ledger in SQLite
    never loads PostgreSQL's (about 2 MiB), nor the other way round."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


async def serialize(session: AsyncSession, subject: str) -> None:
    """Transactions that name the same `subject` take turns until each ends, across every
    replica: on PostgreSQL a transaction-level advisory lock keyed by it. SQLite's
    transactions take the write lock at BEGIN, one at a time already."""
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(subject.encode(), digest_size=8).digest()
    await session.execute(
        text("SELECT pg_advisory_xact_lock(:key)"),
        {"key": int.from_bytes(digest, "big", signed=True)},
    )
