"""Flows 2, 4 and 5 over fake back ends: a member joins the group; a member leaves or joins a
linked channel."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import grpc
import pytest

from gmbot.gateway.clients.backends import BackendUnavailable
from gmbot.gateway.flows.context import GROUP_ANONYMOUS_BOT
from gmbot.gateway.flows.members import MemberChange, on_channel_member_changed, on_member_joined
from gmbot.gateway.flows.undo import on_member_changed
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import membership_pb2 as membership
from gmbot.v1 import tenancy_pb2 as tenancy
from tests.unit.gateway.fakes import BOT_ID, Fakes, rpc_error
from tests.unit.gateway.world import (
    CHANNEL,
    GROUP,
    MALLORY,
    MEMBER,
    OWNER,
    admins,
    everyone_is,
    policy,
    protected,
)


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


# -- Other people's actions win (issue 21): a group's chat_member update by someone else.

CAPTCHA_BOT = 777


def _group_change(
    old: str,
    new: str,
    *,
    actor: int = OWNER,
    actor_is_bot: bool = False,
    old_can: bool = False,
    new_can: bool = False,
) -> MemberChange:
    """A change of Mallory in the group, made by `actor`; Mallory wore a mute before."""
    return MemberChange(
        update_id=500,
        chat_id=GROUP,
        person=MALLORY,
        old_status=old,
        new_status=new,
        is_member=new == "restricted",
        date=datetime.now(UTC),
        old_is_member=True,
        actor_id=actor,
        actor_is_bot=actor_is_bot,
        old_can_send=old_can,
        new_can_send=new_can,
    )


def _ours(fakes: Fakes) -> None:
    """GMBot holds a mute on Mallory in the group; enforcement takes releases."""
    fakes.enforcement.answer(
        "ListRestrictedGroups", enforcement.ListRestrictedGroupsResponse(group_ids=[GROUP])
    )
    fakes.enforcement.answer("Release", enforcement.ReleaseResponse(accepted=True))


def _exempting(fakes: Fakes, answer: Any) -> None:
    fakes.tenancy.answer("ChangeExemptUsers", answer)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(_group_change("restricted", "kicked"), id="an admin's ban"),
        pytest.param(_group_change("restricted", "restricted"), id="an admin's restriction"),
        pytest.param(
            _group_change("restricted", "restricted", actor=CAPTCHA_BOT, actor_is_bot=True),
            id="another bot's restriction",
        ),
        pytest.param(
            _group_change("restricted", "kicked", actor=CAPTCHA_BOT, actor_is_bot=True),
            id="another bot's ban",
        ),
        pytest.param(_group_change("restricted", "administrator"), id="a promotion"),
    ],
)
async def test_an_admins_or_another_bots_action_ends_gmbots_record(change: MemberChange) -> None:
    """No renewal, no scheduled kick, no unban or unmute over it: enforcement lifts nothing."""
    fakes = Fakes()
    protected(fakes)
    _ours(fakes)

    assert await on_member_changed(fakes.ctx, change) == "overruled"

    [release] = fakes.enforcement.requests("Release")
    assert (release.group_id, release.user_id) == (GROUP, MEMBER)
    assert release.reason == enforcement.ACTION_REASON_OVERRULED
    assert release.idempotency_key == "u500:overruled"
    assert fakes.calls == ["enforcement.Release"]  # never an exemption


async def test_an_unmute_by_another_bot_is_not_an_exemption() -> None:
    """Before: a captcha bot lifting its own restriction exempted the member for good."""
    fakes = Fakes()
    protected(fakes)
    _ours(fakes)

    unmuted = _group_change("restricted", "member", actor=CAPTCHA_BOT, actor_is_bot=True)
    outcome = await on_member_changed(fakes.ctx, unmuted)

    assert outcome == "overruled"
    assert fakes.calls == ["enforcement.Release"]
    [release] = fakes.enforcement.requests("Release")
    assert release.reason == enforcement.ACTION_REASON_OVERRULED


@pytest.mark.parametrize(
    ("actor", "actor_is_bot"), [(OWNER, False), (GROUP_ANONYMOUS_BOT, True)], ids=["named", "anon"]
)
async def test_an_admins_unmute_by_hand_exempts_the_member(actor: int, actor_is_bot: bool) -> None:
    """An anonymous administrator shows as @GroupAnonymousBot: a person all the same."""
    fakes = Fakes()
    protected(fakes)
    _ours(fakes)
    _exempting(fakes, tenancy.ChangeExemptUsersResponse(policy=policy(), added=[MEMBER]))

    unmuted = _group_change("restricted", "member", actor=actor, actor_is_bot=actor_is_bot)

    assert await on_member_changed(fakes.ctx, unmuted) == "lifted-by-admin"
    [release] = fakes.enforcement.requests("Release")
    assert release.reason == enforcement.ACTION_REASON_LIFTED_BY_ADMIN
    [exempted] = fakes.tenancy.requests("ChangeExemptUsers")
    assert list(exempted.add) == [MEMBER]


async def test_a_full_exempt_list_does_not_make_a_dead_letter() -> None:
    """Before: tenancy's refusal (the list at its cap) failed the update, retried into a dead
    letter; the admin's unmute was already carried out and is kept."""
    fakes = Fakes()
    protected(fakes)
    _ours(fakes)
    _exempting(fakes, rpc_error(grpc.StatusCode.INVALID_ARGUMENT, "exempt_user_ids: at most"))

    unmuted = _group_change("restricted", "member")

    assert await on_member_changed(fakes.ctx, unmuted) == "lifted-by-admin-not-exempt"
    [release] = fakes.enforcement.requests("Release")
    assert release.reason == enforcement.ACTION_REASON_LIFTED_BY_ADMIN


@pytest.mark.parametrize(
    "change",
    [
        _group_change("restricted", "member", actor=BOT_ID, actor_is_bot=True),  # GMBot's unmute
        _group_change("restricted", "left", actor=MEMBER),  # left by themselves
        _group_change("left", "member"),  # added by an admin: a join
        _group_change("restricted", "kicked", actor=0),  # nobody known
        _group_change("kicked", "left"),  # the unban ending a kick: the ban ended the record
    ],
    ids=["gmbot", "themselves", "added", "unknown", "the unban after a ban"],
)
async def test_changes_by_gmbot_the_member_or_nobody_known_change_nothing(
    change: MemberChange,
) -> None:
    fakes = Fakes()
    protected(fakes)

    assert await on_member_changed(fakes.ctx, change) == "none"
    assert fakes.calls == []


async def test_a_ban_in_a_group_never_protected_asks_nothing_of_enforcement() -> None:
    fakes = Fakes()
    fakes.tenancy.answer("GetGroupPolicy", rpc_error(grpc.StatusCode.NOT_FOUND))

    assert await on_member_changed(fakes.ctx, _group_change("member", "kicked")) == "unprotected"
    assert fakes.calls == ["tenancy.GetGroupPolicy"]
