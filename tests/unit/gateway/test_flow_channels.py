"""Issue 21 over fake back ends: the group's own channels may speak (its linked channel, the
channels it requires, the group itself), other channels are still a way around, and the linked
channel is kept current. (Comments answered in their thread: test_flow_comment_threads.py.)"""

from __future__ import annotations

from dataclasses import replace

import grpc
import pytest

from gmbot.gateway.clients.tenancy import policy_from
from gmbot.gateway.domain.policy import GroupPolicy
from gmbot.gateway.flows import commands
from gmbot.gateway.flows.admin_checks import ChannelInfo
from gmbot.gateway.flows.context import CHANNEL_BOT, TELEGRAM_SERVICE_USER, GroupMessage, Person
from gmbot.gateway.flows.messages import on_group_message
from gmbot.gateway.texts import say
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import tenancy_pb2 as tenancy
from tests.unit.gateway.fakes import Fakes, rpc_error
from tests.unit.gateway.test_flow_commands import NEWS, Lookup
from tests.unit.gateway.world import (
    CHANNEL,
    GROUP,
    admins,
    command,
    links_made,
    policy,
)

LINKED = -1001000000003
NEWER = -1001000000004
OTHER = -1001000000005
POST = 40  # a channel post's automatic forward into the group: its comments' thread root
AS_A_CHANNEL = Person(CHANNEL_BOT, "Channel", is_bot=True)


class Chats(Lookup):
    """Telegram's getChat, counting what was asked."""

    def __init__(self, linked_chat_id: int | None) -> None:
        """`linked_chat_id`: the group's, as getChat says (0 for none); None: unreadable."""
        if linked_chat_id is None:
            super().__init__()
        else:
            group = ChannelInfo(GROUP, "Chat", "", False, "supergroup", linked_chat_id)
            super().__init__((str(GROUP), group))
        self.asked: list[str] = []

    async def find(self, reference: str) -> ChannelInfo | None:
        self.asked.append(reference)
        return await super().find(reference)


def protected(fakes: Fakes, linked_chat_id: int = LINKED) -> GroupPolicy:
    cached = replace(policy_from(policy()), linked_chat_id=linked_chat_id)
    fakes.ctx.policies.remember(GROUP, cached)
    return cached


def _as_channel(channel_id: int, update_id: int = 200) -> GroupMessage:
    """A comment under the post, sent on behalf of a channel (send-as)."""
    return GroupMessage(
        update_id=update_id,
        chat_id=GROUP,
        chat_title="Chat",
        message_id=41,
        sender=AS_A_CHANNEL,
        sender_chat_id=channel_id,
        thread_root_id=POST,
        answers_a_channel_post=True,
    )


def _forward(channel_id: int) -> GroupMessage:
    return GroupMessage(
        update_id=300,
        chat_id=GROUP,
        chat_title="Chat",
        message_id=POST,
        sender=Person(TELEGRAM_SERVICE_USER, "Telegram"),
        sender_chat_id=channel_id,
        is_automatic_forward=True,
    )


def _recorded(fakes: Fakes, linked_chat_id: int) -> None:
    recorded = policy()
    recorded.linked_chat_id = linked_chat_id
    fakes.tenancy.answer(
        "RecordLinkedChat", tenancy.RecordLinkedChatResponse(policy=recorded, changed=True)
    )


@pytest.mark.parametrize(
    ("sender_chat_id", "outcome"),
    [
        pytest.param(LINKED, "own-channel", id="the linked channel"),
        pytest.param(CHANNEL, "own-channel", id="a required channel"),
        pytest.param(GROUP, "skipped", id="the group itself"),
    ],
)
async def test_a_post_as_the_groups_own_chat_may_speak_at_no_cost(
    sender_chat_id: int, outcome: str
) -> None:
    fakes = Fakes()
    protected(fakes)
    chats = Chats(LINKED)

    assert await on_group_message(fakes.ctx, chats, _as_channel(sender_chat_id)) == outcome
    assert fakes.calls == []
    assert chats.asked == []


async def test_a_comment_as_the_linked_channel_is_not_deleted_nor_banned() -> None:
    fakes = Fakes()
    protected(fakes)

    assert await on_group_message(fakes.ctx, Chats(LINKED), _as_channel(LINKED)) == "own-channel"
    assert fakes.enforcement.calls == []


async def test_a_post_as_a_required_channel_may_speak() -> None:
    fakes = Fakes()
    protected(fakes, linked_chat_id=0)

    assert await on_group_message(fakes.ctx, Chats(0), _as_channel(CHANNEL)) == "own-channel"
    assert fakes.enforcement.calls == []


