"""Join requests in the channels groups require (a channel's chat_join_request, which GMBot gets
as an administrator with «Invite users via link»).

Every request is recorded as pending until the member joins, or a day passes (Telegram drops it
then; a decline by the channel's administrators reaches no bot). Where a group says a pending
request counts as joined, the requester is let go there at once. GMBot approves a request itself
only when an administrator of that channel consented (a button under /status, withdrawable), the
request came by the link GMBot made for a group requiring the channel, and the requester is a
member of that group."""

from __future__ import annotations

from gmbot.gateway.domain.policy import GroupPolicy
from gmbot.gateway.flows import members
from gmbot.gateway.flows.admin_checks import administrators, channel_name
from gmbot.gateway.flows.context import FlowContext, Person
from gmbot.gateway.flows.replies import Button, mention, owner_button, when
from gmbot.gateway.flows.verdicts import is_active, makes_links, warning_for
from gmbot.gateway.texts import Html, say

# The /status button that gives or withdraws a channel's consent; its value is the channel's
# place in the group's policy.
APPROVALS = "ap"


async def on_channel_request(
    ctx: FlowContext, update_id: int, channel_id: int, person: Person, invite_link: str
) -> str:
    recorded = await ctx.clients.channel_joins.record_request(
        channel_id, person.user_id, invite_link
    )
    group_id = recorded.group_id
    policy = await ctx.policies.get(group_id) if recorded.consent.active and group_id else None
    if policy is not None and await _member_of_requiring_group(
        ctx, policy, channel_id, person.user_id
    ):
        channels = tuple(c for c in policy.channels if c.channel_id == channel_id)
        log = warning_for(policy, person, channels) if policy.settings.log_chat_id else None
        await ctx.clients.enforcement.approve_join_request(
            f"u{update_id}:channel-request", channel_id, person.user_id, log=log
        )
        return "approved"  # the join that follows lets the member go (flow 5)
    let_go = await members.now_following(ctx, update_id, person)
    return "pending" + (f":{','.join(let_go)}" if let_go else "")


async def _member_of_requiring_group(
    ctx: FlowContext, policy: GroupPolicy, channel_id: int, user_id: int
) -> bool:
    """In good standing: the group is protected now and requires the channel, and GMBot has
    seen the requester in it (membership forgets those who leave or are removed)."""
    if not is_active(policy):
        return False
    if channel_id not in {c.channel_id for c in policy.channels}:
        return False
    return policy.group_id in await ctx.clients.membership.user_groups(user_id)


async def approval_lines(
    ctx: FlowContext, policy: GroupPolicy, language: str
) -> tuple[list[str], list[tuple[Button, ...]]]:
    """/status for administrators of a group whose channels approve joins: per channel, whether
    GMBot approves its requests (and on whose consent), with the button that changes it."""
    lines: list[str] = []
    rows: list[tuple[Button, ...]] = []
    if not policy.settings.channels_approve_joins:
        return lines, rows
    for place, channel in enumerate(policy.channels):
        if not makes_links(channel):
            continue
        name = channel_name(channel)
        consent = await ctx.clients.channel_joins.consent(channel.channel_id)
        if consent.active and consent.consented_at is not None:
            by = Html(mention(consent.user_id, str(consent.user_id)))
            at = when(consent.consented_at.timestamp())
            lines.append(say(language, "approvals_status_on", channel=name, user=by, when=at))
        else:
            lines.append(say(language, "approvals_status_off", channel=name))
        key = "button_approvals_withdraw" if consent.active else "button_approvals_give"
        text = say(language, key, channel=name)
        rows.append((owner_button(ctx.signing_key, text, APPROVALS, policy.group_id, place),))
    return lines, rows


async def toggle_consent(
    ctx: FlowContext, policy: GroupPolicy, place: int, presser: Person, language: str
) -> str:
    """An administrator of the group pressed a channel's approvals button: only an
    administrator of that channel (as Telegram says now) gives or withdraws its consent."""
    if not 0 <= place < len(policy.channels):
        return say(language, "approvals_only_channel_admins", channel="—")
    channel = policy.channels[place]
    name = channel_name(channel)
    admins = await administrators(ctx, channel.channel_id)
    if admins is None or presser.user_id not in admins:
        return say(language, "approvals_only_channel_admins", channel=name)
    current = await ctx.clients.channel_joins.consent(channel.channel_id)
    now = await ctx.clients.channel_joins.set_consent(
        channel.channel_id, presser.user_id, not current.active
    )
    return say(language, "approvals_given" if now.active else "approvals_withdrawn", channel=name)
