"""A channel's join requests over fake back ends: recorded as pending, counted as joined where
the group says so (and only when it can be told), and approved by GMBot only on a channel
administrator's consent, for a member of the group whose link the request came by."""

from __future__ import annotations

import grpc

from gmbot.gateway.flows import channel_requests
from gmbot.gateway.flows.context import Person
from gmbot.gateway.flows.verdicts import judge
from gmbot.gateway.texts import say
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import membership_pb2 as membership
from tests.unit.gateway.fakes import Fakes, rpc_error
from tests.unit.gateway.world import (
    CHANNEL,
    GROUP,
    MALLORY,
    MEMBER,
    OLGA,
    admins,
    everyone_is,
    protected,
)

LINK = "https://t.me/+gmbot"


def _requested(fakes: Fakes, *, consent: bool, group_id: int = GROUP) -> None:
    fakes.enforcement.answer(
        "RecordChannelRequest",
        enforcement.RecordChannelRequestResponse(
            group_id=group_id, consent=enforcement.JoinConsent(active=consent, user_id=OLGA.user_id)
        ),
    )


def _held_in_the_group(fakes: Fakes) -> None:
    fakes.enforcement.answer(
        "ListRestrictedGroups", enforcement.ListRestrictedGroupsResponse(group_ids=[GROUP])
    )
    fakes.membership.answer("CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER))


async def test_a_pending_request_lets_the_member_go_where_it_counts_as_joined() -> None:
    fakes = Fakes()
    protected(fakes, pending_request_counts_as_joined=True)
    _requested(fakes, consent=False)
    _held_in_the_group(fakes)
    fakes.enforcement.answer(
        "ListPendingChannelRequests",
        enforcement.ListPendingChannelRequestsResponse(channel_ids=[CHANNEL]),
    )
    fakes.enforcement.answer("Release", enforcement.ReleaseResponse(accepted=True))

    outcome = await channel_requests.on_channel_request(fakes.ctx, 9, CHANNEL, MALLORY, LINK)

    assert outcome == f"pending:released:{GROUP}"
    [recorded] = fakes.enforcement.requests("RecordChannelRequest")
    assert (recorded.channel_id, recorded.user_id, recorded.invite_link) == (CHANNEL, MEMBER, LINK)
    assert fakes.enforcement.requests("DecideJoinRequest") == []


async def test_a_pending_request_counts_for_nothing_by_default() -> None:
    fakes = Fakes()
    protected(fakes)
    _requested(fakes, consent=False)
    _held_in_the_group(fakes)

    assert await channel_requests.on_channel_request(fakes.ctx, 9, CHANNEL, MALLORY, LINK) == (
        "pending"
    )
    assert fakes.enforcement.requests("ListPendingChannelRequests") == []
    assert fakes.enforcement.requests("Release") == []


async def test_pending_requests_unknown_punish_nobody() -> None:
    fakes = Fakes()
    policy = protected(fakes, pending_request_counts_as_joined=True)
    fakes.membership.answer("CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER))
    fakes.enforcement.answer("ListPendingChannelRequests", rpc_error(grpc.StatusCode.UNAVAILABLE))

    verdict = await judge(fakes.ctx, policy, MEMBER)

    assert verdict.missing == ()
    assert [c.channel_id for c in verdict.unknown] == [CHANNEL]
    assert not verdict.in_good_standing


async def test_with_consent_gmbot_approves_a_member_of_the_group_whose_link_it_was() -> None:
    fakes = Fakes()
    protected(fakes)
    _requested(fakes, consent=True)
    fakes.membership.answer("ListUserGroups", membership.ListUserGroupsResponse(group_ids=[GROUP]))
    fakes.enforcement.answer(
        "DecideJoinRequest", enforcement.DecideJoinRequestResponse(accepted=True)
    )

    outcome = await channel_requests.on_channel_request(fakes.ctx, 9, CHANNEL, MALLORY, LINK)

    assert outcome == "approved"
    [decision] = fakes.enforcement.requests("DecideJoinRequest")
    assert (decision.group_id, decision.user_id) == (CHANNEL, MEMBER)
    assert decision.decision == enforcement.JOIN_DECISION_APPROVE


async def test_with_consent_a_stranger_to_the_group_still_waits_for_the_channel() -> None:
    fakes = Fakes()
    protected(fakes)
    _requested(fakes, consent=True)
    fakes.membership.answer("ListUserGroups", membership.ListUserGroupsResponse(group_ids=[]))
    fakes.enforcement.answer("ListRestrictedGroups", enforcement.ListRestrictedGroupsResponse())

    outcome = await channel_requests.on_channel_request(fakes.ctx, 9, CHANNEL, MALLORY, LINK)

    assert outcome == "pending"
    assert fakes.enforcement.requests("DecideJoinRequest") == []


async def test_only_an_administrator_of_the_channel_gives_its_consent() -> None:
    fakes = Fakes()
    policy = protected(fakes)
    fakes.membership.answer("GetChatAdministrators", admins())  # the channel's: Olga, the bot
    fakes.enforcement.answer("GetJoinConsent", enforcement.GetJoinConsentResponse())
    fakes.enforcement.answer(
        "SetJoinConsent",
        enforcement.SetJoinConsentResponse(
            consent=enforcement.JoinConsent(active=True, user_id=OLGA.user_id)
        ),
    )

    refused = await channel_requests.toggle_consent(fakes.ctx, policy, 0, Person(99, "Gail"), "en")
    given = await channel_requests.toggle_consent(fakes.ctx, policy, 0, OLGA, "en")

    assert refused == say("en", "approvals_only_channel_admins", channel="@news")
    assert given == say("en", "approvals_given", channel="@news")
    [consent] = fakes.enforcement.requests("SetJoinConsent")
    assert (consent.channel_id, consent.user_id, consent.given) == (CHANNEL, OLGA.user_id, True)
