"""Flows 2, 4 and 5 over fake back ends: a member joins the group; a member leaves or joins a
linked channel."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc
import pytest

from gmbot.gateway.backends import BackendUnavailable
from gmbot.gateway.flows.members import MemberChange, on_channel_member_changed, on_member_joined
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import membership_pb2 as membership
from gmbot.v1 import tenancy_pb2 as tenancy
from tests.unit.gateway.fakes import Fakes, rpc_error
from tests.unit.gateway.world import CHANNEL, GROUP, MALLORY, MEMBER, admins, everyone_is, protected


async def test_a_non_member_who_joins_is_muted_once_whichever_update_comes_first() -> None:
    fakes = Fakes()
    protected(fakes)
    fakes.membership.answer("GetChatAdministrators", admins())
    fakes.membership.answer("CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER))
    fakes.enforcement.answer("Enforce", enforcement.EnforceResponse(accepted=True))

    assert await on_member_joined(fakes.ctx, 200, GROUP, MALLORY) == "enforced"
    # The same join, announced again by the chat_member update.
    assert await on_member_joined(fakes.ctx, 201, GROUP, MALLORY) == "duplicate"

    [enforce] = fakes.enforcement.requests("Enforce")
    assert enforce.idempotency_key == "u200:join"
    assert enforce.reason == enforcement.ACTION_REASON_JOINED_UNVERIFIED
    assert enforce.action == enforcement.MEMBER_ACTION_MUTE
    assert enforce.message_id == 0


async def test_a_join_that_could_not_be_judged_can_be_judged_when_delivered_again() -> None:
    fakes = Fakes()
    protected(fakes)
    fakes.membership.answer("GetChatAdministrators", admins())
    fakes.membership.answer("CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER))
    fakes.enforcement.answer("Enforce", rpc_error(grpc.StatusCode.UNAVAILABLE))

    with pytest.raises(BackendUnavailable):
        await on_member_joined(fakes.ctx, 200, GROUP, MALLORY)
    fakes.enforcement.answer("Enforce", enforcement.EnforceResponse(accepted=True))

    assert await on_member_joined(fakes.ctx, 200, GROUP, MALLORY) == "enforced"
    assert len(fakes.enforcement.requests("Enforce")) == 2


def _channel_change(old: str, new: str) -> MemberChange:
    return MemberChange(
        update_id=400,
        chat_id=CHANNEL,
        person=MALLORY,
        old_status=old,
        new_status=new,
        is_member=False,
        date=datetime.now(UTC),
    )


async def test_leaving_a_channel_mutes_only_where_the_member_was_seen() -> None:
    fakes = Fakes()
    protected(fakes)
    elsewhere = -1001000000099  # links the channel, but the member was never seen there
    fakes.membership.answer(
        "RecordChatMemberUpdate",
        membership.RecordChatMemberUpdateResponse(status=membership.MEMBERSHIP_STATUS_NOT_MEMBER),
    )
    fakes.tenancy.answer(
        "ListChannelGroups", tenancy.ListChannelGroupsResponse(group_ids=[GROUP, elsewhere])
    )
    fakes.membership.answer("ListUserGroups", membership.ListUserGroupsResponse(group_ids=[GROUP]))
    fakes.membership.answer("GetChatAdministrators", admins())
    fakes.membership.answer("CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER))
    fakes.enforcement.answer("Enforce", enforcement.EnforceResponse(accepted=True))

    outcomes = await on_channel_member_changed(fakes.ctx, _channel_change("member", "left"))

    assert outcomes == [f"muted:{GROUP}"]
    [recorded] = fakes.membership.requests("RecordChatMemberUpdate")
    assert (recorded.chat_id, recorded.user_id) == (CHANNEL, MEMBER)
    assert recorded.new_status == membership.CHAT_MEMBER_STATUS_LEFT
    [enforce] = fakes.enforcement.requests("Enforce")
    assert enforce.idempotency_key == f"u400:left:{GROUP}"
    assert enforce.reason == enforcement.ACTION_REASON_LEFT_CHANNEL
    assert enforce.message_id == 0


async def test_joining_the_channel_releases_the_member_and_approves_a_waiting_request() -> None:
    fakes = Fakes()
    protected(fakes, gate_join_requests=True)
    fakes.membership.answer(
        "RecordChatMemberUpdate",
        membership.RecordChatMemberUpdateResponse(status=membership.MEMBERSHIP_STATUS_MEMBER),
    )
    fakes.enforcement.answer(
        "ListRestrictedGroups",
        enforcement.ListRestrictedGroupsResponse(
            group_ids=[GROUP], pending_join_request_group_ids=[GROUP]
        ),
    )
    fakes.membership.answer("CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_MEMBER))
    fakes.enforcement.answer("Release", enforcement.ReleaseResponse(accepted=True))
    fakes.enforcement.answer(
        "DecideJoinRequest", enforcement.DecideJoinRequestResponse(accepted=True)
    )

    outcomes = await on_channel_member_changed(fakes.ctx, _channel_change("left", "member"))

    assert outcomes == [f"released:{GROUP}", f"approved:{GROUP}"]
    [release] = fakes.enforcement.requests("Release")
    assert release.idempotency_key == f"u400:joined:{GROUP}"
    assert release.reason == enforcement.ACTION_REASON_JOINED_CHANNEL
    [decision] = fakes.enforcement.requests("DecideJoinRequest")
    assert decision.idempotency_key == f"u400:approve:{GROUP}"
    assert decision.decision == enforcement.JOIN_DECISION_APPROVE
