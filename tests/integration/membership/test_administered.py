"""Which groups a person administers: membership's administrator lists, indexed by user."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from gmbot.v1 import membership_pb2 as pb
from tests.support.membership import World
from tests.support.waiting import eventually

pytestmark = pytest.mark.redis_cluster

if TYPE_CHECKING:
    from gmbot.v1.membership_pb2_grpc import MembershipServiceAsyncStub as Stub


async def administered(stub: Stub, user: int) -> list[int]:
    answer = await stub.ListAdministeredGroups(pb.ListAdministeredGroupsRequest(user_id=user))
    return list(answer.group_ids)


async def changed(
    stub: Stub,
    world: World,
    user: int,
    old: pb.ChatMemberStatus.ValueType,
    new: pb.ChatMemberStatus.ValueType,
) -> None:
    await stub.RecordChatMemberUpdate(
        pb.RecordChatMemberUpdateRequest(
            chat_id=world.group,
            user_id=user,
            old_status=old,
            new_status=new,
            date=Timestamp(seconds=int(time.time())),
        )
    )


async def test_a_fetched_list_names_every_administrator_anonymous_ones_too(
    world: World, membership: Stub
) -> None:
    co_admin, anonymous, member = await world.user(), await world.user(), await world.user()
    await world.control.promote(world.group, co_admin)
    await world.control.promote(world.group, anonymous, is_anonymous=True)
    await world.control.join(world.group, member)

    await membership.GetChatAdministrators(pb.GetChatAdministratorsRequest(chat_id=world.group))

    assert await administered(membership, co_admin) == [world.group]
    assert await administered(membership, anonymous) == [world.group]
    assert await administered(membership, member) == []


async def test_a_promotion_and_a_demotion_reach_the_index_without_a_fetch_first(
    world: World, membership: Stub
) -> None:
    user = await world.user()
    await world.control.promote(world.group, user)

    await changed(
        membership, world, user, pb.CHAT_MEMBER_STATUS_MEMBER, pb.CHAT_MEMBER_STATUS_ADMINISTRATOR
    )
    promoted = await administered(membership, user)
    await world.control.set_member(world.group, user, "member")
    await changed(
        membership, world, user, pb.CHAT_MEMBER_STATUS_ADMINISTRATOR, pb.CHAT_MEMBER_STATUS_MEMBER
    )

    # The list is read again behind everything else; it agrees with the update.
    async def read_again() -> bool:
        return await world.calls("getChatAdministrators") >= 2

    # Journaled when Telegram answers, a moment before membership keeps what it read.
    async def demoted() -> bool:
        return await administered(membership, user) == []

    await eventually(read_again, every=0.02, what="the administrators read again")
    await eventually(demoted, what="the demotion in the index")

    assert promoted == [world.group]


async def test_a_list_read_again_drops_who_is_no_longer_an_administrator(
    world: World, membership: Stub
) -> None:
    user = await world.user()
    await world.control.promote(world.group, user)
    await membership.GetChatAdministrators(pb.GetChatAdministratorsRequest(chat_id=world.group))
    await world.control.set_member(world.group, user, "member")

    await membership.GetChatAdministrators(
        pb.GetChatAdministratorsRequest(chat_id=world.group, fresh=True)
    )

    assert await administered(membership, user) == []
