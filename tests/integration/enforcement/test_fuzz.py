"""Every EnforcementService RPC, over a real server with the sandbox as Telegram, on
PostgreSQL + Redis and on SQLite + the in-process queue, asked hostile things: the answer is
never INTERNAL or UNKNOWN."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import given
from hypothesis import strategies as st

from gmbot.enforcement.app import migrations_config
from gmbot.v1 import enforcement_pb2 as pb
from tests.support.enforcement import Group, enforcement_settings, running_enforcement, warning
from tests.support.fuzz import FORBIDDEN, FUZZ, caller, requests, status_of
from tests.support.migrated_databases import migrated_database
from tests.support.services import channel_to

METHODS = list(pb.DESCRIPTOR.services_by_name["EnforcementService"].methods)
METHODS_BY_NAME = {m.name: m for m in METHODS}


@pytest.fixture
async def channel(
    world: Group, backend: str, postgres_server_url: str, redis_url: str, tmp_path: Path
) -> AsyncIterator[grpc.aio.Channel]:
    database, queue = backend.split("+")
    async with migrated_database(database, postgres_server_url, tmp_path, migrations_config) as url:
        settings = enforcement_settings(
            world.sandbox.url, world.token, url, redis_url if queue == "redis" else None
        )
        async with running_enforcement(settings) as service, channel_to(service.port) as channel:
            yield channel


def _valid(world: Group, user: int, message_id: int) -> dict[str, Message]:
    """A request of each RPC that succeeds; the fuzzer makes one of its fields hostile."""
    return {**_actions(world, user, message_id), **_reads_and_records(world, user)}


def _actions(world: Group, user: int, message_id: int) -> dict[str, Message]:
    """The RPCs that take an action in."""
    key = uuid.uuid4().hex
    member: dict[str, Any] = {
        "group_id": world.group,
        "user_id": user,
        "reason": pb.ACTION_REASON_MANUAL,
    }
    return {
        "Enforce": pb.EnforceRequest(
            idempotency_key=key,
            action=pb.MEMBER_ACTION_MUTE,
            message_id=message_id,
            warning=warning(),
            kick_after_minutes=10,
            **member,
        ),
        "Release": pb.ReleaseRequest(idempotency_key=key, **member),
        "Kick": pb.KickRequest(idempotency_key=key, **member),
        "Ban": pb.BanRequest(
            idempotency_key=key, until=Timestamp(seconds=int(time.time()) + 86400), **member
        ),
        "Unban": pb.UnbanRequest(idempotency_key=key, **member),
        "BanSenderChat": pb.BanSenderChatRequest(
            idempotency_key=key,
            group_id=world.group,
            sender_chat_id=world.channel,
            message_id=message_id,
            ban=True,
        ),
        "DecideJoinRequest": pb.DecideJoinRequestRequest(
            idempotency_key=key,
            decision=pb.JOIN_DECISION_WAIT,
            user_chat_id=user,
            notice=warning(),
            **member,
        ),
        "ReleaseGroup": pb.ReleaseGroupRequest(
            idempotency_key=key, group_id=world.group, reason=pb.ACTION_REASON_UNPROTECTED
        ),
    }


def _reads_and_records(world: Group, user: int) -> dict[str, Message]:
    """The RPCs that read the ledger, make an invite link, or record what the gateway saw."""
    return {
        "CreateInviteLink": pb.CreateInviteLinkRequest(
            channel_id=world.channel, group_id=world.group
        ),
        "ListRecentActions": pb.ListRecentActionsRequest(group_id=world.group, limit=10),
        "ListRestrictedGroups": pb.ListRestrictedGroupsRequest(user_id=user),
        "ListGroupRestrictions": pb.ListGroupRestrictionsRequest(
            group_id=world.group, offset=0, limit=10
        ),
        "RecordActivity": pb.RecordActivityRequest(
            activities=[
                pb.GroupActivity(
                    group_id=world.group,
                    hour=int(time.time()) // 3600,
                    messages_checked=3,
                    joins_checked=1,
                    bot_api_calls=2,
                )
            ]
        ),
        "GetGroupStats": pb.GetGroupStatsRequest(group_id=world.group),
        "RecordChannelJoin": pb.RecordChannelJoinRequest(
            channel_id=world.channel, user_id=user, invite_link="https://t.me/+AbCdEf012345"
        ),
        "RecordChannelLeave": pb.RecordChannelLeaveRequest(channel_id=world.channel, user_id=user),
        "GetGroupBoard": pb.GetGroupBoardRequest(
            group_id=world.group, muted_limit=10, actions_limit=30
        ),
        "RecordChannelRequest": pb.RecordChannelRequestRequest(
            channel_id=world.channel, user_id=user, invite_link="https://t.me/+AbCdEf012345"
        ),
        "EndChannelRequest": pb.EndChannelRequestRequest(channel_id=world.channel, user_id=user),
        "ListPendingChannelRequests": pb.ListPendingChannelRequestsRequest(user_id=user),
        "SetJoinConsent": pb.SetJoinConsentRequest(
            channel_id=world.channel, user_id=user, given=True
        ),
        "GetJoinConsent": pb.GetJoinConsentRequest(channel_id=world.channel),
        "ExpireMessage": pb.ExpireMessageRequest(
            chat_id=world.group, message_id=1, delay_seconds=600
        ),
        "MarkLogLineUndone": pb.MarkLogLineUndoneRequest(
            chat_id=world.channel, message_id=1, group_id=world.group, user_id=user, undone_by="O"
        ),
    }


@pytest.mark.parametrize("method", METHODS, ids=[m.name for m in METHODS])
@FUZZ
@given(data=st.data())
async def test_no_enforcement_rpc_answers_internal_whatever_it_is_asked(
    world: Group,
    backend: str,
    channel: grpc.aio.Channel,
    method: MethodDescriptor,
    data: st.DataObject,
) -> None:
    user = world.owner
    known = [world.group, world.channel, world.owner, world.bot_id]
    valid = _valid(world, user, message_id=1)[method.name]
    request = data.draw(requests(method, known, valid), label="request")

    code = await status_of(caller(channel, method)(request))

    assert code not in FORBIDDEN


@pytest.mark.parametrize("backend", ["postgres+redis"])
async def test_a_nul_in_an_idempotency_key_is_an_invalid_argument_not_internal(
    world: Group, channel: grpc.aio.Channel
) -> None:
    request = pb.KickRequest(idempotency_key="a\x00b", group_id=world.group, user_id=world.owner)

    code = await status_of(caller(channel, METHODS_BY_NAME["Kick"])(request))

    assert code == grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize("backend", ["sqlite+local"])
async def test_an_invalid_ban_until_is_an_invalid_argument_not_internal(
    world: Group, channel: grpc.aio.Channel
) -> None:
    request = pb.BanRequest(
        idempotency_key=uuid.uuid4().hex,
        group_id=world.group,
        user_id=world.owner,
        until=Timestamp(seconds=0, nanos=1_000_000_000),
    )

    code = await status_of(caller(channel, METHODS_BY_NAME["Ban"])(request))

    assert code == grpc.StatusCode.INVALID_ARGUMENT
