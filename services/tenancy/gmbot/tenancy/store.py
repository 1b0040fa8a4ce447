"""Tenancy's named queries: the only module that builds SQL. It never commits; the caller owns
the transaction (one per RPC)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from gmbot.tenancy.models import ChannelRow, GroupRow, LinkRow, OwnerRow, PersonRow
from gmbot.tenancy.policy import (
    Channel,
    ChannelRights,
    GroupPolicy,
    GroupSettings,
    load_settings,
)


def _now() -> datetime:
    return datetime.now(UTC)


def _insert(session: AsyncSession, table: type[object]) -> postgresql.Insert | sqlite.Insert:
    """INSERT … ON CONFLICT for the dialect in use (both dialects spell it the same)."""
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _channel(row: ChannelRow) -> Channel:
    return Channel(row.channel_id, row.title, row.username, row.invite_link, row.bot_rights)


class TenancyStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def upsert_owner(self, user_id: int, username: str) -> None:
        now = _now()
        statement = _insert(self.session, OwnerRow).values(
            user_id=user_id, username=username, created_at=now, updated_at=now
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[OwnerRow.user_id],
                set_={"username": username, "updated_at": now},
            )
        )

    async def record_person(self, user_id: int, language: str = "") -> bool:
        """Someone opened the bot: kept with alerts on unless they turned them off before, and
        their language when told ("" keeps the known one). Returns whether they want alerts."""
        now = _now()
        statement = _insert(self.session, PersonRow).values(
            user_id=user_id, alerts=True, language=language, started_at=now, updated_at=now
        )
        if language:
            await self.session.execute(
                statement.on_conflict_do_update(
                    index_elements=[PersonRow.user_id],
                    set_={"language": language, "updated_at": now},
                )
            )
        else:
            await self.session.execute(statement.on_conflict_do_nothing(index_elements=["user_id"]))
        alerts = await self.session.scalar(
            select(PersonRow.alerts).where(PersonRow.user_id == user_id)
        )
        return bool(alerts)

    async def set_alerts(self, user_id: int, alerts: bool) -> None:
        now = _now()
        statement = _insert(self.session, PersonRow).values(
            user_id=user_id, alerts=alerts, started_at=now, updated_at=now
        )
        await self.session.execute(
            statement.on_conflict_do_update(
                index_elements=[PersonRow.user_id], set_={"alerts": alerts, "updated_at": now}
            )
        )

    async def people(self, user_ids: Sequence[int]) -> dict[int, tuple[bool, str]]:
        """Of `user_ids`, who opened the bot, each with whether they want alerts and their
        language ("" when never told)."""
        rows = await self.session.execute(
            select(PersonRow.user_id, PersonRow.alerts, PersonRow.language).where(
                PersonRow.user_id.in_(user_ids)
            )
        )
        return {row.user_id: (row.alerts, row.language) for row in rows}

    async def upsert_channel(self, channel: Channel) -> bool:
        """Stores a channel's metadata; an empty invite link keeps the known one.

        Returns whether anything changed.
        """
        current = await self.session.get(ChannelRow, channel.channel_id, with_for_update=True)
        if current is None:
            self.session.add(
                ChannelRow(
                    channel_id=channel.channel_id,
                    title=channel.title,
                    username=channel.username,
                    invite_link=channel.invite_link,
                    bot_rights=channel.bot_rights or ChannelRights.OK.value,
                    updated_at=_now(),
                )
            )
            await self.session.flush()
            return True
        merged = Channel(
            channel.channel_id,
            channel.title,
            channel.username,
            channel.invite_link or current.invite_link,
            channel.bot_rights or current.bot_rights,
        )
        if merged == _channel(current):
            return False
        current.title, current.username, current.invite_link, current.bot_rights = (
            merged.title,
            merged.username,
            merged.invite_link,
            merged.bot_rights,
        )
        current.updated_at = _now()
        return True

    async def record_rights(self, channel_id: int, rights: str) -> bool | None:
        """Records the bot's rights in a channel; None for a channel never linked, else whether
        they changed."""
        current = await self.session.get(ChannelRow, channel_id, with_for_update=True)
        if current is None:
            return None
        if current.bot_rights == rights:
            return False
        current.bot_rights, current.updated_at = rights, _now()
        return True

    async def get_channel(self, channel_id: int) -> Channel | None:
        row = await self.session.get(ChannelRow, channel_id)
        return None if row is None else _channel(row)

    async def lock_group(self, group_id: int) -> GroupRow | None:
        """The group's row, locked until the transaction ends (serializes concurrent changes)."""
        return await self.session.get(
            GroupRow, group_id, with_for_update=True, populate_existing=True
        )

    async def create_group(self, group_id: int, title: str, owner_user_id: int) -> GroupRow:
        """Creates the group disabled at version 0, unless a concurrent call already did."""
        now = _now()
        await self.session.execute(
            _insert(self.session, GroupRow)
            .values(
                group_id=group_id,
                title=title,
                owner_user_id=owner_user_id,
                enabled=False,
                suspended_reason=None,
                settings=GroupSettings().model_dump(mode="json"),
                version=0,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=[GroupRow.group_id])
        )
        row = await self.lock_group(group_id)
        assert row is not None  # noqa: S101 - inserted above or by a concurrent call
        return row

    async def linked_channel_ids(self, group_id: int) -> list[int]:
        result = await self.session.scalars(
            select(LinkRow.channel_id)
            .where(LinkRow.group_id == group_id)
            .order_by(LinkRow.position)
        )
        return list(result)

    async def replace_links(self, group_id: int, channel_ids: Sequence[int]) -> None:
        await self.session.execute(delete(LinkRow).where(LinkRow.group_id == group_id))
        self.session.add_all(
            LinkRow(group_id=group_id, channel_id=channel_id, position=position)
            for position, channel_id in enumerate(channel_ids)
        )
        await self.session.flush()

    async def bump_groups_of_channel(self, channel_id: int, exclude: int | None = None) -> int:
        """Gives every group linked to the channel a new version; returns how many."""
        linked = select(LinkRow.group_id).where(LinkRow.channel_id == channel_id)
        statement = (
            update(GroupRow)
            .where(GroupRow.group_id.in_(linked))
            .values(version=GroupRow.version + 1, updated_at=_now())
        )
        if exclude is not None:
            statement = statement.where(GroupRow.group_id != exclude)
        result = await self.session.execute(statement)
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def policy(self, group_id: int) -> GroupPolicy | None:
        await self.session.flush()
        return await read_policy(await self.session.connection(), group_id)

    async def groups_of_channel(self, channel_id: int, include_inactive: bool) -> list[int]:
        statement = (
            select(LinkRow.group_id)
            .join(GroupRow, GroupRow.group_id == LinkRow.group_id)
            .where(LinkRow.channel_id == channel_id)
            .order_by(LinkRow.group_id)
        )
        if not include_inactive:
            statement = statement.where(GroupRow.enabled, GroupRow.suspended_reason.is_(None))
        return list(await self.session.scalars(statement))

    async def groups_after(
        self, after_group_id: int | None, limit: int, log_chat_id: int = 0
    ) -> list[GroupPolicy]:
        statement = select(GroupRow.group_id).order_by(GroupRow.group_id).limit(limit)
        if after_group_id is not None:
            statement = statement.where(GroupRow.group_id > after_group_id)
        if log_chat_id:
            # Asked only when GMBot lost a log chat: rare enough to read the settings for it.
            logs_to = GroupRow.settings["log_chat_id"].as_numeric(20, 0)  # ids need 64 bits
            statement = statement.where(logs_to == log_chat_id)
        policies = [
            await self.policy(group_id) for group_id in await self.session.scalars(statement)
        ]
        return [p for p in policies if p is not None]

    async def groups_of_owner(self, owner_user_id: int) -> list[GroupPolicy]:
        group_ids = await self.session.scalars(
            select(GroupRow.group_id)
            .where(GroupRow.owner_user_id == owner_user_id)
            .order_by(GroupRow.updated_at.desc(), GroupRow.group_id)
        )
        policies = [await self.policy(group_id) for group_id in group_ids]
        return [p for p in policies if p is not None]


