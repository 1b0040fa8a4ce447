"""Joins GMBot can count: a channel's chat_member update names the invite link a member joined
by; when it is a link GMBot made for a group (its join buttons), enforcement counts the join for
that group ("joined through GMBot" in the funnel). A join also ends the member's pending join
request there; leaving the channel ends those joins: how long they followed is the funnel's
retention."""

from __future__ import annotations

from dataclasses import dataclass

from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.flows.members import MemberChange


@dataclass(frozen=True)
class JoinedBy:
    """How a member came into a channel, as its chat_member update says."""

    # The invite link (ChatInviteLink.invite_link); None for a join without one.
    invite_link: str | None = None
    # Telegram says that link is revoked now: GMBot makes a new one before its buttons use it.
    revoked: bool = False
    # Approved after a direct request (no link).
    via_join_request: bool = False


async def joined_by_link(ctx: FlowContext, change: MemberChange, joined: JoinedBy) -> int:
    """The group whose GMBot link brought the member into the channel; 0 for none. Recording
    twice (a redelivered update) counts the member once."""
    if not change.now_member or change.was_member:
        return 0
    if joined.invite_link:
        return await ctx.clients.channel_joins.record_join(
            change.chat_id, change.person.user_id, joined.invite_link, joined.revoked
        )
    if joined.via_join_request:
        await ctx.clients.channel_joins.end_request(change.chat_id, change.person.user_id)
    return 0


async def channel_member_changed(ctx: FlowContext, change: MemberChange, joined: JoinedBy) -> int:
    """Records a join by a link, or a leave; the group a GMBot link brought the member for (0:
    none, or a leave). Someone banned without having joined ends their pending request: a
    decline "and ban" is the one decline Telegram tells bots of (a plain decline reaches no
    bot; GMBot learns it when its own approval meets HIDE_REQUESTER_MISSING)."""
    if change.was_member and not change.now_member:
        await ctx.clients.enforcement.record_channel_leave(change.chat_id, change.person.user_id)
        return 0
    if change.new_status == "kicked":
        await ctx.clients.channel_joins.end_request(change.chat_id, change.person.user_id)
        return 0
    return await joined_by_link(ctx, change, joined)