async def test_a_post_as_another_channel_is_still_a_way_around() -> None:
    fakes = Fakes()
    protected(fakes)
    fakes.enforcement.answer("BanSenderChat", enforcement.BanSenderChatResponse(accepted=True))
    chats = Chats(LINKED)

    assert await on_group_message(fakes.ctx, chats, _as_channel(OTHER)) == "sender-chat"

    [ban] = fakes.enforcement.requests("BanSenderChat")
    assert (ban.group_id, ban.sender_chat_id, ban.message_id) == (GROUP, OTHER, 41)
    assert chats.asked == [str(GROUP)]  # Telegram confirmed the link first
    assert fakes.tenancy.calls == []


async def test_a_comment_as_a_channel_linked_since_is_learned_not_punished() -> None:
    """The owner linked the group to another channel in Telegram; its admin comments as it
    before its first post reaches the group."""
    fakes = Fakes()
    protected(fakes, linked_chat_id=LINKED)
    _recorded(fakes, NEWER)

    assert await on_group_message(fakes.ctx, Chats(NEWER), _as_channel(NEWER)) == "own-channel"

    [recorded] = fakes.tenancy.requests("RecordLinkedChat")
    assert (recorded.group_id, recorded.linked_chat_id) == (GROUP, NEWER)
    assert fakes.enforcement.calls == []
    cached = await fakes.ctx.policies.get(GROUP)
    assert cached is not None
    assert cached.linked_chat_id == NEWER


async def test_a_channel_is_never_punished_when_the_group_cannot_be_read() -> None:
    fakes = Fakes()
    protected(fakes, linked_chat_id=0)

    assert (
        await on_group_message(fakes.ctx, Chats(None), _as_channel(OTHER)) == "sender-chat-unknown"
    )
    assert fakes.calls == []


async def test_a_changed_linked_channel_is_learned() -> None:
    """At the new channel's next post (its automatic forward), at the cost of one call; after
    that its comments as the channel cost nothing."""
    fakes = Fakes()
    protected(fakes, linked_chat_id=LINKED)
    _recorded(fakes, NEWER)
    chats = Chats(NEWER)

    assert await on_group_message(fakes.ctx, chats, _forward(NEWER)) == "skipped"
    assert await on_group_message(fakes.ctx, chats, _forward(NEWER)) == "skipped"
    assert await on_group_message(fakes.ctx, chats, _as_channel(NEWER)) == "own-channel"

    [recorded] = fakes.tenancy.requests("RecordLinkedChat")
    assert (recorded.group_id, recorded.linked_chat_id) == (GROUP, NEWER)
    assert fakes.calls == ["tenancy.RecordLinkedChat"]
    assert chats.asked == []


async def test_tenancy_away_never_holds_up_a_post_nor_gets_the_linked_channel_punished() -> None:
    fakes = Fakes()
    protected(fakes, linked_chat_id=LINKED)
    fakes.tenancy.answer("RecordLinkedChat", rpc_error(grpc.StatusCode.UNAVAILABLE))

    assert await on_group_message(fakes.ctx, Chats(NEWER), _forward(NEWER)) == "skipped"
    assert await on_group_message(fakes.ctx, Chats(NEWER), _as_channel(NEWER)) == "own-channel"
    assert fakes.enforcement.calls == []


async def test_protect_records_the_groups_linked_channel() -> None:
    fakes = Fakes()
    fakes.membership.answer("GetChatAdministrators", admins())
    links_made(fakes)
    fakes.tenancy.answer(
        "ProtectGroup", tenancy.ProtectGroupResponse(policy=policy(), changed=True)
    )
    group = ChannelInfo(GROUP, "Chat", "", False, "supergroup", linked_chat_id=LINKED)

    await commands.protect(
        fakes.ctx, Lookup(("@news", NEWS), (str(GROUP), group)), command(), ["@news"]
    )

    [request] = fakes.tenancy.requests("ProtectGroup")
    assert request.linked_chat_id == LINKED


async def test_check_learns_a_changed_linked_channel() -> None:
    fakes = Fakes()
    protected(fakes, linked_chat_id=LINKED)
    _recorded(fakes, NEWER)
    fakes.membership.answer("GetChatAdministrators", admins())

    await commands.check(fakes.ctx, Chats(NEWER), command())

    [recorded] = fakes.tenancy.requests("RecordLinkedChat")
    assert recorded.linked_chat_id == NEWER


@pytest.mark.parametrize(
    ("linked_chat_id", "linked_line"),
    [
        pytest.param(CHANNEL, say("en", "status_linked_channel", channel="@news"), id="required"),
        pytest.param(LINKED, say("en", "status_linked_channel_other"), id="not required"),
        pytest.param(0, None, id="none"),
    ],
)
async def test_status_says_which_channels_may_speak(
    linked_chat_id: int, linked_line: str | None
) -> None:
    fakes = Fakes()
    protected(fakes, linked_chat_id=linked_chat_id)

    reply = await commands.status_of(fakes.ctx, GROUP, "en")

    lines = reply.text.split("\n")
    assert say("en", "status_may_speak", channels="@news") in lines
    assert (linked_line in lines) if linked_line else not any("comments of" in x for x in lines)
