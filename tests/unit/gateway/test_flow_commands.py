"""Flow 7 over fake back ends: /protect's refusals and what it links, /unprotect."""

from __future__ import annotations

import grpc
import pytest

from gmbot.gateway.clients.tenancy import policy_from
from gmbot.gateway.flows import commands
from gmbot.gateway.flows.admin_checks import ChannelInfo, GroupCommand, Refusal
from gmbot.gateway.texts import say
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import membership_pb2 as membership
from gmbot.v1 import tenancy_pb2 as tenancy
from tests.unit.gateway.fakes import Fakes, rpc_error
from tests.unit.gateway.world import (
    CHANNEL,
    GROUP,
    MALLORY,
    OWNER,
    admins,
    command,
    policy,
    protected,
)


class Lookup:
    """Telegram's answer to "which chat is @name", as the Bot API would give it."""

    def __init__(self, *chats: tuple[str, ChannelInfo]) -> None:
        self._chats = dict(chats)

    async def find(self, reference: str) -> ChannelInfo | None:
        return self._chats.get(reference)


NEWS = ChannelInfo(CHANNEL, "News", "news", is_channel=True, kind="channel")


async def test_protect_from_a_member_who_is_no_admin_is_refused_from_the_kept_list() -> None:
    # Each member's command asked Telegram for the administrators afresh: a budget to burn.
    fakes = Fakes()
    fakes.membership.answer("GetChatAdministrators", admins())

    with pytest.raises(Refusal) as refused:
        await commands.protect(fakes.ctx, Lookup(("@news", NEWS)), command(MALLORY), ["@news"])

    assert str(refused.value) == say("en", "only_admins")
    [asked] = fakes.membership.requests("GetChatAdministrators")
    assert (asked.chat_id, asked.fresh) == (GROUP, False)
    assert fakes.tenancy.calls == []


async def test_protect_confirms_the_issuer_with_telegram_before_it_links() -> None:
    """The kept list may still name someone who was just demoted: linking grants power."""
    fakes = Fakes()

    def kept_or_fresh(
        request: membership.GetChatAdministratorsRequest,
    ) -> membership.GetChatAdministratorsResponse:
        return admins() if request.fresh else admins(MALLORY.user_id)

    fakes.membership.answer("GetChatAdministrators", kept_or_fresh)

    with pytest.raises(Refusal) as refused:
        await commands.protect(fakes.ctx, Lookup(("@news", NEWS)), command(MALLORY), ["@news"])

    assert str(refused.value) == say("en", "only_admins")
    asked = fakes.membership.requests("GetChatAdministrators")
    assert [(a.chat_id, a.fresh) for a in asked] == [(GROUP, False), (GROUP, True)]
    assert fakes.tenancy.calls == []


