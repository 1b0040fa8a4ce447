"""Each channel's funnel in a group, straight from a ledger seeded row by row, on PostgreSQL and
on SQLite: warned while lacking it, joined through GMBot's links, unmuted, and retention (the
cohorts that joined a window 7 and 30 days back, and who of them did not leave within 7 and 30
days), every window and channel read in one statement; a leave ends each standing join of the
member once; and the dashboard's read of a group costs the same few statements however many
channels and groups there are."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from gmbot.enforcement.domain import queries
from gmbot.enforcement.domain.actions import Kind, State
from gmbot.enforcement.domain.clock import now
from gmbot.enforcement.domain.stats import ChannelFunnel
from gmbot.enforcement.storage.ledger import Ledger
from gmbot.enforcement.storage.models import (
    ActionRow,
    ChannelJoinRow,
    ChannelWarningRow,
    RestrictionRow,
)
from tests.support.databases import statements_on

GROUP, OTHER_GROUP = -1001000000001, -1001000000002
CHANNEL_A, CHANNEL_B, CHANNEL_C = -1002000000001, -1002000000002, -1002000000003
SPANS = [timedelta(hours=24), timedelta(hours=168), timedelta(hours=720)]
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def _joined(
    channel: int, user: int, age: timedelta, followed: timedelta | None, group: int = GROUP
) -> ChannelJoinRow:
    return ChannelJoinRow(
        group_id=group,
        channel_id=channel,
        user_id=user,
        joined_at=now() - age,
        followed_seconds=None if followed is None else int(followed.total_seconds()),
    )


def _warned(channel: int, user: int, age: timedelta, group: int = GROUP) -> ChannelWarningRow:
    return ChannelWarningRow(
        group_id=group, channel_id=channel, user_id=user, warned_at=now() - age
    )


def _released(user: int, age: timedelta, reason: str = "verified") -> ActionRow:
    created = now() - age
    return ActionRow(
        action_id=str(uuid.uuid4()),
        idempotency_key=uuid.uuid4().hex,
        kind=Kind.RELEASE.value,
        state=State.DONE.value,
        group_id=GROUP,
        user_id=user,
        reason=reason,
        request={},
        attempts=1,
        due_at=created,
        created_at=created,
    )


def _rows() -> list[ChannelJoinRow | ChannelWarningRow | ActionRow]:
    return [
        # Channel A. 1 joined an hour ago and was unmuted for it; 2 and 3 joined 7.5 days ago,
        # 2 left after 2 days; 4 joined 10 days ago and left after 8; 5 joined 35 days ago and
        # left after 31, 6 joined 45 days ago and left after 10; 7 is past every cohort.
        _joined(CHANNEL_A, 1, HOUR, None),
        _released(1, HOUR / 2),
        _joined(CHANNEL_A, 2, 7.5 * DAY, 2 * DAY),
        _joined(CHANNEL_A, 3, 7.5 * DAY, None),
        _joined(CHANNEL_A, 4, 10 * DAY, 8 * DAY),
        _joined(CHANNEL_A, 5, 35 * DAY, 31 * DAY),
        _joined(CHANNEL_A, 6, 45 * DAY, 10 * DAY),
        _joined(CHANNEL_A, 7, 70 * DAY, None),
        # Channel B: 1 again, two days ago. An admin's unmute is not one for joining.
        _joined(CHANNEL_B, 1, 2 * DAY, None),
        _released(8, HOUR, "unmuted_by_admin"),
        _joined(CHANNEL_B, 8, HOUR, None),
        # Another group's join: counted nowhere here.
        _joined(CHANNEL_A, 9, HOUR, None, group=OTHER_GROUP),
        # Warned while lacking A: 1 two hours ago, 10 three days ago, 11 twenty days ago (and
        # in the other group); lacking B: 8. Channel C warned 12 and brought no join.
        _warned(CHANNEL_A, 1, 2 * HOUR),
        _warned(CHANNEL_A, 10, 3 * DAY),
        _warned(CHANNEL_A, 11, 20 * DAY),
        _warned(CHANNEL_A, 11, HOUR, group=OTHER_GROUP),
        _warned(CHANNEL_B, 8, 2 * HOUR),
        _warned(CHANNEL_C, 12, 5 * DAY),
    ]


async def _seed(engine: AsyncEngine, rows: Iterable[object]) -> None:
    async with AsyncSession(engine) as session, session.begin():
        session.add_all(rows)


async def test_every_windows_channel_funnel_and_retention_from_one_statement(
    ledger_engine: AsyncEngine,
) -> None:
    await _seed(ledger_engine, _rows())

    async with Ledger(ledger_engine, patience=1).transaction() as stores:
        with statements_on(ledger_engine) as sent:
            day, week, month = await stores.channel_joins.funnel(GROUP, now(), SPANS)

    assert len(sent) == 1, sent
    assert day == {
        CHANNEL_A: ChannelFunnel(1, 1, 1, 2, 1, 0, 0),
        CHANNEL_B: ChannelFunnel(1, 1),
    }
    assert week == {
        CHANNEL_A: ChannelFunnel(2, 1, 1, 3, 2, 1, 1),
        CHANNEL_B: ChannelFunnel(1, 2, 1),
        CHANNEL_C: ChannelFunnel(1),
    }
    assert month == {
        CHANNEL_A: ChannelFunnel(3, 4, 1, 4, 3, 2, 1),
        CHANNEL_B: ChannelFunnel(1, 2, 1),
        CHANNEL_C: ChannelFunnel(1),
    }


async def test_a_warning_again_moves_the_members_one_warning_per_channel(
    ledger_engine: AsyncEngine,
) -> None:
    ledger = Ledger(ledger_engine, patience=1)
    async with ledger.transaction() as stores:
        await stores.channel_joins.record_warning(GROUP, [CHANNEL_A, CHANNEL_B], 1, now() - DAY)
        await stores.channel_joins.record_warning(GROUP, [CHANNEL_A, CHANNEL_A], 1, now())
        await stores.channel_joins.record_warning(GROUP, [], 2, now())
        day, week = await stores.channel_joins.funnel(GROUP, now(), SPANS[:2])
        pruned = await stores.channel_joins.prune_warnings(now() - HOUR, 10)
        after = await stores.channel_joins.funnel(GROUP, now(), SPANS[:1])

    assert day == {CHANNEL_A: ChannelFunnel(1)}
    assert week == {CHANNEL_A: ChannelFunnel(1), CHANNEL_B: ChannelFunnel(1)}
    assert pruned == 1
    assert after == [{CHANNEL_A: ChannelFunnel(1)}]


async def _followed(engine: AsyncEngine) -> dict[int, int | None]:
    async with AsyncSession(engine) as session:
        rows = await session.execute(
            select(ChannelJoinRow.group_id, ChannelJoinRow.followed_seconds)
        )
        return {int(group): followed for group, followed in rows.all()}


async def test_a_leave_ends_each_standing_join_once_and_a_join_again_follows_anew(
    ledger_engine: AsyncEngine,
) -> None:
    ledger = Ledger(ledger_engine, patience=1)
    joined: datetime = now() - 3 * DAY
    async with ledger.transaction() as stores:
        for group in (GROUP, OTHER_GROUP):
            await stores.channel_joins.record(group, CHANNEL_A, 1, joined)
        ended = await stores.channel_joins.record_leave(CHANNEL_A, 1, joined + 2 * DAY)
        again = await stores.channel_joins.record_leave(CHANNEL_A, 1, joined + 3 * DAY)
        elsewhere = await stores.channel_joins.record_leave(CHANNEL_B, 1, joined + 3 * DAY)
    left = await _followed(ledger_engine)
    async with ledger.transaction() as stores:
        await stores.channel_joins.record(GROUP, CHANNEL_A, 1, now())
    back = await _followed(ledger_engine)

    assert (ended, again, elsewhere) == (2, 0, 0)
    assert left == {GROUP: 2 * 86400, OTHER_GROUP: 2 * 86400}
    assert back == {GROUP: None, OTHER_GROUP: 2 * 86400}


def _muted(user: int, group: int) -> RestrictionRow:
    return RestrictionRow(
        group_id=group,
        user_id=user,
        until_date=int((now() + DAY).timestamp()),
        active=True,
        reason="not_subscribed",
        imposed_at=now() - HOUR,
        display_name=f"member {user}",
    )


async def test_the_dashboards_read_of_a_group_is_a_few_statements_whatever_it_holds(
    ledger_engine: AsyncEngine,
) -> None:
    ledger = Ledger(ledger_engine, patience=1)
    counted = []
    for more in range(3):
        # Each round: more channels, groups, joins, muted members and actions than the last.
        channels = [CHANNEL_A - 10 * more - n for n in range(5)]
        await _seed(
            ledger_engine,
            [
                *(_joined(c, 100 * more + n, HOUR, None) for n, c in enumerate(channels)),
                *(_joined(c, 1, HOUR, None, group=OTHER_GROUP - more) for c in channels),
                *(_released(100 * more + n, HOUR / 2) for n in range(5)),
                *(_muted(1000 * more + n, GROUP) for n in range(4)),
                _muted(1000 * more, OTHER_GROUP),
            ],
        )
        with statements_on(ledger_engine) as sent:
            board = await queries.group_board(ledger, GROUP, 10, 30)
        counted.append(len(sent))
        day = board.stats.windows[24]

        assert len(day.channels) == 5 * (more + 1)
        assert board.stats.currently_muted == 4 * (more + 1)
        assert len(board.muted) == min(10, 4 * (more + 1))
        assert len(board.actions) == 5 * (more + 1)

    # The muted page and its count, the recent actions, the figures, the channels' funnels.
    assert counted == [5, 5, 5]
