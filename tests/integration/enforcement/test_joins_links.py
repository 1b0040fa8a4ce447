"""Joins GMBot can count, as the ledger keeps them (PostgreSQL and SQLite): GMBot's link per
(channel, group) on the warning's buttons, made again when revoked, asking for approval where the
channel takes join requests; the requests pending per member and channel; channel
administrators' consent to GMBot's approvals, with who and when."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

import pytest

from gmbot.v1 import enforcement_pb2 as pb
from tests.integration.enforcement.calls import done, enforce
from tests.support.enforcement import Group, warning
from tests.support.waiting import eventually

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub as Stub


async def _link(
    enforcement: Stub, world: Group, approval: bool = False
) -> pb.CreateInviteLinkResponse:
    return await enforcement.CreateInviteLink(
        pb.CreateInviteLinkRequest(
            channel_id=world.channel, group_id=world.group, creates_join_request=approval
        )
    )


async def _links(world: Group) -> dict[str, dict[str, object]]:
    return {str(link["link"]): link for link in await world.control.invite_links(world.channel)}


async def test_a_link_telegram_names_revoked_is_made_again_and_remembered(
    world: Group, enforcement: Stub
) -> None:
    first = await _link(enforcement, world)
    await world.control.revoke_invite_link(world.channel, first.invite_link)
    # A join request approved after the revocation names the link, revoked.
    await enforcement.RecordChannelJoin(
        pb.RecordChannelJoinRequest(
            channel_id=world.channel,
            user_id=await world.member("Late"),
            invite_link=first.invite_link,
            invite_link_revoked=True,
        )
    )

    second = await _link(enforcement, world)
    third = await _link(enforcement, world)

    assert second.invite_link != first.invite_link
    assert third.invite_link == second.invite_link
    assert len(await world.calls("createChatInviteLink")) == 2
    assert (await _links(world))[second.invite_link]["is_revoked"] is False


@pytest.mark.parametrize("enforcement", [{"invite_link_check_seconds": 0}], indirect=True)
async def test_a_warning_carries_the_groups_own_link_and_a_revoked_one_is_replaced(
    world: Group, enforcement: Stub
) -> None:
    button = pb.JoinButton(text="Private", url="https://t.me/+primary", channel_id=world.channel)
    first_user, second_user = await world.member("A"), await world.member("B")

    first = await enforce(
        enforcement, world, first_user, "w1", warning=warning(join_buttons=[button])
    )
    await done(enforcement, world, first.action_id)
    (made,) = await world.calls("createChatInviteLink")
    await world.control.revoke_invite_link(world.channel, made["result"]["invite_link"])
    second = await enforce(
        enforcement, world, second_user, "w2", warning=warning(join_buttons=[button])
    )
    await done(enforcement, world, second.action_id)

    urls = [
        json.loads(sent["params"]["reply_markup"])["inline_keyboard"][0][0]["url"]
        for sent in await world.calls("sendMessage")
    ]
    links = await _links(world)
    assert urls[0] == made["result"]["invite_link"]
    assert urls[1] != urls[0]
    assert links[urls[1]]["is_revoked"] is False
    assert links[urls[1]]["name"] == f"GMBot · {world.group}"
    # Telegram was asked whether the kept link still worked before each warning used it.
    assert len(await world.calls("editChatInviteLink")) >= 1


async def test_a_warning_keeps_its_url_where_no_link_can_be_made(
    world: Group, enforcement: Stub
) -> None:
    await world.control.promote(world.channel, world.bot_id, {"can_post_messages": True})
    button = pb.JoinButton(text="News", url="https://t.me/news", channel_id=world.channel)

    sent = await enforce(
        enforcement, world, await world.member(), "w", warning=warning(join_buttons=[button])
    )
    await done(enforcement, world, sent.action_id)

    (message,) = await world.calls("sendMessage")
    keyboard = json.loads(message["params"]["reply_markup"])["inline_keyboard"]
    assert keyboard[0][0]["url"] == "https://t.me/news"


async def test_a_channel_seen_taking_join_requests_gets_an_approval_link_instead(
    world: Group, enforcement: Stub
) -> None:
    plain = await _link(enforcement, world)
    await enforcement.RecordChannelRequest(
        pb.RecordChannelRequestRequest(channel_id=world.channel, user_id=await world.member())
    )

    asking = await _link(enforcement, world)

    links = await _links(world)
    assert (plain.creates_join_request, asking.creates_join_request) == (False, True)
    assert links[plain.invite_link]["is_revoked"] is True  # it would bypass the approval
    assert links[asking.invite_link]["creates_join_request"] is True


async def test_the_owner_saying_so_makes_the_link_ask_for_approval_for_good(
    world: Group, enforcement: Stub
) -> None:
    asking = await _link(enforcement, world, approval=True)
    # A /protect again (or the setting turned off) asks without approval: the link stays.
    again = await _link(enforcement, world)

    assert asking.creates_join_request
    assert (again.invite_link, again.creates_join_request) == (asking.invite_link, True)
    assert (await _links(world))[asking.invite_link]["creates_join_request"] is True


async def test_a_request_is_pending_per_member_and_channel_until_the_member_joins(
    world: Group, enforcement: Stub
) -> None:
    ours = await _link(enforcement, world, approval=True)
    user, other = await world.member("Req"), await world.member("Other")

    recorded = await enforcement.RecordChannelRequest(
        pb.RecordChannelRequestRequest(
            channel_id=world.channel, user_id=user, invite_link=ours.invite_link
        )
    )
    again = await enforcement.RecordChannelRequest(
        pb.RecordChannelRequestRequest(channel_id=world.channel, user_id=user)
    )
    pending = await enforcement.ListPendingChannelRequests(
        pb.ListPendingChannelRequestsRequest(user_id=user)
    )
    nobody = await enforcement.ListPendingChannelRequests(
        pb.ListPendingChannelRequestsRequest(user_id=other)
    )
    await enforcement.RecordChannelJoin(
        pb.RecordChannelJoinRequest(
            channel_id=world.channel, user_id=user, invite_link=ours.invite_link
        )
    )
    after = await enforcement.ListPendingChannelRequests(
        pb.ListPendingChannelRequestsRequest(user_id=user)
    )
    ended = await enforcement.EndChannelRequest(
        pb.EndChannelRequestRequest(channel_id=world.channel, user_id=user)
    )

    # The group is the one whose link this request names; the pending request stays one.
    assert (recorded.group_id, again.group_id) == (world.group, 0)
    assert not recorded.consent.active
    assert (list(pending.channel_ids), list(nobody.channel_ids)) == ([world.channel], [])
    assert list(after.channel_ids) == []
    assert not ended.was_pending


async def test_a_request_declined_in_the_apps_ends_when_gmbots_approval_finds_it_gone(
    world: Group, enforcement: Stub
) -> None:
    ours = await _link(enforcement, world, approval=True)
    user = await world.member("Declined")
    await world.control.request_join(world.channel, user)
    await enforcement.RecordChannelRequest(
        pb.RecordChannelRequestRequest(
            channel_id=world.channel, user_id=user, invite_link=ours.invite_link
        )
    )
    # Declined in Telegram's apps: no bot is told.
    await world.control.decline_join_request(world.channel, user)
    await enforcement.DecideJoinRequest(
        pb.DecideJoinRequestRequest(
            idempotency_key="declined:approve",
            group_id=world.channel,
            user_id=user,
            decision=pb.JOIN_DECISION_APPROVE,
        )
    )

    async def pending_no_more() -> bool:
        pending = await enforcement.ListPendingChannelRequests(
            pb.ListPendingChannelRequestsRequest(user_id=user)
        )
        return list(pending.channel_ids) == []

    await eventually(pending_no_more, 10)
    (approval,) = await world.calls("approveChatJoinRequest")
    assert "HIDE_REQUESTER_MISSING" in approval["description"]
    assert (await world.control.member(world.channel, user))["status"] == "left"


async def test_consent_records_who_and_when_and_can_be_withdrawn(
    world: Group, enforcement: Stub
) -> None:
    before = await enforcement.GetJoinConsent(pb.GetJoinConsentRequest(channel_id=world.channel))
    given = await enforcement.SetJoinConsent(
        pb.SetJoinConsentRequest(channel_id=world.channel, user_id=world.owner, given=True)
    )
    request = await enforcement.RecordChannelRequest(
        pb.RecordChannelRequestRequest(channel_id=world.channel, user_id=await world.member())
    )
    withdrawn = await enforcement.SetJoinConsent(
        pb.SetJoinConsentRequest(channel_id=world.channel, user_id=7, given=False)
    )
    kept = await enforcement.GetJoinConsent(pb.GetJoinConsentRequest(channel_id=world.channel))

    assert before.consent == pb.JoinConsent()
    assert (given.consent.active, given.consent.user_id) == (True, world.owner)
    assert abs(given.consent.consented_at - time.time()) < 60
    assert request.consent.active
    assert (withdrawn.consent.active, withdrawn.consent.withdrawn_by) == (False, 7)
    assert kept.consent.user_id == world.owner  # who consented stays on record
    assert kept.consent.withdrawn_at >= kept.consent.consented_at
