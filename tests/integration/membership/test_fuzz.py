"""Every MembershipService RPC, over a real server with the sandbox as Telegram and a real Redis
(or the in-process cache), asked hostile things: the answer is never INTERNAL or UNKNOWN."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import grpc
import pytest
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import given
from hypothesis import strategies as st

from gmbot.v1 import membership_pb2 as pb
from tests.support.fuzz import FORBIDDEN, FUZZ, caller, requests, status_of
from tests.support.membership import World, running_membership
from tests.support.services import channel_to

# WatchChanges takes an empty request and streams: there is nothing hostile to ask it
# (test_changes.py covers it).
METHODS = [
    m for m in pb.DESCRIPTOR.services_by_name["MembershipService"].methods if not m.server_streaming
]


@pytest.fixture
async def channel(world: World, cache_kind: str, redis_url: str) -> AsyncIterator[grpc.aio.Channel]:
    url = redis_url if cache_kind == "redis" else None
    async with (
        running_membership(world.sandbox.url, world.token, url) as service,
        channel_to(service.port) as channel,
    ):
        yield channel


def _valid(world: World, user: int) -> dict[str, Message]:
    """A request of each RPC that succeeds; the fuzzer makes one of its fields hostile."""
    return {
        "CheckMembership": pb.CheckMembershipRequest(user_id=user, channel_ids=[world.channel]),
        "CheckMembershipBatch": pb.CheckMembershipBatchRequest(
            user_ids=[user], channel_ids=[world.channel], max_telegram_calls=5
        ),
        "RecordChatMemberUpdate": pb.RecordChatMemberUpdateRequest(
            chat_id=world.channel,
            user_id=user,
            old_status=pb.CHAT_MEMBER_STATUS_LEFT,
            new_status=pb.CHAT_MEMBER_STATUS_MEMBER,
            date=Timestamp(seconds=int(time.time())),
        ),
        "GetChatAdministrators": pb.GetChatAdministratorsRequest(chat_id=world.group),
        "RecordPresence": pb.RecordPresenceRequest(group_id=world.group, user_id=user),
        "RecordPresenceBatch": pb.RecordPresenceBatchRequest(
            presences=[pb.RecordPresenceRequest(group_id=world.group, user_id=user)]
        ),
        "ListUserGroups": pb.ListUserGroupsRequest(user_id=user),
        "ListAdministeredGroups": pb.ListAdministeredGroupsRequest(user_id=user),
        "ListGroupMembers": pb.ListGroupMembersRequest(group_id=world.group, page_size=10),
    }


@pytest.mark.parametrize("method", METHODS, ids=[m.name for m in METHODS])
@FUZZ
@given(data=st.data())
async def test_no_membership_rpc_answers_internal_whatever_it_is_asked(
    world: World, channel: grpc.aio.Channel, method: MethodDescriptor, data: st.DataObject
) -> None:
    user = world.bot_id + 1  # the owner, whom the sandbox knows
    known = [world.channel, world.group, user, world.bot_id]
    request = data.draw(requests(method, known, _valid(world, user)[method.name]), label="request")

    code = await status_of(caller(channel, method)(request))

    assert code not in FORBIDDEN