_GROUPS, _LINKS, _CHANNELS = GroupRow.__table__, LinkRow.__table__, ChannelRow.__table__
# The hot path in one round trip: the group and its channels, in the owner's order.
_POLICY_QUERY = (
    select(
        _GROUPS,
        _CHANNELS.c.channel_id,
        _CHANNELS.c.title.label("channel_title"),
        _CHANNELS.c.username,
        _CHANNELS.c.invite_link,
        _CHANNELS.c.bot_rights,
    )
    .select_from(
        _GROUPS.outerjoin(_LINKS, _LINKS.c.group_id == _GROUPS.c.group_id).outerjoin(
            _CHANNELS, _CHANNELS.c.channel_id == _LINKS.c.channel_id
        )
    )
    .where(_GROUPS.c.group_id == bindparam("group_id"))
    .order_by(_LINKS.c.position)
)


async def read_policy(connection: AsyncConnection, group_id: int) -> GroupPolicy | None:
    rows = (await connection.execute(_POLICY_QUERY, {"group_id": group_id})).all()
    if not rows:
        return None
    group = rows[0]
    return GroupPolicy(
        group_id=group.group_id,
        title=group.title,
        owner_user_id=group.owner_user_id,
        enabled=group.enabled,
        suspended_reason=group.suspended_reason or "",
        channels=tuple(
            Channel(
                row.channel_id, row.channel_title, row.username, row.invite_link, row.bot_rights
            )
            for row in rows
            if row.channel_id is not None
        ),
        settings=load_settings(group.settings),
        version=group.version,
        updated_at=group.updated_at,
        linked_chat_id=group.linked_chat_id or 0,
    )
