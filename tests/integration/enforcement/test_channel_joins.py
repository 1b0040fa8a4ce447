"""Joins GMBot's invite links brought: a join by the link GMBot made for a group counts for that
group (once per member and channel), a join by any other link for none; and the members warned
per channel, the funnel's first step, counted once a warning is out."""

from __future__ import annotations

from typing import TYPE_CHECKING

import grpc
import pytest

from gmbot.v1 import enforcement_pb2 as pb
from tests.integration.enforcement.calls import done, enforce
from tests.support.enforcement import Group, warning

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


async def test_a_warning_counts_its_member_warned_for_each_channel_gmbots_link_backs(
    world: Group, enforcement: Stub
) -> None:
    buttons = [
        pb.JoinButton(text="Private", url="https://t.me/+primary", channel_id=world.channel),
        # A public channel whose button keeps its public link: no channel of the funnel.
        pb.JoinButton(text="News", url="https://t.me/news_channel"),
    ]
    first, second = await world.member("A"), await world.member("B")
    for n, member in enumerate((first, second, first)):
        action = await enforce(
            enforcement, world, member, f"warned-{n}", warning=warning(join_buttons=buttons)
        )
        await done(enforcement, world, action.action_id)
    (made,) = await world.calls("createChatInviteLink")
    await enforcement.RecordChannelJoin(
        pb.RecordChannelJoinRequest(
            channel_id=world.channel, user_id=first, invite_link=made["result"]["invite_link"]
        )
    )

    stats = await enforcement.GetGroupStats(pb.GetGroupStatsRequest(group_id=world.group))

    funnel = [
        (c.channel_id, c.members_warned, c.members_joined_through_gmbot)
        for c in stats.last_day.channels
    ]
    assert funnel == [(world.channel, 2, 1)]


async def test_a_join_without_a_link_is_refused(world: Group, enforcement: Stub) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await enforcement.RecordChannelJoin(
            pb.RecordChannelJoinRequest(channel_id=world.channel, user_id=1, invite_link="")
        )

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_leave_ends_the_join_once_and_the_board_reads_it_in_one_call(
    world: Group, enforcement: Stub
) -> None:
    made = await enforcement.CreateInviteLink(
        pb.CreateInviteLinkRequest(channel_id=world.channel, group_id=world.group)
    )
    member, stranger = await world.member("A"), await world.member("B")
    await enforcement.RecordChannelJoin(
        pb.RecordChannelJoinRequest(
            channel_id=world.channel, user_id=member, invite_link=made.invite_link
        )
    )

    left = await enforcement.RecordChannelLeave(
        pb.RecordChannelLeaveRequest(channel_id=world.channel, user_id=member)
    )
    again = await enforcement.RecordChannelLeave(
        pb.RecordChannelLeaveRequest(channel_id=world.channel, user_id=member)
    )
    theirs = await enforcement.RecordChannelLeave(
        pb.RecordChannelLeaveRequest(channel_id=world.channel, user_id=stranger)
    )
    board = await enforcement.GetGroupBoard(
        pb.GetGroupBoardRequest(group_id=world.group, muted_limit=5, actions_limit=5)
    )

    assert (left.joins_ended, again.joins_ended, theirs.joins_ended) == (1, 0, 0)
    [channel] = board.stats.last_week.channels
    assert (channel.channel_id, channel.members_joined_through_gmbot) == (world.channel, 1)
    # Joined now: in no retention cohort yet.
    assert (channel.joined_7_days_before, channel.joined_30_days_before) == (0, 0)
    assert (board.muted.total, list(board.actions)) == (0, [])
