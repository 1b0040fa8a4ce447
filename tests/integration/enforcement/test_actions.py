"""Each kind of action carried out in the sandbox: enforce (delete, mute, warn with a signed
button), delete only, kick, a sender chat's ban; a repeated key, a refusal and bad requests."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING

import grpc
import pytest

from gmbot.runtime.callbacks import VerifyButton, verify
from gmbot.v1 import enforcement_pb2 as pb
from tests.integration.enforcement.calls import done, enforce, state_of
from tests.support.enforcement import SIGNING_KEY, Group

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub as Stub


@pytest.mark.redis_cluster
async def test_enforce_deletes_mutes_and_warns_with_a_signed_button(
    world: Group, enforcement: Stub
) -> None:
    user = await world.member("Mallory")
    message = await world.said(user)

    accepted = await enforce(enforcement, world, user, "u1:message", message)
    await done(enforcement, world, accepted.action_id)

    assert accepted.accepted
    assert [c["params"]["message_id"] for c in await world.calls("deleteMessage")] == [str(message)]
    (restrict,) = await world.calls("restrictChatMember")
    assert json.loads(restrict["params"]["permissions"])["can_send_messages"] is False
    assert restrict["params"]["use_independent_chat_permissions"] == "true"
    assert int(restrict["params"]["until_date"]) > 0  # a temporary mute, renewed while unverified
    (sent,) = await world.calls("sendMessage")
    markup = json.loads(sent["params"]["reply_markup"])["inline_keyboard"]
    assert markup[0][0] == {"text": "News", "url": "https://t.me/news_channel"}
    assert verify(SIGNING_KEY.encode(), markup[1][0]["callback_data"]) == VerifyButton(
        world.group, user
    )
    assert "Mallory" in sent["params"]["text"]
    member = await world.control.member(world.group, user)
    assert member["status"] == "restricted"
    assert await state_of(enforcement, world, accepted.action_id) == pb.ACTION_STATE_DONE


async def test_a_repeated_idempotency_key_changes_nothing(world: Group, enforcement: Stub) -> None:
    user = await world.member()
    message = await world.said(user)

    first = await enforce(enforcement, world, user, "u2:message", message)
    again = await enforce(enforcement, world, user, "u2:message", message)
    await done(enforcement, world, first.action_id)
    await asyncio.sleep(0.5)  # a second restriction, if there were one, is made meanwhile

    assert again.action_id == first.action_id
    assert not again.accepted
    assert len(await world.calls("restrictChatMember")) == 1
    assert len(await world.calls("sendMessage")) == 1


async def test_delete_only_never_restricts(world: Group, enforcement: Stub) -> None:
    user = await world.member()
    message = await world.said(user)

    response = await enforce(
        enforcement, world, user, "delete-only", message, action=pb.MEMBER_ACTION_DELETE_ONLY
    )
    await done(enforcement, world, response.action_id)

    assert len(await world.calls("deleteMessage")) == 1
    assert await world.calls("restrictChatMember") == []
    assert len(await world.calls("sendMessage")) == 1


async def test_kick_removes_and_lets_come_back(world: Group, enforcement: Stub) -> None:
    """By a ban that ends by itself a minute later: an unban could free a member an
    administrator banned meanwhile (test_others_win.py)."""
    user = await world.member()

    response = await enforcement.Kick(
        pb.KickRequest(idempotency_key="kick", group_id=world.group, user_id=user)
    )
    await done(enforcement, world, response.action_id)

    assert (await world.control.member(world.group, user))["status"] == "kicked"
    assert len(await world.calls("banChatMember")) == 1
    assert await world.calls("unbanChatMember") == []
    await world.control.advance_clock(61)
    assert (await world.control.member(world.group, user))["status"] == "left"


async def test_ban_sender_chat_deletes_and_bans(world: Group, enforcement: Stub) -> None:
    user = await world.member()
    message = await world.control.say_as_channel(world.group, user, world.channel, "ad")

    response = await enforcement.BanSenderChat(
        pb.BanSenderChatRequest(
            idempotency_key="sender",
            group_id=world.group,
            sender_chat_id=world.channel,
            message_id=message["message_id"],
            ban=True,
        )
    )
    await done(enforcement, world, response.action_id)

    assert len(await world.calls("deleteMessage")) == 1
    assert len(await world.calls("banChatSenderChat")) == 1


async def test_a_refusal_is_recorded_not_retried(world: Group, enforcement: Stub) -> None:
    response = await enforce(
        enforcement, world, world.owner, "admin"
    )  # the creator cannot be muted
    await done(enforcement, world, response.action_id)

    recent = await enforcement.ListRecentActions(pb.ListRecentActionsRequest(group_id=world.group))
    (record,) = [a for a in recent.actions if a.action_id == response.action_id]
    assert record.state == pb.ACTION_STATE_FAILED
    assert "user is an administrator of the chat" in record.error
    assert len(await world.calls("restrictChatMember")) == 1


@pytest.mark.parametrize(
    "request_",
    [
        pb.EnforceRequest(
            idempotency_key="", group_id=-1001000000001, user_id=5, action=pb.MEMBER_ACTION_MUTE
        ),
        pb.EnforceRequest(
            idempotency_key="k", group_id=-5, user_id=5, action=pb.MEMBER_ACTION_MUTE
        ),
        pb.EnforceRequest(idempotency_key="k", group_id=-1001000000001, user_id=5),
        pb.EnforceRequest(
            idempotency_key="k",
            group_id=-1001000000001,
            user_id=5,
            action=pb.MEMBER_ACTION_MUTE,
            warning=pb.WarningSpec(join_buttons=[pb.JoinButton(text="x", url="http://evil")]),
        ),
    ],
)
async def test_bad_requests_are_invalid_arguments(
    enforcement: Stub, request_: pb.EnforceRequest
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await enforcement.Enforce(request_)

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
