"""Named queries over the join requests pending in channels, the channels seen taking them, and
the channel administrators' consent to GMBot's approvals. They never commit: the caller's
transaction holds the session."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from gmbot.enforcement.domain.channel_requests import Consent
from gmbot.enforcement.domain.clock import now
from gmbot.enforcement.storage.models import (
    ApprovingChannelRow,
    ChannelRequestRow,
    JoinConsentRow,
)


class ChannelRequestStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, channel_id: int, user_id: int, group_id: int) -> None:
        """A request pending now (a repeated one keeps its first group and time)."""
        if await self._session.get(ChannelRequestRow, (channel_id, user_id)) is None:
            self._session.add(
                ChannelRequestRow(
                    channel_id=channel_id, user_id=user_id, group_id=group_id, requested_at=now()
                )
            )
        if await self._session.get(ApprovingChannelRow, channel_id) is None:
            self._session.add(ApprovingChannelRow(channel_id=channel_id, seen_at=now()))

    async def clear(self, channel_id: int, user_id: int) -> bool:
        """The request is over (approved, declined or joined); whether one was pending."""
        result = await self._session.execute(
            delete(ChannelRequestRow).where(
                ChannelRequestRow.channel_id == channel_id, ChannelRequestRow.user_id == user_id
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def pending_channels(self, user_id: int, since: datetime) -> list[int]:
        """The channels where the user's request made after `since` is still pending."""
        found = await self._session.scalars(
            select(ChannelRequestRow.channel_id)
            .where(ChannelRequestRow.user_id == user_id, ChannelRequestRow.requested_at >= since)
            .order_by(ChannelRequestRow.channel_id)
        )
        return [int(c) for c in found]

    async def approving(self, channel_id: int) -> bool:
        return await self._session.get(ApprovingChannelRow, channel_id) is not None

    async def prune(self, before: datetime, limit: int) -> int:
        key = tuple_(ChannelRequestRow.channel_id, ChannelRequestRow.user_id)
        batch = (
            select(ChannelRequestRow.channel_id, ChannelRequestRow.user_id)
            .where(ChannelRequestRow.requested_at < before)
            .limit(limit)
        )
        result = await self._session.execute(delete(ChannelRequestRow).where(key.in_(batch)))
        return int(result.rowcount)  # type: ignore[attr-defined]


class JoinConsentStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, channel_id: int) -> Consent | None:
        row = await self._session.get(JoinConsentRow, channel_id)
        if row is None:
            return None
        return Consent(
            channel_id, row.user_id, row.consented_at, row.withdrawn_by, row.withdrawn_at
        )

    async def give(self, channel_id: int, user_id: int) -> None:
        """A new consent replaces any earlier one, withdrawn or not."""
        await self._session.merge(
            JoinConsentRow(
                channel_id=channel_id,
                user_id=user_id,
                consented_at=now(),
                withdrawn_by=None,
                withdrawn_at=None,
            )
        )

    async def withdraw(self, channel_id: int, user_id: int) -> None:
        row = await self._session.get(JoinConsentRow, channel_id)
        if row is not None and row.withdrawn_at is None:
            row.withdrawn_by, row.withdrawn_at = user_id, now()
