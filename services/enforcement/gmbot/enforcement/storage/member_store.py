"""Named queries over what else GMBot holds on members and groups: live warnings, releases, join
requests waiting on channels, invite links. They never commit: the caller's transaction holds
the session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gmbot.enforcement.domain.clock import now
from gmbot.enforcement.domain.invite_links import KeptLink
from gmbot.enforcement.storage.models import (
    InviteLinkRow,
    JoinRequestRow,
    ReleaseRow,
    WarningRow,
)
from gmbot.enforcement.storage.statements import delete_some, insert_for


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
        return await delete_some(
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
        return await delete_some(
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
        return await delete_some(self._session, JoinRequestRow, decided_long_ago, limit)

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

    async def get(self, channel_id: int, group_id: int) -> KeptLink | None:
        row = await self._session.get(InviteLinkRow, (channel_id, group_id))
        if row is None:
            return None
        return KeptLink(row.invite_link, row.creates_join_request, row.checked_at)

    async def group_of(self, channel_id: int, link: str) -> int | None:
        """The group GMBot made this link of the channel for; None when it made none such."""
        found = await self._session.scalar(
            select(InviteLinkRow.group_id)
            .where(InviteLinkRow.channel_id == channel_id, InviteLinkRow.invite_link == link)
            .limit(1)
        )
        return None if found is None else int(found)

    async def keep(
        self, channel_id: int, group_id: int, link: str, creates_join_request: bool
    ) -> str:
        """Stores the link unless a concurrent call stored one first; returns the kept one."""
        await self._session.execute(
            insert_for(self._session, InviteLinkRow)
            .values(
                channel_id=channel_id,
                group_id=group_id,
                invite_link=link,
                created_at=now(),
                creates_join_request=creates_join_request,
                checked_at=now(),
            )
            .on_conflict_do_nothing(
                index_elements=[InviteLinkRow.channel_id, InviteLinkRow.group_id]
            )
        )
        return await self._kept(channel_id, group_id)

    async def replace(
        self, channel_id: int, group_id: int, old: str, link: str, creates_join_request: bool
    ) -> str:
        """Puts `link` in the place of `old` unless a concurrent call replaced it first; returns
        the kept one."""
        await self._session.execute(
            update(InviteLinkRow)
            .where(
                InviteLinkRow.channel_id == channel_id,
                InviteLinkRow.group_id == group_id,
                InviteLinkRow.invite_link == old,
            )
            .values(
                invite_link=link,
                created_at=now(),
                creates_join_request=creates_join_request,
                checked_at=now(),
            )
        )
        return await self._kept(channel_id, group_id)

    async def checked(self, channel_id: int, group_id: int) -> None:
        await self._session.execute(
            update(InviteLinkRow)
            .where(InviteLinkRow.channel_id == channel_id, InviteLinkRow.group_id == group_id)
            .values(checked_at=now())
        )

    async def unchecked(self, channel_id: int, link: str) -> None:
        """Telegram named the link revoked: the next use asks again (and makes a new one)."""
        await self._session.execute(
            update(InviteLinkRow)
            .where(InviteLinkRow.channel_id == channel_id, InviteLinkRow.invite_link == link)
            .values(checked_at=None)
        )

    async def _kept(self, channel_id: int, group_id: int) -> str:
        kept = await self.get(channel_id, group_id)
        if kept is None:  # the row was just written or found
            raise LookupError(f"no invite link for channel {channel_id} and group {group_id}")
        return kept.link
