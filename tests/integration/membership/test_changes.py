"""Membership's stream of changes (what every gateway's near cache is kept current by) and
presences recorded in batches, over real gRPC with real Redis."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from gmbot.v1 import membership_pb2 as pb
from gmbot.v1 import membership_pb2_grpc
from tests.support.membership import World, running_membership
from tests.support.services import channel_to

if TYPE_CHECKING:
    from gmbot.v1.membership_pb2_grpc import MembershipServiceAsyncStub as Stub


async def _changes(stub: Stub) -> AsyncIterator[pb.MembershipChange]:
    async for change in stub.WatchChanges(pb.WatchChangesRequest()):
        yield change


async def _next(stream: AsyncIterator[pb.MembershipChange]) -> pb.MembershipChange:
    return await asyncio.wait_for(anext(stream), timeout=5)


def _left(world: World, user: int) -> pb.RecordChatMemberUpdateRequest:
    date = Timestamp()
    date.GetCurrentTime()
    return pb.RecordChatMemberUpdateRequest(
        chat_id=world.channel,
        user_id=user,
        old_status=pb.CHAT_MEMBER_STATUS_MEMBER,
        new_status=pb.CHAT_MEMBER_STATUS_LEFT,
        date=date,
    )


async def test_a_subscriber_is_told_every_answer_and_admin_change(
    world: World, membership: Stub
) -> None:
    user = await world.user()
    stream = _changes(membership)
    assert (await _next(stream)).ready

    await membership.CheckMembership(
        pb.CheckMembershipRequest(user_id=user, channel_ids=[world.channel])
    )
    asked = await _next(stream)
    leave = _left(world, user)  # once: its date is the clock's, and a second may tick meanwhile
    await membership.RecordChatMemberUpdate(leave)
    left = await _next(stream)
    promoted = Timestamp()
    promoted.GetCurrentTime()
    await membership.RecordChatMemberUpdate(
        pb.RecordChatMemberUpdateRequest(
            chat_id=world.group,
            user_id=user,
            old_status=pb.CHAT_MEMBER_STATUS_MEMBER,
            new_status=pb.CHAT_MEMBER_STATUS_ADMINISTRATOR,
            date=promoted,
        )
    )
    changes = [await _next(stream), await _next(stream)]

    assert asked.answer.user_id == user
    assert asked.answer.channel_id == world.channel
    assert asked.answer.status == pb.MEMBERSHIP_STATUS_NOT_MEMBER
    assert left.answer.status == pb.MEMBERSHIP_STATUS_NOT_MEMBER
    assert left.answer.observed_at.seconds == leave.date.seconds
    assert pb.MembershipChange(administrators=pb.AdministratorsChanged(chat_id=world.group)) in (
        changes
    )


@pytest.mark.redis_cluster
@pytest.mark.parametrize("cache_kind", ["redis"])
async def test_a_change_recorded_by_one_replica_reaches_the_streams_of_another(
    world: World, redis_url: str, cache_kind: str
) -> None:
    shared = {"redis_prefix": f"test:{uuid.uuid4().hex}:"}
    async with (
        running_membership(world.sandbox.url, world.token, redis_url, **shared) as first,
        running_membership(world.sandbox.url, world.token, redis_url, **shared) as second,
        channel_to(first.port) as first_channel,
        channel_to(second.port) as second_channel,
    ):
        recorder = membership_pb2_grpc.MembershipServiceStub(first_channel)
        watcher = membership_pb2_grpc.MembershipServiceStub(second_channel)
        user = await world.user()
        stream = _changes(watcher)
        assert (await _next(stream)).ready

        await recorder.RecordChatMemberUpdate(_left(world, user))
        change = await _next(stream)

    assert change.answer.user_id == user
    assert change.answer.status == pb.MEMBERSHIP_STATUS_NOT_MEMBER


async def test_presences_are_recorded_in_batches_and_a_bad_batch_records_nothing(
    world: World, membership: Stub
) -> None:
    users = [await world.user(f"P{n}") for n in range(3)]
    await membership.RecordPresenceBatch(
        pb.RecordPresenceBatchRequest(
            presences=[pb.RecordPresenceRequest(group_id=world.group, user_id=u) for u in users]
        )
    )
    stranger = await world.user("S")

    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await membership.RecordPresenceBatch(
            pb.RecordPresenceBatchRequest(
                presences=[
                    pb.RecordPresenceRequest(group_id=world.group, user_id=stranger),
                    pb.RecordPresenceRequest(group_id=world.group, user_id=-5),
                ]
            )
        )

    for user in users:
        seen = await membership.ListUserGroups(pb.ListUserGroupsRequest(user_id=user))
        assert list(seen.group_ids) == [world.group]
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    nothing = await membership.ListUserGroups(pb.ListUserGroupsRequest(user_id=stranger))
    assert list(nothing.group_ids) == []
