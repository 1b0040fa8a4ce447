"""The shared core of flows 1, 2, 4, 5 and 6: is a member in good standing, and if not, what
does enforcement get asked to do."""

from __future__ import annotations

from dataclasses import dataclass

import structlog

from gmbot.gateway.clients.backends import BackendError, BackendUnavailable
from gmbot.gateway.clients.enforcement import (
    JoinButton,
    MemberAction,
    MemberWarning,
    Observation,
    Reason,
)
from gmbot.gateway.clients.membership import Membership
from gmbot.gateway.domain.choices import ChannelRights, EnforcementAction, GroupMode
from gmbot.gateway.domain.policy import Channel, GroupPolicy
from gmbot.gateway.flows import alerts
from gmbot.gateway.flows.context import FlowContext, Person
from gmbot.gateway.texts import button_text

log = structlog.get_logger("gmbot.gateway.verdicts")

_ACTIONS = {
    EnforcementAction.MUTE: MemberAction.MUTE,
    EnforcementAction.KICK: MemberAction.KICK,
    EnforcementAction.DELETE_ONLY: MemberAction.DELETE_ONLY,
}
# The /start payload of the warning's deep link to a member's own view in private.
MEMBER_VIEW = "mutes"
# The bot cannot see who follows a channel in these states: its answers are unknown.
BLIND = frozenset({ChannelRights.REMOVED, ChannelRights.NOT_ADMIN})


@dataclass(frozen=True)
class Verdict:
    missing: tuple[Channel, ...]
    unknown: tuple[Channel, ...]

    @property
    def in_good_standing(self) -> bool:
        return not self.missing and not self.unknown


def observing(policy: GroupPolicy) -> bool:
    return policy.settings.mode == GroupMode.OBSERVE


async def observation(
    ctx: FlowContext, policy: GroupPolicy, observe: bool = False
) -> Observation | None:
    """What an action request carries in observe mode (or when `observe` says the decision is
    about something done while the group observed): record, never carry out. The digest goes
    to whoever hears the group's alerts, the owner first (enforcement tells at most 20)."""
    if not observe and not observing(policy):
        return None
    told = await alerts.recipients_speaking(ctx, policy)
    owner = policy.owner_user_id
    # Each in their own language (the group's for whoever never said).
    ordered = sorted(told, key=lambda told: told[0] != owner)
    return Observation(
        digest_user_ids=tuple(user_id for user_id, _ in ordered),
        language=policy.settings.language,
        group_title=policy.title,
        digest_languages=tuple(language for _, language in ordered),
    )


def is_active(policy: GroupPolicy | None) -> bool:
    return (
        policy is not None
        and policy.enabled
        and not policy.suspended_reason
        and bool(policy.channels)
    )


async def judge(
    ctx: FlowContext, policy: GroupPolicy, user_id: int, *, fresh: bool = False
) -> Verdict:
    """Which linked channels the user is missing; UNKNOWN (never "missing") when membership
    cannot tell, including when the membership service itself is down, and for a channel whose
    members the bot cannot see now (removed, or no longer its administrator). Answers kept near
    the decision cost no call; only the rest are asked, in one call."""
    channels = tuple(policy.channels)
    blind = Membership.UNKNOWN
    statuses: dict[int, int] = {c.channel_id: blind for c in channels if c.bot_rights in BLIND}
    if not fresh:
        for channel in channels:
            kept = ctx.near.answer(user_id, channel.channel_id)
            if kept is not None and channel.channel_id not in statuses:
                statuses[channel.channel_id] = kept
    to_ask = [c.channel_id for c in channels if c.channel_id not in statuses]
    if to_ask:
        try:
            answers = await ctx.clients.membership.check(
                user_id,
                to_ask,
                group_id=policy.group_id,
                fresh=fresh,
                wait_seconds=ctx.check_wait_seconds,
            )
        except BackendUnavailable:
            log.warning("membership unavailable: nobody is punished", user_id=user_id)
        else:
            for a in answers:
                statuses[a.channel_id] = a.status
                ctx.near.remember_answer(user_id, a.channel_id, a.status, a.observed_at)
            asked = sum(1 for a in answers if a.from_telegram)
            ctx.activity.bot_api_calls(policy.group_id, asked)
    missing = tuple(c for c in channels if statuses.get(c.channel_id) == Membership.NOT_MEMBER)
    unknown = tuple(
        c
        for c in channels
        if statuses.get(c.channel_id) not in (Membership.MEMBER, Membership.NOT_MEMBER)
    )
    if missing and policy.settings.pending_request_counts_as_joined:
        pending = await _pending(ctx, user_id)
        if pending is None:  # not known now: unknown, never missing
            missing, unknown = (), unknown + missing
        else:
            missing = tuple(c for c in missing if c.channel_id not in pending)
    return Verdict(missing=missing, unknown=unknown)


