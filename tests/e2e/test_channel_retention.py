"""Retention of the joins GMBot's buttons brought, through the sandbox: two members join the
channel by the group's GMBot link (the channel's chat_member updates name it), one leaves again;
once their joins are over a week old, the group's funnel says one of the two still follows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from gmbot.enforcement.storage.models import ChannelJoinRow
from gmbot.runtime.database import create_engine
from tests.support.e2e import E2E

WEEK_AND_HALF_A_DAY = timedelta(days=7.5)


async def test_a_member_who_left_is_not_counted_as_still_following_a_week_later(
    e2e: E2E,
) -> None:
    scene = await e2e.scene(("Ann", False), ("Ben", False))
    ann, ben = scene.members["Ann"], scene.members["Ben"]
    link = await e2e.invite_link(scene.channel, scene.group)
    url = e2e.stack.config.enforcement_database_url
    assert url is not None
    ledger = create_engine(url)
    joins = select(ChannelJoinRow.user_id, ChannelJoinRow.followed_seconds).where(
        ChannelJoinRow.group_id == scene.group
    )

    async def recorded(expected: dict[int, bool]) -> bool:
        """Whether the ledger holds these members' joins, and which of them ended."""
        async with ledger.connect() as connection:
            rows = (await connection.execute(joins)).all()
        return {user: followed is not None for user, followed in rows} == expected

    try:
        for member in (ann, ben):
            await e2e.control.join(scene.channel, member, invite_link=link)
        await e2e.wait_for(lambda: recorded({ann: False, ben: False}))
        await e2e.control.leave(scene.channel, ann)
        await e2e.wait_for(lambda: recorded({ann: True, ben: False}))
        # A week and half a day pass: the joins are moved back, what the leave recorded is kept.
        async with ledger.begin() as connection:
            found = await connection.execute(
                select(ChannelJoinRow.user_id, ChannelJoinRow.joined_at).where(
                    ChannelJoinRow.group_id == scene.group
                )
            )
            for user, joined_at in found.all():
                await connection.execute(
                    update(ChannelJoinRow)
                    .where(ChannelJoinRow.group_id == scene.group, ChannelJoinRow.user_id == user)
                    .values(joined_at=joined_at - WEEK_AND_HALF_A_DAY)
                )
    finally:
        await ledger.dispose()
    board = await e2e.board(scene.group)

    [day] = board.stats.last_day.channels
    assert (day.channel_id, day.members_joined_through_gmbot) == (scene.channel, 0)
    assert (day.joined_7_days_before, day.still_following_7_days) == (2, 1)
    [week] = board.stats.last_week.channels
    assert (week.members_joined_through_gmbot, week.joined_7_days_before) == (0, 2)
    [month] = board.stats.last_month.channels
    assert (month.members_joined_through_gmbot, month.still_following_7_days) == (2, 1)
