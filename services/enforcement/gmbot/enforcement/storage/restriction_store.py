"""Named queries over the restrictions GMBot imposed (only these are ever lifted by GMBot). They
never commit: the caller's transaction holds the session."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gmbot.enforcement.domain.clock import now
from gmbot.enforcement.storage.models import (
    ReleaseRow,
    RestrictionRow,
)
from gmbot.enforcement.storage.statements import delete_some, insert_for, serialize


class RestrictionStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, group_id: int, user_id: int) -> RestrictionRow | None:
        return await self._session.get(RestrictionRow, (group_id, user_id))

    async def lock(self, group_id: int, user_id: int) -> None:
        """Decisions about this member's restriction wait for each other until the transaction
        ends, across every replica. PostgreSQL: a transaction-level advisory lock on the
        member. SQLite: its transactions take the write lock at BEGIN, one at a time already."""
        await serialize(self._session, f"{group_id}:{user_id}")

    async def impose(
        self, group_id: int, user_id: int, until_date: int, reason: str, display_name: str = ""
    ) -> None:
        """Records GMBot's mute; a renewal keeps why and since when (and the name when it
        brings none)."""
        values: dict[str, Any] = {
            "group_id": group_id,
            "user_id": user_id,
            "active": True,
            "until_date": until_date,
            "reason": reason,
            "imposed_at": now(),
            "released_at": None,
            "display_name": display_name[:128],
        }
        statement = insert_for(self._session, RestrictionRow).values(**values)
        new = statement.excluded
        held = RestrictionRow.active
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[RestrictionRow.group_id, RestrictionRow.user_id],
                set_={
                    "active": True,
                    "until_date": new.until_date,
                    "released_at": None,
                    "reason": case((held, RestrictionRow.reason), else_=new.reason),
                    "imposed_at": case((held, RestrictionRow.imposed_at), else_=new.imposed_at),
                    "display_name": case(
                        (new.display_name == "", RestrictionRow.display_name),
                        else_=new.display_name,
                    ),
                },
            )
        )

    async def lift(self, group_id: int, user_id: int) -> bool:
        """Records the restriction lifted; False when it was not in force (lifted already)."""
        lifted = await self._session.execute(
            update(RestrictionRow)
            .where(
                RestrictionRow.group_id == group_id,
                RestrictionRow.user_id == user_id,
                RestrictionRow.active.is_(True),
            )
            .values(active=False, released_at=now())
        )
        return bool(getattr(lifted, "rowcount", 0))

    async def prune(self, released_before: datetime, limit: int) -> int:
        """Forgets restrictions lifted before then; one in force is never touched."""
        lifted_long_ago = (~RestrictionRow.active) & (RestrictionRow.released_at < released_before)
        return await delete_some(self._session, RestrictionRow, lifted_long_ago, limit)

    def _listed(self, group_id: int) -> list[ColumnElement[bool]]:
        """In force in the group, and not being released (a member's release accepted since)."""
        released = exists().where(
            ReleaseRow.group_id == RestrictionRow.group_id,
            ReleaseRow.user_id == RestrictionRow.user_id,
            ReleaseRow.released_at >= RestrictionRow.imposed_at,
        )
        return [
            RestrictionRow.group_id == group_id,
            RestrictionRow.active.is_(True),
            RestrictionRow.until_date > int(now().timestamp()),
            ~released,
        ]

    async def page_of_group(
        self, group_id: int, offset: int, limit: int
    ) -> tuple[list[RestrictionRow], int]:
        """GMBot's restrictions in force in a group, oldest first, and how many in all."""
        rows = await self._session.scalars(
            select(RestrictionRow)
            .where(*self._listed(group_id))
            .order_by(RestrictionRow.imposed_at, RestrictionRow.user_id)
            .offset(offset)
            .limit(limit)
        )
        total = await self._session.scalar(
            select(func.count()).select_from(RestrictionRow).where(*self._listed(group_id))
        )
        return list(rows), int(total or 0)

    async def held_in_group(self, group_id: int, imposed_before: datetime) -> list[RestrictionRow]:
        """Every restriction GMBot holds in a group (in force in its ledger) imposed before."""
        return list(
            await self._session.scalars(
                select(RestrictionRow)
                .where(
                    RestrictionRow.group_id == group_id,
                    RestrictionRow.active,
                    RestrictionRow.imposed_at <= imposed_before,
                )
                .order_by(RestrictionRow.user_id)
            )
        )

    async def groups_of(self, user_id: int) -> list[int]:
        """The groups where GMBot's restriction on the user is in force."""
        return sorted(
            await self._session.scalars(
                select(RestrictionRow.group_id).where(
                    RestrictionRow.user_id == user_id, RestrictionRow.active
                )
            )
        )
