"""A small world the flow tests share: a supergroup protected with one public channel, its
owner, and a member who may or may not follow the channel; and the back ends' usual answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gmbot.gateway.clients.tenancy import policy_from
from gmbot.gateway.domain.policy import GroupPolicy
from gmbot.gateway.flows.admin_checks import GroupCommand
from gmbot.gateway.flows.context import Person
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import membership_pb2 as membership
from gmbot.v1 import tenancy_pb2 as tenancy
from tests.unit.gateway.fakes import BOT_ID, Fakes

GROUP = -1001000000001
CHANNEL = -1001000000002
OWNER = 11
MEMBER = 22
MALLORY = Person(MEMBER, "Mallory")
OLGA = Person(OWNER, "Olga")


def policy(**settings: Any) -> tenancy.GroupPolicy:
    """The group's policy as tenancy answers it."""
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


def protected(fakes: Fakes, **settings: Any) -> GroupPolicy:
    """The group's policy, already in the gateway's cache (no GetGroupPolicy needed)."""
    cached = policy_from(policy(**settings))
    fakes.ctx.policies.remember(GROUP, cached)
    return cached


def links_made(fakes: Fakes, link: str = "https://t.me/+gmbot") -> None:
    """Enforcement makes GMBot's invite links (every /protect asks one per channel)."""
    fakes.enforcement.answer(
        "CreateInviteLink", enforcement.CreateInviteLinkResponse(invite_link=link)
    )


def admins(*user_ids: int) -> membership.GetChatAdministratorsResponse:
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


def everyone_is(
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


def command(issuer: Person | None = OLGA, chat_type: str = "supergroup") -> GroupCommand:
    """A command in the group, by its owner unless said otherwise."""
    return GroupCommand(
        update_id=7,
        group_id=GROUP,
        group_title="Chat",
        chat_type=chat_type,
        issuer=issuer,
        language="en",
    )


def people(
    fakes: Fakes,
    *administrators: int,
    opened: dict[int, bool] | None = None,
    languages: dict[int, str] | None = None,
) -> None:
    """The group's administrators (the owner, the bot and `administrators`), and who of them
    opened GMBot, each with whether they want alerts (nobody but the owner by default) and
    their language (none told by default)."""
    fakes.membership.answer("GetChatAdministrators", admins(*administrators))
    fakes.tenancy.answer(
        "ListPeople",
        tenancy.ListPeopleResponse(
            people=[
                tenancy.Person(user_id=u, alerts=on, language=(languages or {}).get(u, ""))
                for u, on in (opened or {OWNER: True}).items()
            ]
        ),
    )
