"""A member's own view in private, over fake back ends: every group GMBot holds them in, what
each still needs (with GMBot's link as enforcement keeps it now, never a stale copy), and one "I
have joined" for all of them."""

from __future__ import annotations

import grpc

from gmbot.gateway.clients.tenancy import policy_from
from gmbot.gateway.flows.member_view import CHECK, check_all, open_view
from gmbot.gateway.flows.verdicts import member_view_link
from gmbot.gateway.texts import say
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import membership_pb2 as membership
from gmbot.v1 import tenancy_pb2 as tenancy
from tests.unit.gateway.fakes import Fakes, rpc_error
from tests.unit.gateway.world import CHANNEL, GROUP, MALLORY, MEMBER, everyone_is, policy, protected

OTHER_GROUP = -1001000000009


def _link(channel_id: int, group_id: int) -> str:
    """The link enforcement keeps for the channel and group (GMBot's, counted for the group)."""
    return f"https://t.me/+c{abs(channel_id)}g{abs(group_id)}"


def _links_kept(fakes: Fakes) -> None:
    fakes.enforcement.answer(
        "CreateInviteLink",
        lambda r: enforcement.CreateInviteLinkResponse(invite_link=_link(r.channel_id, r.group_id)),
    )


def _two_groups(fakes: Fakes) -> None:
    """The member is muted in the world's group and waits to be let into another."""
    protected(fakes)
    _links_kept(fakes)
    other = policy()
    other.group_id, other.title = OTHER_GROUP, "Other chat"
    other.channels.append(
        tenancy.Channel(
            channel_id=CHANNEL - 5,
            title="Deals",
            username="deals",
            bot_rights=tenancy.CHANNEL_RIGHTS_OK,
        )
    )
    fakes.ctx.policies.remember(OTHER_GROUP, policy_from(other))
    fakes.enforcement.answer(
        "ListRestrictedGroups",
        enforcement.ListRestrictedGroupsResponse(
            group_ids=[GROUP], pending_join_request_group_ids=[OTHER_GROUP]
        ),
    )


def _buttons(rows: tuple[tuple[object, ...], ...]) -> list[str]:
    return [str(getattr(b, "url", "") or getattr(b, "data", "")) for row in rows for b in row]


async def test_a_member_muted_after_the_warning_expired_sees_every_group_and_channel() -> None:
    fakes = Fakes()
    _two_groups(fakes)
    fakes.membership.answer("CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER))

    view = await open_view(fakes.ctx, MEMBER, "en")

    assert view is not None
    assert say("en", "member_view_group", group="Chat") in view.text
    assert say("en", "member_view_group", group="Other chat") in view.text
    # Each channel once, however many groups need it (the first group's link: the groups go by
    # id), then the one button for everything.
    assert _buttons(view.rows) == [
        _link(CHANNEL, OTHER_GROUP),
        _link(CHANNEL - 5, OTHER_GROUP),
        CHECK,
    ]


async def test_a_private_channels_link_remade_after_a_revoke_is_the_one_shown() -> None:
    fakes = Fakes()
    held = policy()
    held.channels[0].username, held.channels[0].invite_link = "", "https://t.me/+revoked"
    fakes.ctx.policies.remember(GROUP, policy_from(held))
    fakes.enforcement.answer(
        "ListRestrictedGroups", enforcement.ListRestrictedGroupsResponse(group_ids=[GROUP])
    )
    fakes.membership.answer("CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER))
    _links_kept(fakes)

    remade = await open_view(fakes.ctx, MEMBER, "en")
    fakes.enforcement.answer("CreateInviteLink", rpc_error(grpc.StatusCode.UNAVAILABLE))
    unreachable = await open_view(fakes.ctx, MEMBER, "en")

    assert remade is not None
    assert unreachable is not None
    assert _buttons(remade.rows) == [_link(CHANNEL, GROUP), CHECK]
    asked = fakes.enforcement.requests("CreateInviteLink")[0]
    assert (asked.channel_id, asked.group_id) == (CHANNEL, GROUP)
    # Enforcement cannot answer now: the link /protect saw, rather than no button.
    assert _buttons(unreachable.rows) == ["https://t.me/+revoked", CHECK]


async def test_a_member_held_nowhere_gets_no_view() -> None:
    fakes = Fakes()
    fakes.enforcement.answer("ListRestrictedGroups", enforcement.ListRestrictedGroupsResponse())

    assert await open_view(fakes.ctx, MEMBER, "en") is None


async def test_i_have_joined_in_private_lifts_every_mute_it_can_and_says_what_is_left() -> None:
    fakes = Fakes()
    _two_groups(fakes)

    def follows_news_only(
        request: membership.CheckMembershipRequest,
    ) -> membership.CheckMembershipResponse:
        return membership.CheckMembershipResponse(
            channels=[
                membership.ChannelMembership(
                    channel_id=c,
                    status=membership.MEMBERSHIP_STATUS_MEMBER
                    if c == CHANNEL
                    else membership.MEMBERSHIP_STATUS_NOT_MEMBER,
                    source=membership.ANSWER_SOURCE_TELEGRAM,
                )
                for c in request.channel_ids
            ]
        )

    fakes.membership.answer("CheckMembership", follows_news_only)
    fakes.enforcement.answer("Release", enforcement.ReleaseResponse(accepted=True))

    view = await check_all(fakes.ctx, MALLORY, "en", "q1")

    assert say("en", "member_view_free", group="Chat") in view.text
    assert say("en", "member_view_missing", group="Other chat", channels="Deals") in view.text
    assert all(check.fresh for check in fakes.membership.requests("CheckMembership"))
    [release] = fakes.enforcement.requests("Release")
    assert (release.group_id, release.user_id) == (GROUP, MEMBER)
    assert release.idempotency_key == f"verify:q1:{GROUP}"
    assert fakes.enforcement.requests("DecideJoinRequest") == []
    assert _buttons(view.rows) == [_link(CHANNEL - 5, OTHER_GROUP), CHECK]


async def test_a_press_repeated_at_once_checks_nothing_again() -> None:
    fakes = Fakes()
    _two_groups(fakes)
    fakes.membership.answer("CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_MEMBER))
    fakes.enforcement.answer("Release", enforcement.ReleaseResponse(accepted=True))
    fakes.enforcement.answer(
        "DecideJoinRequest", enforcement.DecideJoinRequestResponse(accepted=True)
    )

    first = await check_all(fakes.ctx, MALLORY, "en", "q1")
    calls = len(fakes.calls)
    again = await check_all(fakes.ctx, MALLORY, "en", "q2")

    assert first == again
    assert len(fakes.calls) == calls
    assert say("en", "member_view_approved", group="Other chat") in first.text
    assert CHECK not in _buttons(first.rows)  # nothing left to check


async def test_the_view_speaks_the_members_language_not_the_groups() -> None:
    fakes = Fakes()
    _two_groups(fakes)
    fakes.membership.answer("CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER))

    view = await open_view(fakes.ctx, MEMBER, "uk")

    assert view is not None
    assert view.text.startswith(say("uk", "member_view"))


def test_the_warnings_deep_link_opens_the_view() -> None:
    assert member_view_link("gmbot") == "https://t.me/gmbot?start=mutes"
