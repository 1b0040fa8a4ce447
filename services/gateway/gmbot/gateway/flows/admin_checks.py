"""What every owners' command in a group checks first: that its issuer administers the group,
and what the bot lacks there and in a channel. A check that fails is a Refusal saying what to
fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from gmbot.gateway.clients.backends import BackendRefused
from gmbot.gateway.clients.membership import Administrator
from gmbot.gateway.domain.choices import ChannelRights
from gmbot.gateway.domain.policy import Channel
from gmbot.gateway.flows.bot_status import rights_text
from gmbot.gateway.flows.context import FlowContext, Person
from gmbot.gateway.flows.setup import REQUIRED_GROUP_RIGHTS
from gmbot.gateway.flows.verdicts import is_admin
from gmbot.gateway.texts import say


@dataclass(frozen=True)
class ChannelInfo:
    chat_id: int
    title: str
    username: str
    is_channel: bool
    # Telegram's chat type: "channel", "supergroup", "group" ("" when not known).
    kind: str = ""
    # A group's linked channel (the channel whose discussion group it is), a channel's
    # discussion group; 0 for none.
    linked_chat_id: int = 0


class ChatLookup(Protocol):
    """Finds a chat by @username, t.me link or numeric id (the gateway's Bot API reads)."""

    async def find(self, reference: str) -> ChannelInfo | None: ...


@dataclass(frozen=True)
class GroupCommand:
    update_id: int
    group_id: int
    group_title: str
    chat_type: str
    # None when the command was sent by an anonymous administrator (as the group).
    issuer: Person | None
    language: str


class Refusal(Exception):
    """A command that cannot be carried out; its text says what to fix."""


async def administrators(ctx: FlowContext, chat_id: int) -> dict[int, Administrator] | None:
    """Fresh from Telegram: rights are what is being checked. None when the bot cannot read them."""
    try:
        answer = await ctx.clients.membership.administrators(chat_id, fresh=True)
    except BackendRefused:
        return None
    return {a.user_id: a for a in answer.administrators}


def _missing_bot_rights(admin: Administrator | None, rights: tuple[str, ...]) -> list[str]:
    if admin is None:
        return list(rights)
    return [right for right in rights if not getattr(admin, right)]


async def require_admin(ctx: FlowContext, command: GroupCommand) -> None:
    if command.chat_type != "supergroup":
        raise Refusal(say(command.language, "only_supergroups"))
    if command.issuer is None:
        return  # only administrators can speak as the group
    admin = await is_admin(ctx, command.group_id, command.issuer.user_id)
    if admin is None:
        # Told at once rather than retried: a member's command never holds up the updates.
        raise Refusal(say(command.language, "press_unknown"))
    if not admin:
        raise Refusal(say(command.language, "only_admins"))


def group_rights_problems(
    ctx: FlowContext,
    language: str,
    admins: dict[int, Administrator] | None,
    extra: tuple[str, ...] = (),
) -> list[str]:
    """What the bot lacks in the group, as the group's fresh administrator list says."""
    missing = _missing_bot_rights((admins or {}).get(ctx.bot_id), REQUIRED_GROUP_RIGHTS + extra)
    if not missing:
        return []
    return [say(language, "bot_missing_rights_group", rights=rights_text(language, missing))]


async def channel_problems(
    ctx: FlowContext,
    language: str,
    channel: ChannelInfo,
    issuer: Person | None,
    may_invite: dict[int, bool] | None = None,
) -> list[str]:
    """`may_invite`, when given, learns whether the bot may make invite links in the channel."""
    name = f"@{channel.username}" if channel.username else channel.title
    admins = await administrators(ctx, channel.chat_id)
    if admins is None or ctx.bot_id not in admins:
        return [say(language, "bot_not_admin_channel", channel=name)]
    if may_invite is not None:
        may_invite[channel.chat_id] = admins[ctx.bot_id].can_invite_users
    problems = []
    if not channel.username and not admins[ctx.bot_id].can_invite_users:
        problems.append(
            say(
                language,
                "bot_missing_rights_channel",
                channel=name,
                rights=rights_text(language, ["can_invite_users"]),
            )
        )
    if issuer is not None and issuer.user_id not in admins:
        problems.append(say(language, "issuer_not_channel_admin", channel=name))
    return problems


# What the owner reads about a channel the bot cannot work with, and how to fix it.
CHANNEL_PROBLEMS = {
    ChannelRights.REMOVED: "removed",
    ChannelRights.NOT_ADMIN: "not_admin",
    ChannelRights.NO_INVITE_LINKS: "no_invite_links",
}


def channel_name(channel: Channel) -> str:
    return f"@{channel.username}" if channel.username else channel.title


def channel_problem(language: str, channel: Channel) -> str | None:
    """What is wrong with the bot's rights in the channel, and how to fix it; None if nothing."""
    problem = CHANNEL_PROBLEMS.get(channel.bot_rights)
    if problem is None:
        return None
    return say(
        language,
        "status_channel_problem",
        channel=channel_name(channel),
        problem=say(language, f"channel_problem_{problem}"),
        fix=say(language, f"channel_fix_{problem}"),
    )
