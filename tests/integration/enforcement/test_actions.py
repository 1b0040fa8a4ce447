"""Each action and exactly the Bot API calls it makes, from the sandbox's journal."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING

import grpc
import pytest

from gmbot.runtime.callbacks import VerifyButton, verify
from gmbot.v1 import enforcement_pb2 as pb
from tests.integration.enforcement.conftest import Group, eventually, warning
from tests.integration.enforcement.conftest import warning as default_warning
from tests.support.enforcement import SIGNING_KEY

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub as Stub


async def enforce(
    stub: Stub,
    world: Group,
    user: int,
    key: str,
    message_id: int = 0,
    *,
    action: pb.MemberAction.ValueType = pb.MEMBER_ACTION_MUTE,
    warning: pb.WarningSpec | None = None,
    with_warning: bool = True,
) -> pb.EnforceResponse:
    spec = warning if warning is not None else (default_warning() if with_warning else None)
    return await stub.Enforce(
        pb.EnforceRequest(
            idempotency_key=key,
            group_id=world.group,
            user_id=user,
            reason=pb.ACTION_REASON_NOT_SUBSCRIBED,
            action=action,
            message_id=message_id,
            warning=spec,
        )
    )


async def state_of(stub: Stub, world: Group, action_id: str) -> int:
    recent = await stub.ListRecentActions(
        pb.ListRecentActionsRequest(group_id=world.group, limit=200)
    )
    return next(a.state for a in recent.actions if a.action_id == action_id)


async def done(stub: Stub, world: Group, action_id: str, seconds: float = 10.0) -> None:
    async def finished() -> bool:
        return await state_of(stub, world, action_id) != pb.ACTION_STATE_PENDING

    await eventually(finished, seconds)


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
    await asyncio.sleep(0.5)

    assert again.action_id == first.action_id
    assert not again.accepted
    assert len(await world.calls("restrictChatMember")) == 1
    assert len(await world.calls("sendMessage")) == 1


async def test_warnings_of_a_raid_are_coalesced_and_a_live_warning_is_edited(
    world: Group, enforcement: Stub
) -> None:
    users = [await world.member(f"Raider{i}") for i in range(5)]

    accepted = await asyncio.gather(
        *(
            enforce(
                enforcement, world, u, f"raid:{u}", warning=warning(user_display_name=f"Raider{i}")
            )
            for i, u in enumerate(users)
        )
    )
    for response in accepted:
        await done(enforcement, world, response.action_id)
    again = await enforce(enforcement, world, users[0], "raid:again")
    await done(enforcement, world, again.action_id)

    (sent,) = await world.calls("sendMessage")
    assert all(f"Raider{i}" in sent["params"]["text"] for i in range(5))
    assert len(json.loads(sent["params"]["reply_markup"])["inline_keyboard"]) == 1 + 5
    # One mute per member: the raider already muted is not muted (nor warned) again.
    assert len(await world.calls("restrictChatMember")) == 5


async def test_a_warning_goes_into_the_forum_topic_in_the_groups_language(
    world: Group, enforcement: Stub
) -> None:
    user = await world.member("Борис")

    response = await enforce(
        enforcement,
        world,
        user,
        "topic",
        warning=warning(language="ru", message_thread_id=7, user_display_name="Борис"),
    )
    await done(enforcement, world, response.action_id)

    (sent,) = await world.calls("sendMessage")
    assert sent["params"]["message_thread_id"] == "7"
    assert "подпишитесь" in sent["params"]["text"]


async def test_a_warning_answers_the_comment_thread_it_was_asked_for(
    world: Group, enforcement: Stub
) -> None:
    """Outside forums a bot's message joins a comment thread by replying to its root."""
    user = await world.member("Carol")
    root = await world.said(await world.member("Poster"), "a channel post")

    response = await enforce(
        enforcement, world, user, "comment", warning=warning(reply_to_message_id=root)
    )
    await done(enforcement, world, response.action_id)

    (sent,) = await world.calls("sendMessage")
    assert json.loads(sent["params"]["reply_parameters"]) == {
        "message_id": root,
        "allow_sending_without_reply": True,
    }
    assert "message_thread_id" not in sent["params"]
    assert sent["result"]["reply_to_message"]["message_id"] == root


async def test_comments_under_two_posts_are_warned_under_each_not_in_one_message(
    world: Group, enforcement: Stub
) -> None:
    poster = await world.member("Poster")
    roots = [await world.said(poster, "post one"), await world.said(poster, "post two")]
    users = [await world.member(f"Commenter{i}") for i in range(2)]

    accepted = await asyncio.gather(
        *(
            enforce(enforcement, world, u, f"c:{u}", warning=warning(reply_to_message_id=root))
            for u, root in zip(users, roots, strict=True)
        )
    )
    for response in accepted:
        await done(enforcement, world, response.action_id)

    sent = await world.calls("sendMessage")
    assert sorted(json.loads(s["params"]["reply_parameters"])["message_id"] for s in sent) == roots


async def test_release_restores_the_groups_permissions_and_removes_the_warning(
    world: Group, enforcement: Stub
) -> None:
    user = await world.member()
    enforced = await enforce(enforcement, world, user, "r:enforce")
    await done(enforcement, world, enforced.action_id)
    (sent,) = await world.calls("sendMessage")
    warning_id = sent["result"]["message_id"]

    released = await enforcement.Release(
        pb.ReleaseRequest(
            idempotency_key="r:release",
            group_id=world.group,
            user_id=user,
            reason=pb.ACTION_REASON_VERIFIED,
        )
    )
    await done(enforcement, world, released.action_id)

    assert (await world.control.member(world.group, user))["status"] == "member"
    assert [c["params"]["message_id"] for c in await world.calls("deleteMessage")] == [
        str(warning_id)
    ]
    held = await enforcement.ListRestrictedGroups(pb.ListRestrictedGroupsRequest(user_id=user))
    assert list(held.group_ids) == []


async def test_release_never_lifts_a_restriction_gmbot_did_not_impose(
    world: Group, enforcement: Stub
) -> None:
    user = await world.member()
    await world.control.set_member(
        world.group, user, "restricted", is_member=True, actor_id=world.owner
    )

    released = await enforcement.Release(
        pb.ReleaseRequest(idempotency_key="own", group_id=world.group, user_id=user)
    )
    await done(enforcement, world, released.action_id)

    assert await state_of(enforcement, world, released.action_id) == pb.ACTION_STATE_SKIPPED
    assert (await world.control.member(world.group, user))["status"] == "restricted"
    assert await world.calls("restrictChatMember") == []


async def test_restricted_groups_list_gmbots_own_mutes(world: Group, enforcement: Stub) -> None:
    user = await world.member()
    enforced = await enforce(enforcement, world, user, "list")
    await done(enforcement, world, enforced.action_id)

    held = await enforcement.ListRestrictedGroups(pb.ListRestrictedGroupsRequest(user_id=user))

    assert list(held.group_ids) == [world.group]


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
