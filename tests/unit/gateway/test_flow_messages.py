"""Flow 1 over fake back ends: what a message in a protected group costs, and that an unknown
answer never mutes."""

from __future__ import annotations

import time

import grpc
import pytest

from gmbot.gateway.clients.backends import BackendRefused, BackendUnavailable
from gmbot.gateway.flows.context import GroupMessage, Person
from gmbot.gateway.flows.messages import on_group_message
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import membership_pb2 as membership
from gmbot.v1 import tenancy_pb2 as tenancy
from tests.unit.gateway.fakes import BOT_ID, Canned, Fakes, rpc_error
from tests.unit.gateway.test_flow_commands import Lookup
from tests.unit.gateway.world import (
    CHANNEL,
    GROUP,
    MALLORY,
    MEMBER,
    OWNER,
    admins,
    everyone_is,
    people,
    protected,
)

# Telegram as a member's message sees it: no chat is looked up.
NOBODY = Lookup()


def _message(update_id: int = 100, sender: Person = MALLORY) -> GroupMessage:
    return GroupMessage(
        update_id=update_id, chat_id=GROUP, chat_title="Chat", message_id=555, sender=sender
    )


async def test_a_known_members_message_is_allowed_without_a_single_call() -> None:
    fakes = Fakes()
    protected(fakes)
    near = fakes.ctx.near
    near.went_live()
    near.remember_admins(GROUP, frozenset({OWNER, BOT_ID}))
    near.remember_answer(MEMBER, CHANNEL, membership.MEMBERSHIP_STATUS_MEMBER, time.time())

    assert await on_group_message(fakes.ctx, NOBODY, _message()) == "allowed"
    assert fakes.calls == []


async def test_a_non_members_message_becomes_one_enforce_request() -> None:
    fakes = Fakes()
    protected(fakes)
    fakes.membership.answer("GetChatAdministrators", admins())
    fakes.membership.answer("CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER))
    fakes.enforcement.answer("Enforce", enforcement.EnforceResponse(accepted=True))

    assert await on_group_message(fakes.ctx, NOBODY, _message(update_id=100)) == "enforced"

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


async def test_an_observing_group_only_records_what_it_would_do_and_tells_its_alerted_admins() -> (
    None
):
    fakes = Fakes()
    protected(fakes, mode=tenancy.GROUP_MODE_OBSERVE)
    # 3 opened GMBot with alerts on, 4 turned them off, 5 never opened it.
    people(fakes, 3, 4, 5, opened={OWNER: True, 3: True, 4: False}, languages={3: "uk"})
    fakes.membership.answer("CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER))
    fakes.enforcement.answer("Enforce", enforcement.EnforceResponse(accepted=True))

    assert await on_group_message(fakes.ctx, NOBODY, _message()) == "observed"

    [enforce] = fakes.enforcement.requests("Enforce")
    assert list(enforce.observe.digest_user_ids) == [OWNER, 3]
    # Each in their own language; the owner never said: the group's.
    assert list(enforce.observe.digest_languages) == ["", "uk"]
    assert enforce.observe.digest_user_id == OWNER  # what a 0.1.0 replica reads
    [asked] = fakes.tenancy.requests("ListPeople")
    assert sorted(asked.user_ids) == [3, 4, 5, OWNER]


@pytest.mark.parametrize(
    ("admins", "check"),
    [
        pytest.param(
            admins(),
            everyone_is(membership.MEMBERSHIP_STATUS_UNKNOWN),
            id="membership answers unknown",
        ),
        pytest.param(admins(), rpc_error(grpc.StatusCode.UNAVAILABLE), id="membership is down"),
        # Not a member, but maybe an admin: not worth the risk of muting one.
        pytest.param(
            rpc_error(grpc.StatusCode.UNAVAILABLE),
            everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER),
            id="the admin list cannot be read",
        ),
    ],
)
async def test_unknown_membership_never_mutes(admins: Canned, check: Canned) -> None:
    fakes = Fakes()
    protected(fakes)
    fakes.membership.answer("GetChatAdministrators", admins)
    fakes.membership.answer("CheckMembership", check)

    assert await on_group_message(fakes.ctx, NOBODY, _message()) == "unknown-allowed"

    assert fakes.enforcement.calls == []
    assert len(fakes.ctx.second_look) == 1  # judged again later


async def test_unknown_membership_in_a_delete_group_deletes_quietly_and_never_mutes() -> None:
    fakes = Fakes()
    protected(fakes, on_unknown=tenancy.UNKNOWN_POLICY_DELETE_MESSAGE)
    fakes.membership.answer("GetChatAdministrators", admins())
    fakes.membership.answer("CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_UNKNOWN))
    fakes.enforcement.answer("Enforce", enforcement.EnforceResponse(accepted=True))

    assert await on_group_message(fakes.ctx, NOBODY, _message(update_id=101)) == "unknown-deleted"

    [enforce] = fakes.enforcement.requests("Enforce")
    assert enforce.idempotency_key == "u101:unknown"
    assert enforce.action == enforcement.MEMBER_ACTION_DELETE_ONLY
    assert not enforce.HasField("warning")


async def test_an_admins_message_is_never_judged() -> None:
    fakes = Fakes()
    protected(fakes)
    fakes.membership.answer("GetChatAdministrators", admins(MEMBER))

    assert await on_group_message(fakes.ctx, NOBODY, _message()) == "exempt"
    assert fakes.calls == ["membership.GetChatAdministrators"]


async def test_enforcement_down_leaves_the_message_to_be_retried() -> None:
    fakes = Fakes()
    protected(fakes)
    fakes.membership.answer("GetChatAdministrators", admins())
    fakes.membership.answer("CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER))
    fakes.enforcement.answer(
        "Enforce", rpc_error(grpc.StatusCode.UNAVAILABLE, "connection refused")
    )

    with pytest.raises(BackendUnavailable) as failed:
        await on_group_message(fakes.ctx, NOBODY, _message())

    assert (failed.value.service, failed.value.status) == ("enforcement", "UNAVAILABLE")


async def test_enforcement_refusing_is_not_mistaken_for_an_outage() -> None:
    fakes = Fakes()
    protected(fakes)
    fakes.membership.answer("GetChatAdministrators", admins())
    fakes.membership.answer("CheckMembership", everyone_is(membership.MEMBERSHIP_STATUS_NOT_MEMBER))
    fakes.enforcement.answer("Enforce", rpc_error(grpc.StatusCode.INTERNAL, "boom"))

    with pytest.raises(BackendRefused) as failed:
        await on_group_message(fakes.ctx, NOBODY, _message())

    assert not isinstance(failed.value, BackendUnavailable)
    assert failed.value.message == "boom"
