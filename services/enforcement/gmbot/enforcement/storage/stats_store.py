"""Named queries behind the owners' /stats: the gateway's hourly activity counters, and the
figures computed from the ledger's actions. They never commit."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, distinct, exists, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from gmbot.enforcement.domain.actions import Enforce, Kind, State
from gmbot.enforcement.domain.clock import now
from gmbot.enforcement.domain.stats import Activity, Figures
from gmbot.enforcement.storage.action_store import load_payload
from gmbot.enforcement.storage.models import ActionRow, ActivityRow, ChannelJoinRow
from gmbot.enforcement.storage.statements import insert_for

# Releases that mean the member joined the channels, and releases by an admin.
JOINED = ("verified", "joined_channel")
BY_ADMINS = ("unmuted_by_admin", "exempted", "lifted_by_admin")


class ActivityStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, entries: list[Activity]) -> None:
        """Adds the counts to each (group, hour)'s counters."""
        totals: dict[tuple[int, int], Counter[str]] = {}
        for entry in entries:
            counts = totals.setdefault((entry.group_id, entry.hour), Counter())
            counts.update(
                messages_checked=entry.messages_checked,
                joins_checked=entry.joins_checked,
                bot_api_calls=entry.bot_api_calls,
            )
        if not totals:
            return
        statement = insert_for(self._session, ActivityRow)
        upsert = statement.on_conflict_do_update(
            index_elements=[ActivityRow.group_id, ActivityRow.hour],
            set_={
                name: getattr(ActivityRow, name) + getattr(statement.excluded, name)
                for name in _COUNTERS
            },
        )
        # One statement for the whole batch (sorted: concurrent batches lock rows in one order),
        # executed as executemany on the session's connection: a statement built and run per
        # (group, hour) cost enforcement a third of a core at 1,000 messages/s.
        rows = [
            {"group_id": group_id, "hour": hour, **{name: counts[name] for name in _COUNTERS}}
            for (group_id, hour), counts in sorted(totals.items())
        ]
        connection = await self._session.connection()
        await connection.execute(upsert, rows)

    async def prune(self, before: datetime, limit: int) -> int:
        """Forgets the counters of hours before then, at most `limit` rows."""
        hour = int(before.timestamp()) // 3600
        key = tuple_(ActivityRow.group_id, ActivityRow.hour)
        batch = select(ActivityRow.group_id, ActivityRow.hour).where(ActivityRow.hour < hour)
        batch = batch.limit(limit)
        result = await self._session.execute(delete(ActivityRow).where(key.in_(batch)))
        return int(result.rowcount)  # type: ignore[attr-defined]


_COUNTERS = ("messages_checked", "joins_checked", "bot_api_calls")


class ChannelJoinStore:
    """Joins GMBot's invite links brought, a row per (group, channel, member)."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, group_id: int, channel_id: int, user_id: int) -> None:
        """The member joined the channel by the group's link now (a later join moves it)."""
        statement = insert_for(self._session, ChannelJoinRow).values(
            group_id=group_id, channel_id=channel_id, user_id=user_id, joined_at=now()
        )
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[
                    ChannelJoinRow.group_id,
                    ChannelJoinRow.channel_id,
                    ChannelJoinRow.user_id,
                ],
                set_={"joined_at": statement.excluded.joined_at},
            )
        )

    async def members_since(self, group_id: int, since: datetime) -> int:
        found = await self._session.scalar(
            select(func.count(distinct(ChannelJoinRow.user_id))).where(
                ChannelJoinRow.group_id == group_id, ChannelJoinRow.joined_at >= since
            )
        )
        return int(found or 0)

    async def by_channel(self, group_id: int, since: datetime) -> dict[int, int]:
        """Members per channel who joined it by the group's link since then."""
        rows = await self._session.execute(
            select(ChannelJoinRow.channel_id, func.count(distinct(ChannelJoinRow.user_id)))
            .where(ChannelJoinRow.group_id == group_id, ChannelJoinRow.joined_at >= since)
            .group_by(ChannelJoinRow.channel_id)
            .order_by(ChannelJoinRow.channel_id)
        )
        return {int(channel): int(count) for channel, count in rows.all()}

    async def prune(self, before: datetime, limit: int) -> int:
        """Forgets joins older than then, at most `limit` rows."""
        key = tuple_(ChannelJoinRow.group_id, ChannelJoinRow.channel_id, ChannelJoinRow.user_id)
        batch = (
            select(ChannelJoinRow.group_id, ChannelJoinRow.channel_id, ChannelJoinRow.user_id)
            .where(ChannelJoinRow.joined_at < before)
            .limit(limit)
        )
        result = await self._session.execute(delete(ChannelJoinRow).where(key.in_(batch)))
        return int(result.rowcount)  # type: ignore[attr-defined]


