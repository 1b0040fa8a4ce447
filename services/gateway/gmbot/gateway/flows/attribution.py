"""Joins GMBot can count: a channel's chat_member update names the invite link a member joined
by; when it is a link GMBot made for a group (its join buttons), enforcement counts the join for
that group ("joined through GMBot" in the funnel)."""

from __future__ import annotations

from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.flows.members import MemberChange


async def joined_by_link(ctx: FlowContext, change: MemberChange, invite_link: str | None) -> int:
    """The group whose GMBot link brought the member into the channel; 0 for none. Recording
    twice (a redelivered update) counts the member once."""
    if not invite_link or not change.now_member:
        return 0
    return await ctx.clients.enforcement.record_channel_join(
        change.chat_id, change.person.user_id, invite_link
    )
