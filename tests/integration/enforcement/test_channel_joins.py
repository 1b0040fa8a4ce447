"""Joins GMBot's invite links brought: a join by the link GMBot made for a group counts for that
group (once per member and channel), a join by any other link for none."""

from __future__ import annotations

from typing import TYPE_CHECKING

import grpc
import pytest

from gmbot.v1 import enforcement_pb2 as pb
from tests.support.enforcement import Group

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub as Stub


async def test_a_join_by_the_groups_link_counts_as_joined_through_gmbot(
    world: Group, enforcement: Stub
) -> None:
    made = await enforcement.CreateInviteLink(
        pb.CreateInviteLinkRequest(channel_id=world.channel, group_id=world.group)
    )
    first, second = await world.member("A"), await world.member("B")

    ours = await enforcement.RecordChannelJoin(
        pb.RecordChannelJoinRequest(
            channel_id=world.channel, user_id=first, invite_link=made.invite_link
        )
    )
    # The same member again (left and came back): still one member.
    await enforcement.RecordChannelJoin(
        pb.RecordChannelJoinRequest(
            channel_id=world.channel, user_id=first, invite_link=made.invite_link
        )
    )
    theirs = await enforcement.RecordChannelJoin(
        pb.RecordChannelJoinRequest(
            channel_id=world.channel, user_id=second, invite_link="https://t.me/+someone_elses"
        )
    )
    stats = await enforcement.GetGroupStats(pb.GetGroupStatsRequest(group_id=world.group))

    links = await world.control.invite_links(world.channel)
    assert [link["name"] for link in links if link["link"] == made.invite_link] == [
        f"GMBot · {world.group}"
    ]
    assert (ours.group_id, theirs.group_id) == (world.group, 0)
    assert stats.last_day.members_joined_through_gmbot == 1
    assert stats.last_month.members_joined_through_gmbot == 1
    assert [(c.channel_id, c.members_joined_through_gmbot) for c in stats.last_week.channels] == [
        (world.channel, 1)
    ]


async def test_a_join_without_a_link_is_refused(world: Group, enforcement: Stub) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await enforcement.RecordChannelJoin(
            pb.RecordChannelJoinRequest(channel_id=world.channel, user_id=1, invite_link="")
        )

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
