"""Administrator lists, presence, and a Redis outage in the middle of traffic."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from gmbot.membership.metrics import REDIS_FALLBACKS
from gmbot.v1 import membership_pb2 as pb
from gmbot.v1 import membership_pb2_grpc
from tests.support.membership import World, running_membership
from tests.support.services import channel_to
from tests.support.tcpproxy import TcpProxy

if TYPE_CHECKING:
    from gmbot.v1.membership_pb2_grpc import MembershipServiceAsyncStub as Stub


async def admins(stub: Stub, chat: int, fresh: bool = False) -> pb.GetChatAdministratorsResponse:
    return await stub.GetChatAdministrators(
        pb.GetChatAdministratorsRequest(chat_id=chat, fresh=fresh)
    )


async def test_administrators_are_cached_with_their_rights(world: World, membership: Stub) -> None:
    first = await admins(membership, world.group)
    second = await admins(membership, world.group)

    by_id = {a.user_id: a for a in first.administrators}
    assert by_id[world.bot_id].can_restrict_members
    assert by_id[world.bot_id].is_bot
    assert any(a.is_owner for a in first.administrators)
    assert first.source == pb.ANSWER_SOURCE_TELEGRAM
    assert second.source == pb.ANSWER_SOURCE_CACHE
    assert await world.calls("getChatAdministrators") == 1


# The call may arrive before, during or after the change's own read: it joins it or finds its
# list either way (test_admin_list_flight holds the moment between Telegram's answer and the cache).
async def test_an_admin_change_event_refreshes_the_list(world: World, membership: Stub) -> None:
    user = await world.user()
    await world.control.join(world.group, user)
    await admins(membership, world.group)
    await world.control.promote(world.group, user)
    stamp = Timestamp()
    stamp.FromSeconds(int(time.time()))

    recorded = await membership.RecordChatMemberUpdate(
        pb.RecordChatMemberUpdateRequest(
            chat_id=world.group,
            user_id=user,
            old_status=pb.CHAT_MEMBER_STATUS_MEMBER,
            new_status=pb.CHAT_MEMBER_STATUS_ADMINISTRATOR,
            date=stamp,
        )
    )
    after = await admins(membership, world.group)

    assert recorded.admins_changed
    assert user in {a.user_id for a in after.administrators}
    # Read again from Telegram once: by the change itself (at the lowest priority) or the call.
    assert await world.calls("getChatAdministrators") == 2


async def test_administrators_unreadable_and_uncached_are_unavailable(
    world: World, membership: Stub
) -> None:
    await world.control.set_member(world.channel, world.bot_id, "member")

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await admins(membership, world.channel)

    assert caught.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "member list is inaccessible" in (caught.value.details() or "")


async def test_presence_lists_the_groups_a_user_was_seen_in(world: World, membership: Stub) -> None:
    user = await world.user()
    other = -1001000000099

    for group in (world.group, other, world.group):
        await membership.RecordPresence(pb.RecordPresenceRequest(group_id=group, user_id=user))
    seen = await membership.ListUserGroups(pb.ListUserGroupsRequest(user_id=user))
    nobody = await membership.ListUserGroups(pb.ListUserGroupsRequest(user_id=user + 1))

    assert list(seen.group_ids) == sorted([world.group, other])
    assert list(nobody.group_ids) == []


@pytest.fixture
async def proxied(world: World, redis_url: str) -> AsyncIterator[tuple[Stub, TcpProxy]]:
    target = urlparse(redis_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 6379)
    await proxy.start()
    url = f"redis://127.0.0.1:{proxy.port}{target.path or '/0'}"
    async with (
        running_membership(world.sandbox.url, world.token, url) as service,
        channel_to(service.port) as channel,
    ):
        yield membership_pb2_grpc.MembershipServiceStub(channel), proxy
    await proxy.cut()


async def test_redis_killed_mid_run_degrades_to_this_process(
    world: World, proxied: tuple[Stub, TcpProxy]
) -> None:
    stub, proxy = proxied
    user = await world.user()
    await world.control.join(world.channel, user)
    request = pb.CheckMembershipRequest(user_id=user, channel_ids=[world.channel])
    assert (await stub.CheckMembership(request)).all_member
    fallbacks = REDIS_FALLBACKS._value.get()

    await proxy.cut()
    during = [await stub.CheckMembership(request) for _ in range(5)]
    await proxy.start()

    assert all(answer.all_member for answer in during)  # no check failed
    assert REDIS_FALLBACKS._value.get() > fallbacks
    # one Bot API call refills this process's cache; the rest are served from it
    assert await world.calls() == 2