async def _pending(ctx: FlowContext, user_id: int) -> frozenset[int] | None:
    """The channels where the member's join request is pending (the group counts one as
    joined); asked only of a member about to be punished. None when it cannot be told."""
    try:
        return await ctx.clients.channel_joins.pending_channels(user_id)
    except BackendError:
        log.warning("pending join requests unknown: nobody is punished", user_id=user_id)
        return None


async def is_admin(ctx: FlowContext, group_id: int, user_id: int) -> bool | None:
    """Whether the user administers the group; None when it cannot be told now."""
    admins = ctx.near.admins(group_id)
    if admins is None:
        try:
            reply = await ctx.clients.membership.administrators(group_id)
        except BackendError:
            return None
        if reply.from_telegram:
            ctx.activity.bot_api_calls(group_id)
        admins = frozenset(a.user_id for a in reply.administrators)
        ctx.near.remember_admins(group_id, admins)
    return user_id in admins


async def is_exempt(ctx: FlowContext, policy: GroupPolicy, user_id: int) -> bool | None:
    """True for exempt users and the group's administrators; None when it cannot be told."""
    if user_id in policy.settings.exempt_user_ids or user_id == ctx.bot_id:
        return True
    return await is_admin(ctx, policy.group_id, user_id)


def join_url(channel: Channel) -> str:
    if channel.username:
        return f"https://t.me/{channel.username}"
    return channel.invite_link


def makes_links(channel: Channel) -> bool:
    """Whether GMBot may make invite links in the channel (its join buttons then use its own,
    counted for the group) as its rights were last reported."""
    return channel.bot_rights in (ChannelRights.OK, ChannelRights.UNSPECIFIED)


def member_view_link(bot_username: str) -> str:
    """The deep link to a member's own view in private (flows/member_view.py); none without the
    bot's username."""
    return f"https://t.me/{bot_username}?start={MEMBER_VIEW}" if bot_username else ""


def warning_for(
    policy: GroupPolicy,
    person: Person,
    missing: tuple[Channel, ...],
    thread_id: int | None = None,
    reply_to: int | None = None,
    private_view_url: str = "",
) -> MemberWarning:
    """`thread_id`: the forum topic to warn in; `reply_to`: the comment thread's root to answer;
    `private_view_url`: the member's way out in private, under the warning."""
    settings = policy.settings
    return MemberWarning(
        language=settings.language,
        custom_text=settings.warning_text,
        user_display_name=person.display_name,
        group_title=policy.title,
        join_buttons=tuple(
            JoinButton(
                text=button_text(c.title, c.username),
                url=join_url(c),
                channel_id=c.channel_id if makes_links(c) else 0,
                creates_join_request=settings.channels_approve_joins,
            )
            for c in missing
            if join_url(c)
        ),
        ttl_seconds=settings.warning_ttl_seconds,
        message_thread_id=thread_id or 0,
        reply_to_message_id=reply_to or 0,
        private_view_url=private_view_url,
        log_chat_id=settings.log_chat_id,
    )


def member_action(policy: GroupPolicy) -> MemberAction:
    return _ACTIONS.get(policy.settings.action, MemberAction.MUTE)


def action_without_message(policy: GroupPolicy) -> MemberAction:
    """For a join or a channel leave there is no message to delete: a kick-on-sight group still
    gets a mute with the buttons first (kick_after_minutes kicks later); delete-only only warns."""
    if policy.settings.action == EnforcementAction.DELETE_ONLY:
        return MemberAction.DELETE_ONLY
    return MemberAction.MUTE


async def enforce(
    ctx: FlowContext,
    key: str,
    policy: GroupPolicy,
    person: Person,
    verdict: Verdict,
    reason: Reason,
    *,
    action: MemberAction | None = None,
    message_id: int = 0,
    thread_id: int | None = None,
    reply_to: int | None = None,
    observe: bool = False,
) -> None:
    """One call per decision; enforcement makes it durable before answering. In observe mode
    (or for what was done while the group observed) it is only recorded."""
    await ctx.clients.enforcement.enforce(
        key,
        policy.group_id,
        person.user_id,
        reason,
        action if action is not None else member_action(policy),
        message_id=message_id,
        warning=warning_for(
            policy,
            person,
            verdict.missing,
            thread_id,
            reply_to,
            member_view_link(ctx.bot_username),
        ),
        kick_after_minutes=policy.settings.kick_after_minutes,
        observe=await observation(ctx, policy, observe),
    )
