"""Named queries over what GMBot holds on members and groups: its own restrictions, live
warnings, join requests waiting on channels, invite links. They never commit: the caller's
transaction holds the session."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, case, delete, exists, func, select, text, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from gmbot.enforcement.action_store import now
from gmbot.enforcement.models import (
    InviteLinkRow,
    JoinRequestRow,
    ReleaseRow,
    RestrictionRow,
    WarningRow,
)


async def _delete_some(
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


class RestrictionStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, group_id: int, user_id: int) -> RestrictionRow | None:
        return await self._session.get(RestrictionRow, (group_id, user_id))

    async def lock(self, group_id: int, user_id: int) -> None:
        """Decisions about this member's restriction wait for each other until the transaction
        ends, across every replica. PostgreSQL: a transaction-level advisory lock on the
        member. SQLite: its transactions take the write lock at BEGIN, one at a time already."""
        if self._session.get_bind().dialect.name != "postgresql":
            return
        digest = hashlib.blake2b(f"{group_id}:{user_id}".encode(), digest_size=8).digest()
        await self._session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"),
            {"key": int.from_bytes(digest, "big", signed=True)},
        )

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

    async def lift(self, group_id: int, user_id: int) -> None:
        await self._session.execute(
            update(RestrictionRow)
            .where(RestrictionRow.group_id == group_id, RestrictionRow.user_id == user_id)
            .values(active=False, released_at=now())
        )

    async def prune(self, released_before: datetime, limit: int) -> int:
        """Forgets restrictions lifted before then; one in force is never touched."""
        lifted_long_ago = (~RestrictionRow.active) & (RestrictionRow.released_at < released_before)
        return await _delete_some(self._session, RestrictionRow, lifted_long_ago, limit)

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


class WarningStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def live(self, group_id: int, user_id: int) -> WarningRow | None:
        row = await self._session.get(WarningRow, (group_id, user_id))
        return row if row is not None and row.expires_at > now() else None

    async def record(
        self, group_id: int, user_ids: list[int], message_id: int, expires_at: datetime
    ) -> None:
        for user_id in user_ids:
            await self._session.merge(
                WarningRow(
                    group_id=group_id, user_id=user_id, message_id=message_id, expires_at=expires_at
                )
            )

    async def forget_message(self, group_id: int, message_id: int) -> None:
        await self._session.execute(
            delete(WarningRow).where(
                WarningRow.group_id == group_id, WarningRow.message_id == message_id
            )
        )

    async def others_on(self, group_id: int, message_id: int, user_id: int) -> int:
        """How many other members the same warning message warns."""
        count = await self._session.scalar(
            select(func.count())
            .select_from(WarningRow)
            .where(
                WarningRow.group_id == group_id,
                WarningRow.message_id == message_id,
                WarningRow.user_id != user_id,
            )
        )
        return int(count or 0)

    async def prune(self, expired_before: datetime, limit: int) -> int:
        """Forgets warnings long expired (their removal failed or never ran)."""
        return await _delete_some(
            self._session, WarningRow, WarningRow.expires_at < expired_before, limit
        )

    async def forget_member(self, group_id: int, user_id: int) -> None:
        await self._session.execute(
            delete(WarningRow).where(WarningRow.group_id == group_id, WarningRow.user_id == user_id)
        )

    async def messages_of_group(self, group_id: int) -> list[int]:
        """The messages of the group's warnings GMBot still holds."""
        return sorted(
            set(
                await self._session.scalars(
                    select(WarningRow.message_id).where(WarningRow.group_id == group_id)
                )
            )
        )


class ReleaseStore:
    """When GMBot let go of a member, or of a whole group (user 0): what it decided before that
    moment is not carried out after it."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, group_id: int, user_id: int, moment: datetime) -> None:
        statement = insert_for(self._session, ReleaseRow).values(
            group_id=group_id, user_id=user_id, released_at=moment
        )
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[ReleaseRow.group_id, ReleaseRow.user_id],
                set_={"released_at": statement.excluded.released_at},
            )
        )

    async def since(self, group_id: int, user_id: int, moment: datetime) -> bool:
        """Whether the member (or their whole group) was released after `moment`."""
        found = await self._session.scalar(
            select(func.count())
            .select_from(ReleaseRow)
            .where(
                ReleaseRow.group_id == group_id,
                ReleaseRow.user_id.in_([0, user_id]),
                ReleaseRow.released_at > moment,
            )
        )
        return bool(found)

    async def prune(self, released_before: datetime, limit: int) -> int:
        """Forgets releases long past: nothing decided before them can still be waiting."""
        return await _delete_some(
            self._session, ReleaseRow, ReleaseRow.released_at < released_before, limit
        )


class JoinRequestStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, group_id: int, user_id: int, state: str) -> None:
        await self._session.merge(
            JoinRequestRow(group_id=group_id, user_id=user_id, state=state, created_at=now())
        )

    async def prune(self, decided_before: datetime, limit: int) -> int:
        """Forgets join requests decided (or gone) before then; a waiting one stays."""
        decided_long_ago = (JoinRequestRow.state != "waiting") & (
            JoinRequestRow.created_at < decided_before
        )
        return await _delete_some(self._session, JoinRequestRow, decided_long_ago, limit)

    async def waiting_groups(self, user_id: int) -> list[int]:
        return sorted(
            await self._session.scalars(
                select(JoinRequestRow.group_id).where(
                    JoinRequestRow.user_id == user_id, JoinRequestRow.state == "waiting"
                )
            )
        )


class InviteLinkStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, channel_id: int, group_id: int) -> str | None:
        row = await self._session.get(InviteLinkRow, (channel_id, group_id))
        return None if row is None else row.invite_link

    async def group_of(self, channel_id: int, link: str) -> int | None:
        """The group GMBot made this link of the channel for; None when it made none such."""
        found = await self._session.scalar(
            select(InviteLinkRow.group_id)
            .where(InviteLinkRow.channel_id == channel_id, InviteLinkRow.invite_link == link)
            .limit(1)
        )
        return None if found is None else int(found)

    async def keep(self, channel_id: int, group_id: int, link: str) -> str:
        """Stores the link unless a concurrent call stored one first; returns the kept one."""
        await self._session.execute(
            insert_for(self._session, InviteLinkRow)
            .values(channel_id=channel_id, group_id=group_id, invite_link=link, created_at=now())
            .on_conflict_do_nothing(
                index_elements=[InviteLinkRow.channel_id, InviteLinkRow.group_id]
            )
        )
        kept = await self.get(channel_id, group_id)
        if kept is None:  # the row was just written or found
            raise LookupError(f"no invite link for channel {channel_id} and group {group_id}")
        return kept
