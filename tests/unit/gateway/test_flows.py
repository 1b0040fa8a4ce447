"""Flows 1-8 over fake back ends: what each decision asks of tenancy, membership and enforcement,
and what it never asks (no mute on an unknown answer, no call for a member already known)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import grpc
import pytest

from gmbot.gateway.backends import BackendRefused, BackendUnavailable
from gmbot.gateway.flows import commands, settings, settings_panel
from gmbot.gateway.flows.bot_status import BotStatus, Notice, on_bot_status_changed, welcome
from gmbot.gateway.flows.commands import ChannelInfo, GroupCommand, Refusal
from gmbot.gateway.flows.context import GroupMessage, Person
from gmbot.gateway.flows.join_requests import on_join_request
from gmbot.gateway.flows.members import MemberChange, on_channel_member_changed, on_member_joined
from gmbot.gateway.flows.messages import on_group_message
from gmbot.gateway.flows.verify import Answer, on_verify_pressed
from gmbot.gateway.texts import Html, say
from gmbot.runtime.callbacks import VerifyButton, sign
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import membership_pb2 as membership
from gmbot.v1 import tenancy_pb2 as tenancy
from tests.unit.gateway.fakes import BOT_ID, SIGNING_KEY, Canned, Fakes, rpc_error

GROUP = -1001000000001
CHANNEL = -1001000000002
OWNER = 11
MEMBER = 22
MALLORY = Person(MEMBER, "Mallory")
OLGA = Person(OWNER, "Olga")


def _policy(**settings: Any) -> tenancy.GroupPolicy:
    return tenancy.GroupPolicy(
        group_id=GROUP,
        title="Chat",
        owner_user_id=OWNER,
        enabled=True,
        version=3,
        channels=[
            tenancy.Channel(
                channel_id=CHANNEL,
                title="News",
                username="news",
                bot_rights=tenancy.CHANNEL_RIGHTS_OK,
            )
        ],
        settings=tenancy.GroupSettings(
            language="en",
            action=tenancy.ENFORCEMENT_ACTION_MUTE,
            check_on_join=True,
            warning_ttl_seconds=300,
            kick_after_minutes=30,
            **settings,
        ),
    )


def _protected(fakes: Fakes, **settings: Any) -> tenancy.GroupPolicy:
    """The group's policy, already in the gateway's cache (no GetGroupPolicy needed)."""
    policy = _policy(**settings)
    fakes.ctx.policies.remember(GROUP, policy)
    return policy


def _admins(*user_ids: int) -> membership.GetChatAdministratorsResponse:
    """The owner and the bot, with every right that matters, plus `user_ids`."""
    return membership.GetChatAdministratorsResponse(
        administrators=[
            membership.ChatAdministrator(user_id=user_id, is_owner=user_id == OWNER)
            for user_id in (OWNER, *user_ids)
        ]
        + [
            membership.ChatAdministrator(
                user_id=BOT_ID,
                is_bot=True,
                can_restrict_members=True,
                can_delete_messages=True,
                can_invite_users=True,
            )
        ],
        source=membership.ANSWER_SOURCE_CACHE,
    )


def _everyone_is(
    status: membership.MembershipStatus.ValueType,
) -> Callable[[membership.CheckMembershipRequest], membership.CheckMembershipResponse]:
    def answer(request: membership.CheckMembershipRequest) -> membership.CheckMembershipResponse:
        return membership.CheckMembershipResponse(
            channels=[
                membership.ChannelMembership(
                    channel_id=channel, status=status, source=membership.ANSWER_SOURCE_TELEGRAM
                )
                for channel in request.channel_ids
            ]
        )

    return answer


def _message(update_id: int = 100, sender: Person = MALLORY) -> GroupMessage:
    return GroupMessage(
        update_id=update_id, chat_id=GROUP, chat_title="Chat", message_id=555, sender=sender
    )


# Flow 1: a message in a protected group.


async def test_a_known_members_message_is_allowed_without_a_single_call() -> None:
    fakes = Fakes()
    _protected(fakes)
    near = fakes.ctx.near
    near.went_live()
    near.remember_admins(GROUP, frozenset({OWNER, BOT_ID}))
    near.remember_answer(MEMBER, CHANNEL, membership.MEMBERSHIP_STATUS_MEMBER, time.time())

    assert await on_group_message(fakes.ctx, _message()) == "allowed"
    assert fakes.calls == []


async def test_a_non_members_message_becomes_one_enforce_request() -> None:
    fakes = Fakes()
    _protected(fakes)
    fakes.membership.answer("GetChatAdministrators", _admins())
    fakes.membership.answer(
        "CheckMembership", _everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER)
    )
    fakes.enforcement.answer("Enforce", enforcement.EnforceResponse(accepted=True))

    assert await on_group_message(fakes.ctx, _message(update_id=100)) == "enforced"

    [check] = fakes.membership.requests("CheckMembership")
    assert (check.user_id, list(check.channel_ids), check.fresh) == (MEMBER, [CHANNEL], False)
    [enforce] = fakes.enforcement.requests("Enforce")
    assert enforce.idempotency_key == "u100:message"
    assert (enforce.group_id, enforce.user_id, enforce.message_id) == (GROUP, MEMBER, 555)
    assert enforce.reason == enforcement.ACTION_REASON_NOT_SUBSCRIBED
    assert enforce.action == enforcement.MEMBER_ACTION_MUTE
    assert enforce.kick_after_minutes == 30
    assert not enforce.HasField("observe")
    assert enforce.warning.user_display_name == "Mallory"
    assert enforce.warning.group_title == "Chat"
    assert [(b.text, b.url) for b in enforce.warning.join_buttons] == [
        ("News", "https://t.me/news")
    ]
    assert fakes.calls == [
        "membership.GetChatAdministrators",
        "membership.CheckMembership",
        "enforcement.Enforce",
    ]


async def test_an_observing_group_only_records_what_it_would_do() -> None:
    fakes = Fakes()
    _protected(fakes, mode=tenancy.GROUP_MODE_OBSERVE)
    fakes.membership.answer("GetChatAdministrators", _admins())
    fakes.membership.answer(
        "CheckMembership", _everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER)
    )
    fakes.enforcement.answer("Enforce", enforcement.EnforceResponse(accepted=True))

    assert await on_group_message(fakes.ctx, _message()) == "observed"

    [enforce] = fakes.enforcement.requests("Enforce")
    assert enforce.observe.digest_user_id == OWNER


@pytest.mark.parametrize(
    ("admins", "check"),
    [
        pytest.param(
            _admins(),
            _everyone_is(membership.MEMBERSHIP_STATUS_UNKNOWN),
            id="membership answers unknown",
        ),
        pytest.param(_admins(), rpc_error(grpc.StatusCode.UNAVAILABLE), id="membership is down"),
        # Not a member, but maybe an admin: not worth the risk of muting one.
        pytest.param(
            rpc_error(grpc.StatusCode.UNAVAILABLE),
            _everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER),
            id="the admin list cannot be read",
        ),
    ],
)
async def test_unknown_membership_never_mutes(admins: Canned, check: Canned) -> None:
    fakes = Fakes()
    _protected(fakes)
    fakes.membership.answer("GetChatAdministrators", admins)
    fakes.membership.answer("CheckMembership", check)

    assert await on_group_message(fakes.ctx, _message()) == "unknown-allowed"

    assert fakes.enforcement.calls == []
    assert len(fakes.ctx.second_look) == 1  # judged again later


async def test_unknown_membership_in_a_delete_group_deletes_quietly_and_never_mutes() -> None:
    fakes = Fakes()
    _protected(fakes, on_unknown=tenancy.UNKNOWN_POLICY_DELETE_MESSAGE)
    fakes.membership.answer("GetChatAdministrators", _admins())
    fakes.membership.answer("CheckMembership", _everyone_is(membership.MEMBERSHIP_STATUS_UNKNOWN))
    fakes.enforcement.answer("Enforce", enforcement.EnforceResponse(accepted=True))

    assert await on_group_message(fakes.ctx, _message(update_id=101)) == "unknown-deleted"

    [enforce] = fakes.enforcement.requests("Enforce")
    assert enforce.idempotency_key == "u101:unknown"
    assert enforce.action == enforcement.MEMBER_ACTION_DELETE_ONLY
    assert not enforce.HasField("warning")


async def test_an_admins_message_is_never_judged() -> None:
    fakes = Fakes()
    _protected(fakes)
    fakes.membership.answer("GetChatAdministrators", _admins(MEMBER))

    assert await on_group_message(fakes.ctx, _message()) == "exempt"
    assert fakes.calls == ["membership.GetChatAdministrators"]


async def test_enforcement_down_leaves_the_message_to_be_retried() -> None:
    fakes = Fakes()
    _protected(fakes)
    fakes.membership.answer("GetChatAdministrators", _admins())
    fakes.membership.answer(
        "CheckMembership", _everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER)
    )
    fakes.enforcement.answer(
        "Enforce", rpc_error(grpc.StatusCode.UNAVAILABLE, "connection refused")
    )

    with pytest.raises(BackendUnavailable) as failed:
        await on_group_message(fakes.ctx, _message())

    assert (failed.value.service, failed.value.status) == ("enforcement", "UNAVAILABLE")


async def test_enforcement_refusing_is_not_mistaken_for_an_outage() -> None:
    fakes = Fakes()
    _protected(fakes)
    fakes.membership.answer("GetChatAdministrators", _admins())
    fakes.membership.answer(
        "CheckMembership", _everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER)
    )
    fakes.enforcement.answer("Enforce", rpc_error(grpc.StatusCode.INTERNAL, "boom"))

    with pytest.raises(BackendRefused) as failed:
        await on_group_message(fakes.ctx, _message())

    assert not isinstance(failed.value, BackendUnavailable)
    assert failed.value.message == "boom"


# Flow 2: a member joins.


async def test_a_non_member_who_joins_is_muted_once_whichever_update_comes_first() -> None:
    fakes = Fakes()
    _protected(fakes)
    fakes.membership.answer("GetChatAdministrators", _admins())
    fakes.membership.answer(
        "CheckMembership", _everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER)
    )
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
    _protected(fakes)
    fakes.membership.answer("GetChatAdministrators", _admins())
    fakes.membership.answer(
        "CheckMembership", _everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER)
    )
    fakes.enforcement.answer("Enforce", rpc_error(grpc.StatusCode.UNAVAILABLE))

    with pytest.raises(BackendUnavailable):
        await on_member_joined(fakes.ctx, 200, GROUP, MALLORY)
    fakes.enforcement.answer("Enforce", enforcement.EnforceResponse(accepted=True))

    assert await on_member_joined(fakes.ctx, 200, GROUP, MALLORY) == "enforced"
    assert len(fakes.enforcement.requests("Enforce")) == 2


# Flow 3: a join request in a group that gates them.


async def test_a_join_request_from_a_subscriber_is_approved() -> None:
    fakes = Fakes()
    _protected(fakes, gate_join_requests=True)
    fakes.membership.answer("CheckMembership", _everyone_is(membership.MEMBERSHIP_STATUS_MEMBER))
    fakes.enforcement.answer(
        "DecideJoinRequest", enforcement.DecideJoinRequestResponse(accepted=True)
    )

    assert await on_join_request(fakes.ctx, 300, GROUP, MALLORY, user_chat_id=MEMBER) == "approved"

    [decision] = fakes.enforcement.requests("DecideJoinRequest")
    assert decision.idempotency_key == "u300:join-request"
    assert decision.decision == enforcement.JOIN_DECISION_APPROVE
    assert decision.reason == enforcement.ACTION_REASON_VERIFIED


async def test_a_join_request_from_a_non_subscriber_waits_and_is_told_what_to_join() -> None:
    fakes = Fakes()
    _protected(fakes, gate_join_requests=True)
    fakes.membership.answer(
        "CheckMembership", _everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER)
    )
    fakes.enforcement.answer(
        "DecideJoinRequest", enforcement.DecideJoinRequestResponse(accepted=True)
    )

    assert await on_join_request(fakes.ctx, 300, GROUP, MALLORY, user_chat_id=MEMBER) == "waiting"

    [decision] = fakes.enforcement.requests("DecideJoinRequest")
    assert decision.decision == enforcement.JOIN_DECISION_WAIT
    assert decision.user_chat_id == MEMBER
    assert [b.url for b in decision.notice.join_buttons] == ["https://t.me/news"]


async def test_a_join_request_is_never_declined_for_an_unknown_answer() -> None:
    fakes = Fakes()
    _protected(fakes, gate_join_requests=True)
    fakes.membership.answer("CheckMembership", rpc_error(grpc.StatusCode.UNAVAILABLE))

    assert await on_join_request(fakes.ctx, 300, GROUP, MALLORY, user_chat_id=MEMBER) == "unknown"
    assert fakes.enforcement.calls == []


# Flows 4 and 5: a member leaves or joins a linked channel.


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
    _protected(fakes)
    elsewhere = -1001000000099  # links the channel, but the member was never seen there
    fakes.membership.answer(
        "RecordChatMemberUpdate",
        membership.RecordChatMemberUpdateResponse(status=membership.MEMBERSHIP_STATUS_NOT_MEMBER),
    )
    fakes.tenancy.answer(
        "ListChannelGroups", tenancy.ListChannelGroupsResponse(group_ids=[GROUP, elsewhere])
    )
    fakes.membership.answer("ListUserGroups", membership.ListUserGroupsResponse(group_ids=[GROUP]))
    fakes.membership.answer("GetChatAdministrators", _admins())
    fakes.membership.answer(
        "CheckMembership", _everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER)
    )
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
    _protected(fakes, gate_join_requests=True)
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
    fakes.membership.answer("CheckMembership", _everyone_is(membership.MEMBERSHIP_STATUS_MEMBER))
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


# Flow 6: "I have joined".


def _button(user_id: int = MEMBER) -> str:
    return sign(SIGNING_KEY, VerifyButton(GROUP, user_id))


async def test_a_member_who_joined_is_let_go_and_told_so() -> None:
    fakes = Fakes()
    _protected(fakes)
    fakes.membership.answer("CheckMembership", _everyone_is(membership.MEMBERSHIP_STATUS_MEMBER))
    fakes.enforcement.answer(
        "ListRestrictedGroups", enforcement.ListRestrictedGroupsResponse(group_ids=[GROUP])
    )
    fakes.enforcement.answer("Release", enforcement.ReleaseResponse(accepted=True))

    answer = await on_verify_pressed(fakes.ctx, SIGNING_KEY, _button(), MALLORY, "q1")

    assert answer == Answer(say("en", "verify_ok"), alert=False)
    [check] = fakes.membership.requests("CheckMembership")
    assert check.fresh  # the press skips every cache
    [release] = fakes.enforcement.requests("Release")
    assert release.idempotency_key == "verify:q1"
    assert (release.group_id, release.user_id) == (GROUP, MEMBER)
    assert release.reason == enforcement.ACTION_REASON_VERIFIED


async def test_a_press_repeated_at_once_is_answered_without_asking_again() -> None:
    fakes = Fakes()
    _protected(fakes)
    fakes.membership.answer(
        "CheckMembership", _everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER)
    )

    first = await on_verify_pressed(fakes.ctx, SIGNING_KEY, _button(), MALLORY, "q1")
    again = await on_verify_pressed(fakes.ctx, SIGNING_KEY, _button(), MALLORY, "q2")

    assert first == again == Answer(say("en", "verify_missing", channels="News"), alert=True)
    assert fakes.calls == ["membership.CheckMembership"]  # nothing released, asked once


async def test_only_the_member_a_button_was_made_for_may_press_it() -> None:
    fakes = Fakes()
    _protected(fakes)

    answer = await on_verify_pressed(fakes.ctx, SIGNING_KEY, _button(), Person(OWNER, "O"), "q1")

    assert answer == Answer(say("en", "verify_not_yours"), alert=True)
    assert fakes.calls == []


async def test_a_forged_button_is_not_answered() -> None:
    fakes = Fakes()
    _protected(fakes)
    forged = sign(b"x" * 32, VerifyButton(GROUP, MEMBER))

    assert await on_verify_pressed(fakes.ctx, SIGNING_KEY, forged, MALLORY, "q1") is None
    assert fakes.calls == []


# Flow 7: the owners' commands.


class Lookup:
    """Telegram's answer to "which chat is @name", as the Bot API would give it."""

    def __init__(self, *chats: tuple[str, ChannelInfo]) -> None:
        self._chats = dict(chats)

    async def find(self, reference: str) -> ChannelInfo | None:
        return self._chats.get(reference)


