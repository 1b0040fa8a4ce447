"""Named queries behind the owners' /stats: the gateway's hourly activity counters, and the
figures computed from the ledger's actions. They never commit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from functools import cache

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Executable,
    and_,
    bindparam,
    delete,
    distinct,
    exists,
    func,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from gmbot.enforcement.domain.actions import Enforce, Kind, State
from gmbot.enforcement.domain.clock import now
from gmbot.enforcement.domain.stats import Activity, Figures
from gmbot.enforcement.storage.models import ActionRow, ActivityRow, ChannelJoinRow
from gmbot.enforcement.storage.payloads import load_payload
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


def _payload(name: str) -> ColumnElement[str]:
    value: ColumnElement[str] = ActionRow.request[name].as_string()
    return value


def _members(*where: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count(distinct(ActionRow.user_id)).filter(and_(*where))


def _actions(*where: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count().filter(and_(*where))


def _joined_after() -> ColumnElement[bool]:
    """The action's member was released for joining the channels after it."""
    later = aliased(ActionRow)
    return exists().where(
        later.group_id == ActionRow.group_id,
        later.user_id == ActionRow.user_id,
        later.kind == Kind.RELEASE.value,
        later.state == State.DONE.value,
        later.reason.in_(JOINED),
        later.created_at >= ActionRow.created_at,
    )


def _window(index: int) -> dict[str, ColumnElement[int]]:
    """The measures of the group's figures in the window `index`, from its parameters
    `since_<index>` (and `hour_<index>`, the same as an activity hour) until now: aggregates
    over the group's actions (the statement selects them from `since` of its longest window
    on), and the gateway's activity and the joins by GMBot's links as scalar subqueries."""
    group_id: BindParameter[int] = bindparam("group_id")
    since: BindParameter[datetime] = bindparam(f"since_{index}")
    in_window = ActionRow.created_at >= since
    done = ActionRow.state == State.DONE.value
    enforced = and_(in_window, done, ActionRow.kind == Kind.ENFORCE.value)
    observed = and_(in_window, ActionRow.state == State.OBSERVED.value)
    observed_enforce = and_(observed, ActionRow.kind == Kind.ENFORCE.value)
    released = and_(in_window, done, ActionRow.kind == Kind.RELEASE.value)
    decided = and_(in_window, done, ActionRow.kind == Kind.JOIN_REQUEST.value)
    warned = and_(enforced, ActionRow.warning_message_id.is_not(None))
    hour: BindParameter[int] = bindparam(f"hour_{index}")
    activity = {
        name: select(func.coalesce(func.sum(getattr(ActivityRow, name)), 0))
        .where(ActivityRow.group_id == group_id, ActivityRow.hour >= hour)
        .scalar_subquery()
        for name in _COUNTERS
    }
    joins_by_links = (
        select(func.count(distinct(ChannelJoinRow.user_id)))
        .where(ChannelJoinRow.group_id == group_id, ChannelJoinRow.joined_at >= since)
        .scalar_subquery()
    )
    return {
        "messages_checked": activity["messages_checked"],
        "joins_checked": activity["joins_checked"],
        "gateway_calls": activity["bot_api_calls"],
        "ledger_calls": func.coalesce(func.sum(ActionRow.telegram_calls).filter(in_window), 0),
        "members_warned": _members(warned),
        "members_muted": _members(enforced, _payload("action") == "mute"),
        "members_joined_after_warning": _members(warned, _joined_after()),
        "unmuted_by_button": _actions(released, ActionRow.reason == "verified"),
        "unmuted_by_joining": _actions(released, ActionRow.reason == "joined_channel"),
        "unmuted_by_admins": _actions(released, ActionRow.reason.in_(BY_ADMINS)),
        "kicked_on_sight": _members(enforced, _payload("action") == "kick"),
        "kicked_later": _members(in_window, done, ActionRow.kind == Kind.KICK.value),
        "join_requests_approved": _actions(decided, _payload("decision") == "approve"),
        "join_requests_declined": _actions(decided, _payload("decision") == "decline"),
        "observed_members_muted": _members(observed_enforce, _payload("action") == "mute"),
        "observed_members_warned": _members(
            observed_enforce, _payload("action") != "kick", _payload("warning").is_not(None)
        ),
        "observed_members_kicked": _members(observed_enforce, _payload("action") == "kick"),
        "observed_messages_deleted": _actions(
            observed,
            ActionRow.kind.in_([Kind.ENFORCE.value, Kind.BAN_SENDER_CHAT.value]),
            ActionRow.request["message_id"].as_integer() > 0,
        ),
        "members_joined_through_gmbot": joins_by_links,
    }


def _figures(measured: dict[str, int]) -> Figures:
    kicked = measured.pop("kicked_on_sight") + measured.pop("kicked_later")
    calls = measured.pop("ledger_calls") + measured.pop("gateway_calls")
    return Figures(**measured, members_kicked=kicked, bot_api_calls=calls)


@cache
def _figures_statement(windows: int) -> tuple[Executable, tuple[str, ...]]:
    """The statement of the figures of that many windows, built once: its parameters are the
    group, the windows' starts and the oldest of them. (Building its hundred-odd expressions
    cost more than running it: most of a dashboard's read.)"""
    measures = [_window(index) for index in range(windows)]
    statement = select(
        *(
            measure.label(f"{name}_{index}")
            for index, window in enumerate(measures)
            for name, measure in window.items()
        )
    ).where(
        ActionRow.group_id == bindparam("group_id"), ActionRow.created_at >= bindparam("oldest")
    )
    return statement, tuple(measures[0])


class StatsStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def figures(self, group_id: int, windows: Sequence[datetime]) -> list[Figures]:
        """The group's figures from each of `windows` until now, in that order: one statement
        for all of them (conditional aggregates over the actions of the longest window)."""
        statement, names = _figures_statement(len(windows))
        hours = {f"hour_{i}": int(since.timestamp()) // 3600 for i, since in enumerate(windows)}
        sinces = {f"since_{index}": since for index, since in enumerate(windows)}
        parameters = {"group_id": group_id, "oldest": min(windows), **sinces, **hours}
        row = (await self._session.execute(statement, parameters)).one()._mapping
        return [
            _figures({name: int(row[f"{name}_{index}"] or 0) for name in names})
            for index in range(len(windows))
        ]

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
