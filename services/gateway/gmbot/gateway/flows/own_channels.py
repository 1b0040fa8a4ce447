"""The group's own channels may speak: its linked channel (the channel whose discussion group it
is: its posts' automatic forwards, its admins' comments "as the channel"), every channel the group
requires, and the group itself (its anonymous admins). Only other channels are a way around.

The linked channel is Telegram's to change (getChat(group).linked_chat_id): tenancy keeps what
the gateway last saw, learned on /protect and /check, from every automatic forward (its sender
is the linked channel) and, before a channel is punished, from Telegram itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

import structlog

from gmbot.gateway.clients.backends import BackendError
from gmbot.gateway.domain.policy import GroupPolicy
from gmbot.gateway.flows.context import FlowContext

if TYPE_CHECKING:
    from gmbot.gateway.flows.admin_checks import ChatLookup

log = structlog.get_logger("gmbot.gateway.own_channels")


def may_speak(policy: GroupPolicy) -> frozenset[int]:
    """The chats a message may be sent on behalf of without being judged."""
    own = {policy.group_id, *(c.channel_id for c in policy.channels)}
    if policy.linked_chat_id:
        own.add(policy.linked_chat_id)
    return frozenset(own)


async def record_linked_chat(ctx: FlowContext, group_id: int, linked_chat_id: int) -> None:
    """Tenancy keeps what the gateway has just seen; every replica's copy follows. Not kept
    (tenancy away), it costs a getChat before a channel would be punished, never a punishment:
    the message that showed it is not held up for it."""
    try:
        policy = await ctx.clients.tenancy.record_linked_chat(group_id, linked_chat_id)
    except BackendError as error:
        log.warning("linked channel not recorded", group_id=group_id, status=error.status)
        return
    await ctx.policies.changed(group_id, policy)


async def learn_from_forward(ctx: FlowContext, group_id: int, channel_id: int) -> None:
    """An automatic forward comes from the group's linked channel: a link changed in Telegram is
    seen at the channel's next post. Costs a call only when it changed."""
    policy = await ctx.policies.get(group_id)
    if policy is not None and policy.linked_chat_id != channel_id:
        await record_linked_chat(ctx, group_id, channel_id)


async def linked_chat_now(ctx: FlowContext, chats: ChatLookup, group_id: int) -> int | None:
    """The group's linked channel as Telegram says now (0 for none), recorded if it changed;
    None when the group cannot be read."""
    group = await chats.find(str(group_id))
    if group is None:
        return None
    policy = await ctx.policies.get(group_id)
    if policy is not None and policy.linked_chat_id != group.linked_chat_id:
        await record_linked_chat(ctx, group_id, group.linked_chat_id)
    return group.linked_chat_id