NEWS = ChannelInfo(CHANNEL, "News", "news", is_channel=True, kind="channel")


def _command(issuer: Person | None = OLGA, chat_type: str = "supergroup") -> GroupCommand:
    return GroupCommand(
        update_id=7,
        group_id=GROUP,
        group_title="Chat",
        chat_type=chat_type,
        issuer=issuer,
        language="en",
    )


async def test_protect_from_a_member_who_is_no_admin_is_refused() -> None:
    fakes = Fakes()
    fakes.membership.answer("GetChatAdministrators", _admins())

    with pytest.raises(Refusal) as refused:
        await commands.protect(fakes.ctx, Lookup(("@news", NEWS)), _command(MALLORY), ["@news"])

    assert str(refused.value) == say("en", "only_admins")
    [asked] = fakes.membership.requests("GetChatAdministrators")
    assert (asked.chat_id, asked.fresh) == (GROUP, True)  # rights are what is checked: fresh
    assert fakes.tenancy.calls == []


@pytest.mark.parametrize(
    ("command", "references", "text"),
    [
        (_command(chat_type="group"), ["@news"], say("en", "only_supergroups")),
        (_command(issuer=None), ["@news"], say("en", "anonymous_cannot_link")),
        (_command(), [], say("en", "protect_usage")),
        (
            _command(),
            [f"@c{n}" for n in range(commands.MAX_CHANNELS + 1)],
            say("en", "too_many_channels", limit=commands.MAX_CHANNELS),
        ),
    ],
)
async def test_protect_says_what_is_wrong_with_the_command(
    command: GroupCommand, references: list[str], text: str
) -> None:
    fakes = Fakes()
    fakes.membership.answer("GetChatAdministrators", _admins())

    with pytest.raises(Refusal) as refused:
        await commands.protect(fakes.ctx, Lookup(("@news", NEWS)), command, references)

    assert str(refused.value) == text
    assert fakes.tenancy.calls == []


