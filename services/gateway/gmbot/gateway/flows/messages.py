"""Flow 1: a message in a protected group."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from gmbot.gateway.clients.enforcement import MemberAction, Reason
from gmbot.gateway.domain.choices import UnknownPolicy
from gmbot.gateway.domain.policy import GroupPolicy
from gmbot.gateway.flows import own_channels
from gmbot.gateway.flows.context import TELEGRAM_SERVICE_USER, FlowContext, GroupMessage
from gmbot.gateway.flows.verdicts import (
    Verdict,
    enforce,
    is_active,
    is_exempt,
    judge,
    observation,
    observing,
)

if TYPE_CHECKING:
    from gmbot.gateway.flows.admin_checks import ChatLookup


def _needs_no_check(message: GroupMessage) -> bool:
    """Service messages, bots, the group's anonymous admins and its linked channel's posts
    (the group's other own channels need its policy: `_posted_as_a_channel`).

    Decided on sender_chat, never on `from`: the `from` of a message sent on behalf of a chat is
    a placeholder account (TELEGRAM.md)."""
    return (
        message.is_service
        or (message.sender.is_bot and message.sender_chat_id is None)
        or message.sender_chat_id == message.chat_id
        or message.is_automatic_forward
        or message.sender.user_id == TELEGRAM_SERVICE_USER
    )


async def on_group_message(ctx: FlowContext, chats: ChatLookup, message: GroupMessage) -> str:
    """Judges one message; returns the outcome (for metrics and tests). `chats` reads the group
    from Telegram when a channel's message would be punished."""
    if message.is_automatic_forward and message.sender_chat_id is not None:
        await own_channels.learn_from_forward(ctx, message.chat_id, message.sender_chat_id)
    if _needs_no_check(message):
        return "skipped"
    policy = await ctx.policies.get(message.chat_id)
    if policy is None or not is_active(policy):
        return "unprotected"
    ctx.pace.seen(message.chat_id)
    if message.sender_chat_id is not None:
        return await _posted_as_a_channel(ctx, chats, policy, message)
    # Presence is what makes a later channel leave enforceable here.
    ctx.presence.seen(message.chat_id, message.sender.user_id)
    sender = message.sender
    await ctx.seen_people.seen(sender.user_id, sender.display_name, sender.username)
    exempt = await is_exempt(ctx, policy, message.sender.user_id)
    if exempt:
        return "exempt"
    ctx.activity.message_checked(message.chat_id)
    if observing(policy):  # a second look at it stays an observation, whatever the mode then
        message = replace(message, observing=True)
    if exempt is None:  # cannot tell an admin from a member: do not risk muting an admin
        verdict = Verdict(missing=(), unknown=tuple(policy.channels))
    else:
        verdict = await judge(ctx, policy, message.sender.user_id)
    if verdict.missing:
        await _enforce_on_message(ctx, policy, message, verdict)
        return "observed" if message.observing else "enforced"
    if verdict.unknown:
        outcome = await _unknown(ctx, policy, message)
        if outcome == "unknown-allowed":
            await ctx.second_look.schedule(message)
        return outcome
    return "allowed"


async def look_again(ctx: FlowContext, message: GroupMessage) -> bool:
    """A message let through as unknown, judged again: deleted (and its sender dealt with as
    the group says) if the sender turns out not to be subscribed. True once settled."""
    policy = await ctx.policies.get(message.chat_id)
    if policy is None or not is_active(policy):
        return True
    exempt = await is_exempt(ctx, policy, message.sender.user_id)
    if exempt is None:
        return False
    if exempt:
        return True
    verdict = await judge(ctx, policy, message.sender.user_id)
    if verdict.missing:
        await _enforce_on_message(ctx, policy, message, verdict)
        return True
    return not verdict.unknown


async def _unknown(ctx: FlowContext, policy: GroupPolicy, message: GroupMessage) -> str:
    """GMBot could not tell: never punish. The group may ask for the message to go quietly."""
    if policy.settings.on_unknown != UnknownPolicy.DELETE_MESSAGE:
        return "unknown-allowed"
    await ctx.clients.enforcement.enforce(
        f"u{message.update_id}:unknown",
        policy.group_id,
        message.sender.user_id,
        Reason.NOT_SUBSCRIBED,
        MemberAction.DELETE_ONLY,
        message_id=message.message_id,
        observe=await observation(ctx, policy, message.observing),
    )
    return "unknown-deleted"


async def _posted_as_a_channel(
    ctx: FlowContext, chats: ChatLookup, policy: GroupPolicy, message: GroupMessage
) -> str:
    """The group's own channels may speak. Posting as another channel is not a way around the
    channels: the message goes and, per the group's settings, the channel is banned from
    posting there. Before that, Telegram is asked which channel the group is linked to now: a
    link changed since GMBot last saw it (or never seen) never gets the group's own channel
    punished."""
    sender_chat_id = message.sender_chat_id
    assert sender_chat_id is not None  # noqa: S101 - checked by the caller
    if sender_chat_id in own_channels.may_speak(policy):
        return "own-channel"
    linked = await own_channels.linked_chat_now(ctx, chats, policy.group_id)
    if linked is None:
        return "sender-chat-unknown"  # cannot tell whose channel it is: never punish
    if linked == sender_chat_id:
        return "own-channel"
    await ctx.clients.enforcement.ban_sender_chat(
        f"u{message.update_id}:sender-chat",
        policy.group_id,
        sender_chat_id,
        message.message_id,
        ban=policy.settings.ban_sender_chat,
        observe=await observation(ctx, policy),
    )
    return "sender-chat"


def _comments_root(policy: GroupPolicy, message: GroupMessage) -> int | None:
    """The thread root a warning answers, so a commenter sees it in the comments they read: in
    a discussion group (or under a channel post's automatic forward) a reply thread outside forums
    is a post's comments. Elsewhere a warning goes to the chat, or its forum topic."""
    if policy.linked_chat_id or message.answers_a_channel_post:
        return message.thread_root_id
    return None


async def _enforce_on_message(
    ctx: FlowContext, policy: GroupPolicy, message: GroupMessage, verdict: Verdict
) -> None:
    await enforce(
        ctx,
        f"u{message.update_id}:message",
        policy,
        message.sender,
        verdict,
        Reason.NOT_SUBSCRIBED,
        message_id=message.message_id,
        thread_id=message.thread_id,
        reply_to=_comments_root(policy, message),
        observe=message.observing,
    )
