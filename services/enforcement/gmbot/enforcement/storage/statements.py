"""Statements the stores share, spelled for SQLite and PostgreSQL alike."""

from __future__ import annotations

from sqlalchemy import ColumnElement, delete, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from gmbot.enforcement.storage.models import (
    JoinRequestRow,
    ReleaseRow,
    RestrictionRow,
    WarningRow,
)


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
    """INSERT … ON CONFLICT for the dialect in use (both dialects spell it the same)."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