async def test_protect_lists_every_problem_and_protects_nothing() -> None:
    fakes = Fakes()
    group = ChannelInfo(-1009, "Other group", "other", is_channel=False, kind="supergroup")
    without_bot = ChannelInfo(-1008, "Blog", "blog", is_channel=True, kind="channel")

    def admins_of(
        request: membership.GetChatAdministratorsRequest,
    ) -> membership.GetChatAdministratorsResponse:
        if request.chat_id == without_bot.chat_id:
            return membership.GetChatAdministratorsResponse(
                administrators=[membership.ChatAdministrator(user_id=OWNER)]
            )
        return _admins()

    fakes.membership.answer("GetChatAdministrators", admins_of)

    with pytest.raises(Refusal) as refused:
        await commands.protect(
            fakes.ctx,
            Lookup(("@other", group), ("@blog", without_bot)),
            _command(),
            ["@nowhere", "@other", "@blog"],
        )

    assert str(refused.value) == "\n".join(
        [
            say("en", "channel_not_found", channel="@nowhere"),
            say("en", "not_a_channel", channel="@other"),
            say("en", "bot_not_admin_channel", channel="@blog"),
        ]
    )
    assert fakes.tenancy.calls == []


async def test_protect_is_refused_when_the_admins_cannot_be_read() -> None:
    fakes = Fakes()
    fakes.membership.answer(
        "GetChatAdministrators", rpc_error(grpc.StatusCode.FAILED_PRECONDITION, "not a member")
    )

    with pytest.raises(Refusal) as refused:
        await commands.protect(fakes.ctx, Lookup(("@news", NEWS)), _command(), ["@news"])

    assert str(refused.value) == say("en", "only_admins")


