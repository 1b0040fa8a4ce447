"""What counting the joins GMBot's buttons bring needs in a public channel: the right «Invite
users via link», so GMBot can make a link of its own there. Until a channel grants it, the
buttons keep its public t.me/ link, and /status and /check say what counting needs."""

from __future__ import annotations

from dataclasses import replace

from gmbot.gateway.domain.choices import ChannelRights
from gmbot.gateway.domain.policy import Channel
from gmbot.gateway.flows.admin_checks import channel_name
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.texts import say

NOT_COUNTED = ChannelRights.NO_ATTRIBUTION


def attribution_lines(language: str, channels: list[Channel]) -> list[str]:
    """One line per channel whose joins GMBot cannot count, as its rights were last reported."""
    return [
        say(language, "attribution_needed", channel=channel_name(c))
        for c in channels
        if c.bot_rights == NOT_COUNTED
    ]


async def recount(
    ctx: FlowContext, group_id: int, channels: list[Channel], may_invite: dict[int, bool]
) -> list[Channel]:
    """/check has just read the bot's rights in each public channel (`may_invite`): what it
    records changes where counting became possible or impossible. Answers the channels as they
    are now."""
    now = []
    changed = False
    for channel in channels:
        seen = may_invite.get(channel.channel_id)
        counted = channel.bot_rights != NOT_COUNTED
        if seen is not None and channel.username and seen != counted:
            rights = ChannelRights.OK if seen else NOT_COUNTED
            recorded = await ctx.clients.tenancy.record_channel_rights(channel.channel_id, rights)
            changed = changed or recorded.changed
            channel = replace(channel, bot_rights=rights)
        now.append(channel)
    if changed:
        await ctx.policies.changed(group_id, await ctx.clients.tenancy.group_policy(group_id))
    return now