@pytest.mark.parametrize(
    ("issued", "references", "text"),
    [
        (command(chat_type="group"), ["@news"], say("en", "only_supergroups")),
        (command(issuer=None), ["@news"], say("en", "anonymous_cannot_link")),
        (command(), [], say("en", "protect_usage")),
        (
            command(),
            [f"@c{n}" for n in range(commands.MAX_CHANNELS + 1)],
            say("en", "too_many_channels", limit=commands.MAX_CHANNELS),
        ),
    ],
)
async def test_protect_says_what_is_wrong_with_thecommand(
    issued: GroupCommand, references: list[str], text: str
) -> None:
    fakes = Fakes()
    fakes.membership.answer("GetChatAdministrators", admins())

    with pytest.raises(Refusal) as refused:
        await commands.protect(fakes.ctx, Lookup(("@news", NEWS)), issued, references)

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
        return admins()

    fakes.membership.answer("GetChatAdministrators", admins_of)

    with pytest.raises(Refusal) as refused:
        await commands.protect(
            fakes.ctx,
            Lookup(("@other", group), ("@blog", without_bot)),
            command(),
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


@pytest.mark.parametrize(
    "failure",
    [
        rpc_error(grpc.StatusCode.FAILED_PRECONDITION, "not a member"),
        rpc_error(grpc.StatusCode.DEADLINE_EXCEEDED),
        rpc_error(grpc.StatusCode.UNAVAILABLE),
    ],
)
async def test_a_command_whose_issuer_cannot_be_told_is_answered_not_left_for_redelivery(
    failure: grpc.aio.AioRpcError,
) -> None:
    # A member's command whose administrator fetch timed out was delivered again and again,
    # holding up the polling window while a raid ran elsewhere.
    fakes = Fakes()
    fakes.membership.answer("GetChatAdministrators", failure)

    with pytest.raises(Refusal) as refused:
        await commands.protect(fakes.ctx, Lookup(("@news", NEWS)), command(), ["@news"])

    assert str(refused.value) == say("en", "press_unknown")
    assert fakes.tenancy.calls == []


async def test_protect_links_the_channels_and_remembers_thepolicy() -> None:
    fakes = Fakes()
    fakes.membership.answer("GetChatAdministrators", admins())
    fakes.enforcement.answer(
        "CreateInviteLink", enforcement.CreateInviteLinkResponse(invite_link="https://t.me/+ours")
    )
    fakes.tenancy.answer(
        "ProtectGroup", tenancy.ProtectGroupResponse(policy=policy(), changed=True)
    )

    text = await commands.protect(fakes.ctx, Lookup(("@news", NEWS)), command(), ["@news"])

    assert text == say("en", "protected", channels="@news")
    [request] = fakes.tenancy.requests("ProtectGroup")
    assert (request.group_id, request.group_title) == (GROUP, "Chat")
    assert (request.owner.user_id, request.owner.username) == (OWNER, "Olga")
    # A public channel gets GMBot's own link for the group too: its joins are counted.
    assert [(c.channel_id, c.username, c.invite_link, c.bot_rights) for c in request.channels] == [
        (CHANNEL, "news", "https://t.me/+ours", tenancy.CHANNEL_RIGHTS_OK)
    ]
    assert await fakes.ctx.policies.get(GROUP) == policy_from(policy())  # from the cache: no call
    assert fakes.tenancy.requests("GetGroupPolicy") == []


async def test_protect_of_a_public_channel_without_invite_links_keeps_its_public_link() -> None:
    fakes = Fakes()
    fakes.membership.answer("GetChatAdministrators", admins())
    fakes.enforcement.answer(
        "CreateInviteLink", rpc_error(grpc.StatusCode.FAILED_PRECONDITION, "not enough rights")
    )
    fakes.tenancy.answer(
        "ProtectGroup", tenancy.ProtectGroupResponse(policy=policy(), changed=True)
    )

    text = await commands.protect(fakes.ctx, Lookup(("@news", NEWS)), command(), ["@news"])

    assert text == say("en", "protected", channels="@news")
    [request] = fakes.tenancy.requests("ProtectGroup")
    assert [(c.username, c.invite_link, c.bot_rights) for c in request.channels] == [
        ("news", "", tenancy.CHANNEL_RIGHTS_NO_ATTRIBUTION)
    ]


async def test_unprotect_lifts_everything_the_bot_imposed() -> None:
    fakes = Fakes()
    protected(fakes)
    fakes.membership.answer("GetChatAdministrators", admins())
    stopped = policy()
    stopped.enabled = False
    fakes.tenancy.answer("UnprotectGroup", tenancy.UnprotectGroupResponse(policy=stopped))
    fakes.enforcement.answer("ReleaseGroup", enforcement.ReleaseGroupResponse(accepted=True))

    assert await commands.unprotect(fakes.ctx, command()) == say("en", "unprotected")

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
    fakes.membership.answer("GetChatAdministrators", admins())
    fakes.tenancy.answer("UnprotectGroup", rpc_error(grpc.StatusCode.NOT_FOUND, "no such group"))

    assert await commands.unprotect(fakes.ctx, command()) == say("en", "not_protected")
    assert fakes.enforcement.calls == []
