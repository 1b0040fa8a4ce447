"""Joins GMBot can count: a channel's chat_member update names the invite link a member joined
by; when it is a link GMBot made for a group (its join buttons), enforcement counts the join for
that group ("joined through GMBot" in the funnel)."""

from __future__ import annotations

from gmbot.gateway.clients.backends import call
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.flows.members import MemberChange
from gmbot.v1 import enforcement_pb2 as enforcement


async def joined_by_link(ctx: FlowContext, change: MemberChange, invite_link: str | None) -> int:
    """The group whose GMBot link brought the member into the channel; 0 for none. Recording
    twice (a redelivered update) counts the member once."""
    if not invite_link or not change.now_member:
        return 0
    answer = await call(
        "enforcement",
        ctx.backends.enforcement.RecordChannelJoin(
            enforcement.RecordChannelJoinRequest(
                channel_id=change.chat_id, user_id=change.person.user_id, invite_link=invite_link
            )
        ),
    )
    return int(answer.group_id)
