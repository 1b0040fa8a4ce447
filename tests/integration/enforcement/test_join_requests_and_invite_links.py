"""Join requests (waiting with a notice, then decided) and the channels' invite links (made once
per group, refused without the right)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import grpc
import pytest

from gmbot.v1 import enforcement_pb2 as pb
from tests.integration.enforcement.calls import done
from tests.support.enforcement import Group, warning

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub as Stub


async def test_join_requests_wait_with_a_notice_then_are_approved(
    world: Group, enforcement: Stub
) -> None:
    user = int((await world.control.create_user("Requester"))["id"])
    await world.control.request_join(world.group, user)

    waiting = await enforcement.DecideJoinRequest(
        pb.DecideJoinRequestRequest(
            idempotency_key="jr:wait",
            group_id=world.group,
            user_id=user,
            decision=pb.JOIN_DECISION_WAIT,
            user_chat_id=user,
            notice=warning(),
        )
    )
    await done(enforcement, world, waiting.action_id)
    pending = await enforcement.ListRestrictedGroups(pb.ListRestrictedGroupsRequest(user_id=user))
    approved = await enforcement.DecideJoinRequest(
        pb.DecideJoinRequestRequest(
            idempotency_key="jr:approve",
            group_id=world.group,
            user_id=user,
            decision=pb.JOIN_DECISION_APPROVE,
        )
    )
    await done(enforcement, world, approved.action_id)

    (notice,) = await world.calls("sendMessage")
    assert notice["params"]["chat_id"] == str(user)
    assert list(pending.pending_join_request_group_ids) == [world.group]
    assert (await world.control.member(world.group, user))["status"] == "member"


async def test_invite_links_are_made_once_per_group_and_never_exported(
    world: Group, enforcement: Stub
) -> None:
    request = pb.CreateInviteLinkRequest(channel_id=world.channel, group_id=world.group)

    first = await enforcement.CreateInviteLink(request)
    second = await enforcement.CreateInviteLink(request)

    assert first.invite_link == second.invite_link
    assert first.invite_link.startswith("https://t.me/+")
    assert len(await world.calls("createChatInviteLink")) == 1
    assert await world.calls("exportChatInviteLink") == []


async def test_an_invite_link_without_the_right_is_a_failed_precondition(
    world: Group, enforcement: Stub
) -> None:
    await world.control.promote(world.channel, world.bot_id, {"can_post_messages": True})

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await enforcement.CreateInviteLink(
            pb.CreateInviteLinkRequest(channel_id=world.channel, group_id=world.group)
        )

    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