def _payload(name: str) -> ColumnElement[str]:
    value: ColumnElement[str] = ActionRow.request[name].as_string()
    return value


class StatsStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _count(self, *where: ColumnElement[bool], members: bool = False) -> int:
        counted = func.count(distinct(ActionRow.user_id)) if members else func.count()
        found = await self._session.scalar(select(counted).select_from(ActionRow).where(*where))
        return int(found or 0)

    async def figures(self, group_id: int, since: datetime) -> Figures:
        """The group's figures from `since` until now."""
        in_window = and_(ActionRow.group_id == group_id, ActionRow.created_at >= since)
        enforced = and_(
            in_window, ActionRow.kind == Kind.ENFORCE.value, ActionRow.state == State.DONE.value
        )
        observed = and_(in_window, ActionRow.state == State.OBSERVED.value)
        observed_enforce = and_(observed, ActionRow.kind == Kind.ENFORCE.value)
        released = and_(
            in_window, ActionRow.kind == Kind.RELEASE.value, ActionRow.state == State.DONE.value
        )
        decided = and_(
            in_window,
            ActionRow.kind == Kind.JOIN_REQUEST.value,
            ActionRow.state == State.DONE.value,
        )
        warned = and_(enforced, ActionRow.warning_message_id.is_not(None))
        later = aliased(ActionRow)
        joined_after = exists().where(
            later.group_id == ActionRow.group_id,
            later.user_id == ActionRow.user_id,
            later.kind == Kind.RELEASE.value,
            later.state == State.DONE.value,
            later.reason.in_(JOINED),
            later.created_at >= ActionRow.created_at,
        )
        kicked_on_sight = and_(enforced, _payload("action") == "kick")
        kicked_later = and_(
            in_window, ActionRow.kind == Kind.KICK.value, ActionRow.state == State.DONE.value
        )
        calls = await self._session.scalar(
            select(func.coalesce(func.sum(ActionRow.telegram_calls), 0)).where(in_window)
        )
        hour = int(since.timestamp()) // 3600
        activity = (
            await self._session.execute(
                select(
                    *(func.coalesce(func.sum(getattr(ActivityRow, n)), 0) for n in _COUNTERS)
                ).where(ActivityRow.group_id == group_id, ActivityRow.hour >= hour)
            )
        ).one()
        messages_checked, joins_checked, gateway_calls = (int(v) for v in activity)
        return Figures(
            messages_checked=messages_checked,
            joins_checked=joins_checked,
            members_warned=await self._count(warned, members=True),
            members_muted=await self._count(enforced, _payload("action") == "mute", members=True),
            members_joined_after_warning=await self._count(warned, joined_after, members=True),
            unmuted_by_button=await self._count(released, ActionRow.reason == "verified"),
            unmuted_by_joining=await self._count(released, ActionRow.reason == "joined_channel"),
            unmuted_by_admins=await self._count(released, ActionRow.reason.in_(BY_ADMINS)),
            members_kicked=await self._count(kicked_on_sight, members=True)
            + await self._count(kicked_later, members=True),
            join_requests_approved=await self._count(decided, _payload("decision") == "approve"),
            join_requests_declined=await self._count(decided, _payload("decision") == "decline"),
            bot_api_calls=int(calls or 0) + gateway_calls,
            observed_members_muted=await self._count(
                observed_enforce, _payload("action") == "mute", members=True
            ),
            observed_members_warned=await self._count(
                observed_enforce,
                _payload("action") != "kick",
                _payload("warning").is_not(None),
                members=True,
            ),
            observed_members_kicked=await self._count(
                observed_enforce, _payload("action") == "kick", members=True
            ),
            members_joined_through_gmbot=await ChannelJoinStore(self._session).members_since(
                group_id, since
            ),
            observed_messages_deleted=await self._count(
                observed,
                ActionRow.kind.in_([Kind.ENFORCE.value, Kind.BAN_SENDER_CHAT.value]),
                ActionRow.request["message_id"].as_integer() > 0,
            ),
        )

    async def observed_since(
        self, group_id: int, since: datetime, until: datetime
    ) -> list[tuple[int, Enforce]]:
        """What observe mode recorded in a group in [since, until), member by member: the
        digest's material."""
        rows = await self._session.scalars(
            select(ActionRow)
            .where(
                ActionRow.group_id == group_id,
                ActionRow.state == State.OBSERVED.value,
                ActionRow.kind == Kind.ENFORCE.value,
                ActionRow.created_at >= since,
                ActionRow.created_at < until,
            )
            .order_by(ActionRow.created_at)
        )
        observed = [(row.user_id, load_payload(Kind.ENFORCE, row.request)) for row in rows]
        return [(user, enforce) for user, enforce in observed if isinstance(enforce, Enforce)]


def current_hour() -> int:
    return int(now().timestamp()) // 3600