async def test_protect_waits_for_membership_rather_than_refuse_when_it_is_down() -> None:
    fakes = Fakes()
    fakes.membership.answer("GetChatAdministrators", rpc_error(grpc.StatusCode.UNAVAILABLE))

    with pytest.raises(BackendUnavailable):
        await commands.protect(fakes.ctx, Lookup(("@news", NEWS)), _command(), ["@news"])


async def test_protect_links_the_channels_and_remembers_the_policy() -> None:
    fakes = Fakes()
    fakes.membership.answer("GetChatAdministrators", _admins())
    fakes.tenancy.answer(
        "ProtectGroup", tenancy.ProtectGroupResponse(policy=_policy(), changed=True)
    )

    text = await commands.protect(fakes.ctx, Lookup(("@news", NEWS)), _command(), ["@news"])

    assert text == say("en", "protected", channels="@news")
    [request] = fakes.tenancy.requests("ProtectGroup")
    assert (request.group_id, request.group_title) == (GROUP, "Chat")
    assert (request.owner.user_id, request.owner.username) == (OWNER, "Olga")
    assert [(c.channel_id, c.username, c.bot_rights) for c in request.channels] == [
        (CHANNEL, "news", tenancy.CHANNEL_RIGHTS_OK)
    ]
    assert await fakes.ctx.policies.get(GROUP) == _policy()  # from the cache: no call
    assert fakes.tenancy.requests("GetGroupPolicy") == []


