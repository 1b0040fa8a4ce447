"""Named queries over each channel's funnel in a group: the members warned while lacking it,
the joins GMBot's invite links brought, a leave ending them, and retention. They never
commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    ColumnElement,
    Executable,
    and_,
    bindparam,
    cast,
    delete,
    exists,
    func,
    literal_column,
    null,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from gmbot.enforcement.domain.actions import Kind, State
from gmbot.enforcement.domain.stats import RETENTION_DAYS, ChannelFunnel
from gmbot.enforcement.storage.models import ActionRow, ChannelJoinRow, ChannelWarningRow
from gmbot.enforcement.storage.statements import insert_for
from gmbot.enforcement.storage.stats_store import JOINED

_DAY = timedelta(days=1)


# The funnel reads one row source: the group's joins through GMBot's links and its warnings
# per channel, told apart by `joined` (1, 0).
_EVENTS = union_all(
    select(
        ChannelJoinRow.channel_id,
        ChannelJoinRow.user_id,
        ChannelJoinRow.joined_at.label("at"),
        ChannelJoinRow.followed_seconds,
        literal_column("1").label("joined"),
    ).where(
        ChannelJoinRow.group_id == bindparam("group_id"),
        ChannelJoinRow.joined_at >= bindparam("oldest"),
    ),
    select(
        ChannelWarningRow.channel_id,
        ChannelWarningRow.user_id,
        ChannelWarningRow.warned_at,
        cast(null(), BigInteger),
        literal_column("0"),
    ).where(
        ChannelWarningRow.group_id == bindparam("group_id"),
        ChannelWarningRow.warned_at >= bindparam("oldest"),
    ),
).subquery("events")


def _unmuted_since(since: BindParameter[datetime]) -> ColumnElement[bool]:
    """GMBot unmuted the joined member in the group for joining, since then."""
    return exists().where(
        ActionRow.group_id == bindparam("group_id"),
        ActionRow.user_id == _EVENTS.c.user_id,
        ActionRow.kind == Kind.RELEASE.value,
        ActionRow.state == State.DONE.value,
        ActionRow.reason.in_(JOINED),
        ActionRow.created_at >= since,
    )


def _measures(index: int) -> list[ColumnElement[int]]:
    """The window `index`'s funnel, in ChannelFunnel's order, as aggregates over the group's
    warnings and joins; its parameters: `since_<index>`, and each retention cohort's span,
    `from_<days>_<index>` to `until_<days>` (the window's span, that many days back)."""
    since: BindParameter[datetime] = bindparam(f"since_{index}")
    joins = _EVENTS.c.joined == 1
    joined = and_(joins, _EVENTS.c.at >= since)
    measures: list[ColumnElement[int]] = [
        func.count().filter(and_(_EVENTS.c.joined == 0, _EVENTS.c.at >= since)),
        func.count().filter(joined),
        func.count().filter(and_(joined, _unmuted_since(since))),
    ]
    for days in RETENTION_DAYS:
        cohort = and_(
            joins,
            _EVENTS.c.at >= bindparam(f"from_{days}_{index}"),
            _EVENTS.c.at < bindparam(f"until_{days}"),
        )
        stayed = or_(
            _EVENTS.c.followed_seconds.is_(None),
            _EVENTS.c.followed_seconds >= days * 86400,
        )
        measures += [func.count().filter(cohort), func.count().filter(and_(cohort, stayed))]
    return measures


@cache
def _funnel_statement(windows: int) -> Executable:
    """The statement of the channels' funnels over that many windows, built once (its
    parameters: the group, the windows' and cohorts' bounds, the oldest row it reads)."""
    measures = [m for index in range(windows) for m in _measures(index)]
    return (
        select(_EVENTS.c.channel_id, *measures)
        .group_by(_EVENTS.c.channel_id)
        .order_by(_EVENTS.c.channel_id)
    )


def _bounds(moment: datetime, spans: Sequence[timedelta]) -> dict[str, datetime]:
    """The funnel statement's time parameters for windows of these lengths until `moment`."""
    bounds = {"oldest": moment - max(spans) - max(RETENTION_DAYS) * _DAY}
    for days in RETENTION_DAYS:
        bounds[f"until_{days}"] = moment - days * _DAY
    for index, span in enumerate(spans):
        bounds[f"since_{index}"] = moment - span
        for days in RETENTION_DAYS:
            bounds[f"from_{days}_{index}"] = moment - span - days * _DAY
    return bounds


def _funnels(rows: Sequence[Sequence[Any]], start: int, width: int) -> dict[int, ChannelFunnel]:
    """The channels' funnels in the columns [start, start + width) of each row, the empty left
    out."""
    funnels = {
        int(row[0]): ChannelFunnel(*(int(value or 0) for value in row[start : start + width]))
        for row in rows
    }
    return {channel: funnel for channel, funnel in funnels.items() if funnel != ChannelFunnel()}


async def _forget(
    session: AsyncSession,
    model: type[ChannelJoinRow] | type[ChannelWarningRow],
    before: datetime,
    limit: int,
) -> int:
    """Deletes at most `limit` of the model's rows from before then."""
    at = ChannelJoinRow.joined_at if model is ChannelJoinRow else ChannelWarningRow.warned_at
    key = tuple_(model.group_id, model.channel_id, model.user_id)
    batch = select(model.group_id, model.channel_id, model.user_id).where(at < before)
    result = await session.execute(delete(model).where(key.in_(batch.limit(limit))))
    return int(result.rowcount)  # type: ignore[attr-defined]


class ChannelJoinStore:
    """Warnings per channel and joins GMBot's invite links brought, a row per (group, channel,
    member) each."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, group_id: int, channel_id: int, user_id: int, moment: datetime) -> None:
        """The member joined the channel by the group's link then (a later join moves it, and
        they follow again)."""
        statement = insert_for(self._session, ChannelJoinRow).values(
            group_id=group_id, channel_id=channel_id, user_id=user_id, joined_at=moment
        )
        await self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[
                    ChannelJoinRow.group_id,
                    ChannelJoinRow.channel_id,
                    ChannelJoinRow.user_id,
                ],
                set_={"joined_at": statement.excluded.joined_at, "followed_seconds": None},
            )
        )

    async def record_warning(
        self, group_id: int, channel_ids: Sequence[int], user_id: int, moment: datetime
    ) -> None:
        """The member was warned then while lacking these channels (a later warning moves it)."""
        if not channel_ids:
            return
        statement = insert_for(self._session, ChannelWarningRow)
        upsert = statement.on_conflict_do_update(
            index_elements=[
                ChannelWarningRow.group_id,
                ChannelWarningRow.channel_id,
                ChannelWarningRow.user_id,
            ],
            set_={"warned_at": statement.excluded.warned_at},
        )
        rows = [
            {"group_id": group_id, "channel_id": channel, "user_id": user_id, "warned_at": moment}
            for channel in sorted(set(channel_ids))
        ]
        connection = await self._session.connection()
        await connection.execute(upsert, rows)

    async def record_leave(self, channel_id: int, user_id: int, moment: datetime) -> int:
        """The member left the channel then: each of their standing joins through a group's
        link ends after the time it lasted. How many ended."""
        standing = await self._session.execute(
            select(ChannelJoinRow.group_id, ChannelJoinRow.joined_at).where(
                ChannelJoinRow.channel_id == channel_id,
                ChannelJoinRow.user_id == user_id,
                ChannelJoinRow.followed_seconds.is_(None),
            )
        )
        joins = standing.all()
        for group_id, joined_at in joins:
            followed = max(0, int((moment - joined_at).total_seconds()))
            await self._session.execute(
                update(ChannelJoinRow)
                .where(
                    ChannelJoinRow.group_id == group_id,
                    ChannelJoinRow.channel_id == channel_id,
                    ChannelJoinRow.user_id == user_id,
                )
                .values(followed_seconds=followed)
            )
        return len(joins)

    async def funnel(
        self, group_id: int, moment: datetime, spans: Sequence[timedelta]
    ) -> list[dict[int, ChannelFunnel]]:
        """Each channel's funnel over the windows of these lengths until `moment`, in that
        order (channels with nothing in a window left out): one statement for all of them."""
        rows = await self._session.execute(
            _funnel_statement(len(spans)), {"group_id": group_id, **_bounds(moment, spans)}
        )
        found = rows.all()
        width = 3 + 2 * len(RETENTION_DAYS)
        return [_funnels(found, 1 + index * width, width) for index in range(len(spans))]

    async def prune(self, before: datetime, limit: int) -> int:
        """Forgets joins older than then, at most `limit` rows."""
        return await _forget(self._session, ChannelJoinRow, before, limit)

    async def prune_warnings(self, before: datetime, limit: int) -> int:
        """Forgets warnings older than then, at most `limit` rows."""
        return await _forget(self._session, ChannelWarningRow, before, limit)