async def test_unprotect_lifts_everything_the_bot_imposed() -> None:
    fakes = Fakes()
    _protected(fakes)
    fakes.membership.answer("GetChatAdministrators", _admins())
    stopped = _policy()
    stopped.enabled = False
    fakes.tenancy.answer("UnprotectGroup", tenancy.UnprotectGroupResponse(policy=stopped))
    fakes.enforcement.answer("ReleaseGroup", enforcement.ReleaseGroupResponse(accepted=True))

    assert await commands.unprotect(fakes.ctx, _command()) == say("en", "unprotected")

    [request] = fakes.tenancy.requests("UnprotectGroup")
    assert request.group_id == GROUP
    [release] = fakes.enforcement.requests("ReleaseGroup")
    assert release.idempotency_key == "u7:unprotect"
    assert release.reason == enforcement.ACTION_REASON_UNPROTECTED
    cached = await fakes.ctx.policies.get(GROUP)
    assert cached is not None
    assert not cached.enabled


async def test_unprotect_of_a_group_never_protected_says_so_and_releases_nothing() -> None:
    fakes = Fakes()
    fakes.membership.answer("GetChatAdministrators", _admins())
    fakes.tenancy.answer("UnprotectGroup", rpc_error(grpc.StatusCode.NOT_FOUND, "no such group"))

    assert await commands.unprotect(fakes.ctx, _command()) == say("en", "not_protected")
    assert fakes.enforcement.calls == []


async def test_a_setting_tenancy_refuses_is_explained_in_the_groups_language() -> None:
    fakes = Fakes()
    _protected(fakes)
    fakes.membership.answer("GetChatAdministrators", _admins())
    fakes.tenancy.answer(
        "UpdateGroupSettings", rpc_error(grpc.StatusCode.INVALID_ARGUMENT, "language: xx")
    )

    text = await settings.show_or_change(fakes.ctx, _command(), "language xx")

    reason = say("en", "setting_not_allowed", name=settings.label("en", "language"), value="xx")
    assert text == say("en", "setting_bad", reason=Html(reason))
    [update] = fakes.tenancy.requests("UpdateGroupSettings")
    assert update.settings.language == "xx"
    assert list(update.update_mask.paths) == ["language"]


async def test_a_panel_press_on_a_stale_panel_shows_what_is_true_now() -> None:
    fakes = Fakes()
    _protected(fakes)
    fakes.membership.answer("GetChatAdministrators", _admins())
    fakes.tenancy.answer("UpdateGroupSettings", rpc_error(grpc.StatusCode.ABORTED, "version 3"))
    now = _policy()
    now.version = 4
    fakes.tenancy.answer("GetGroupPolicy", tenancy.GetGroupPolicyResponse(policy=now))

    answer = await settings_panel.press(fakes.ctx, _command(), "set:language:3")

    assert answer.note == say("en", "settings_panel")
    assert answer.panel == settings_panel.panel(now)
    [update] = fakes.tenancy.requests("UpdateGroupSettings")
    assert update.expected_version == 3


# Flow 8: the bot's own rights change.

ADMIN = BotStatus("administrator", frozenset({"can_delete_messages", "can_restrict_members"}))


async def test_a_bot_removed_from_a_protected_group_suspends_it_and_tells_the_owner() -> None:
    fakes = Fakes()
    _protected(fakes)
    suspended = _policy()
    suspended.suspended_reason = say("en", "reason_removed")
    fakes.tenancy.answer("SuspendGroup", tenancy.SuspendGroupResponse(policy=suspended))
    fakes.enforcement.answer("ReleaseGroup", enforcement.ReleaseGroupResponse(accepted=True))

    notices = await on_bot_status_changed(
        fakes.ctx, 500, GROUP, ADMIN, BotStatus("left", frozenset())
    )

    [suspend] = fakes.tenancy.requests("SuspendGroup")
    assert (suspend.group_id, suspend.reason) == (GROUP, say("en", "reason_removed"))
    [release] = fakes.enforcement.requests("ReleaseGroup")
    assert release.idempotency_key == "u500:suspended"
    assert release.reason == enforcement.ACTION_REASON_SUSPENDED
    assert [n.chat_id for n in notices] == [OWNER]
    assert "Chat" in notices[0].text
    assert await fakes.ctx.policies.get(GROUP) == suspended


async def test_a_bot_added_to_an_unprotected_group_only_says_hello() -> None:
    fakes = Fakes()
    fakes.tenancy.answer("GetGroupPolicy", rpc_error(grpc.StatusCode.NOT_FOUND, "no such group"))

    notices = await on_bot_status_changed(
        fakes.ctx, 501, GROUP, BotStatus("left", frozenset()), ADMIN
    )

    assert notices == [Notice(GROUP, welcome("en", ADMIN))]
    assert fakes.calls == ["tenancy.GetGroupPolicy"]
