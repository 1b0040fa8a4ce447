"""Flows 2, 4 and 5: a member joins a group; a member leaves or joins a linked channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gmbot.gateway.clients.enforcement import Reason
from gmbot.gateway.flows.claims import Claim
from gmbot.gateway.flows.context import GROUP_ANONYMOUS_BOT, FlowContext, Person
from gmbot.gateway.flows.verdicts import (
    action_without_message,
    enforce,
    is_active,
    is_exempt,
    judge,
    observing,
    warning_for,
)
from gmbot.runtime.ids import is_supergroup_id


@dataclass(frozen=True)
class MemberChange:
    """A chat_member update, reduced to what the flows need."""

    update_id: int
    chat_id: int
    person: Person
    old_status: str
    new_status: str
    # ChatMemberRestricted.is_member of the new status (False for other statuses).
    is_member: bool
    date: datetime
    old_is_member: bool = False
    # Who made the change (the member themselves, an admin, the bot); 0 when unknown.
    actor_id: int = 0
    # Whether that was a bot (GMBot, another bot, or an anonymous admin's @GroupAnonymousBot).
    actor_is_bot: bool = False
    # RESTRICTED only: whether the member may send messages, before and after.
    old_can_send: bool = True
    new_can_send: bool = True

    @property
    def now_member(self) -> bool:
        return _in_chat(self.new_status, self.is_member)

    @property
    def was_member(self) -> bool:
        return _in_chat(self.old_status, self.old_is_member)

    @property
    def by_a_person(self) -> bool:
        """Made by a person: an administrator acting anonymously shows as @GroupAnonymousBot."""
        return not self.actor_is_bot or self.actor_id == GROUP_ANONYMOUS_BOT

    @property
    def unmuted(self) -> bool:
        """A muted member who may write again (and is still in the chat)."""
        was_muted = self.old_status == "restricted" and not self.old_can_send
        return (
            was_muted and self.now_member and (self.new_status != "restricted" or self.new_can_send)
        )


def _in_chat(status: str, is_member: bool) -> bool:
    return status in {"creator", "administrator", "member"} or (
        status == "restricted" and is_member
    )


async def record_change(ctx: FlowContext, change: MemberChange) -> None:
    """Membership learns every change at once (and refreshes admin lists on admin changes).

    Only supergroups and channels: a basic group cannot be protected, so what happens there
    is nobody's business (and membership refuses its ids)."""
    if not is_supergroup_id(change.chat_id):
        return
    recorded = await ctx.clients.membership.record_chat_member_update(
        change.chat_id,
        change.person.user_id,
        change.old_status,
        change.new_status,
        is_member=change.is_member,
        date=change.date,
    )
    # This replica decides next on what it just recorded, not on its stream's echo of it.
    ctx.near.remember_answer(
        change.person.user_id, change.chat_id, recorded.status, change.date.timestamp()
    )
    if recorded.admins_changed:
        ctx.near.forget_admins(change.chat_id)


async def on_member_joined(ctx: FlowContext, update_id: int, group_id: int, person: Person) -> str:
    """A join, seen as a service message or a chat_member update (whichever comes first)."""
    if person.is_bot:
        return "skipped"
    policy = await ctx.policies.get(group_id)
    if policy is None or not is_active(policy) or not policy.settings.check_on_join:
        return "unprotected"
    # Both kinds of update announce the same join: the first one decides.
    key = f"join:{group_id}:{person.user_id}"
    if await ctx.ledger.claim(key) is not Claim.ACQUIRED:
        return "duplicate"
    ctx.presence.seen(group_id, person.user_id)
    try:
        if await is_exempt(ctx, policy, person.user_id) is not False:
            return "exempt"
        ctx.activity.join_checked(group_id)
        verdict = await judge(ctx, policy, person.user_id)
        if not verdict.missing:
            return "allowed" if verdict.in_good_standing else "unknown-allowed"
        await enforce(
            ctx,
            f"u{update_id}:join",
            policy,
            person,
            verdict,
            Reason.JOINED_UNVERIFIED,
            action=action_without_message(policy),
        )
        return "observed" if observing(policy) else "enforced"
    except BaseException:
        await ctx.ledger.release(key)
        raise


async def on_channel_member_changed(ctx: FlowContext, change: MemberChange) -> list[str]:
    """Records the change, then mutes (left) or releases (joined) wherever it matters."""
    await record_change(ctx, change)
    if change.now_member:
        return await now_following(ctx, change.update_id, change.person)
    return await _left_channel(ctx, change)


async def _left_channel(ctx: FlowContext, change: MemberChange) -> list[str]:
    linked = await ctx.clients.tenancy.channel_groups(change.chat_id)
    seen = await ctx.clients.membership.user_groups(change.person.user_id)
    outcomes = []
    for group_id in sorted(set(linked) & set(seen)):
        policy = await ctx.policies.get(group_id)
        if policy is None or not is_active(policy):
            continue
        if await is_exempt(ctx, policy, change.person.user_id) is not False:
            continue
        verdict = await judge(ctx, policy, change.person.user_id)
        if verdict.missing:
            await enforce(
                ctx,
                f"u{change.update_id}:left:{group_id}",
                policy,
                change.person,
                verdict,
                Reason.LEFT_CHANNEL,
                action=action_without_message(policy),
            )
            outcomes.append(f"muted:{group_id}")
    return outcomes


async def now_following(ctx: FlowContext, update_id: int, person: Person) -> list[str]:
    """The member joined a channel (or asked to, where a pending request counts): wherever
    GMBot holds them and every required channel is now satisfied, it lets go."""
    held = await ctx.clients.enforcement.restricted_groups(person.user_id)
    outcomes = []
    for group_id in held.group_ids:
        policy = await ctx.policies.get(group_id)
        verdict = (
            None
            if policy is None or not is_active(policy)
            else await judge(ctx, policy, person.user_id)
        )
        if verdict is None or verdict.in_good_standing:
            await release(
                ctx, f"u{update_id}:joined:{group_id}", group_id, person, Reason.JOINED_CHANNEL
            )
            outcomes.append(f"released:{group_id}")
    for group_id in held.pending_join_request_group_ids:
        policy = await ctx.policies.get(group_id)
        if policy is not None and is_active(policy):
            verdict = await judge(ctx, policy, person.user_id)
            if not verdict.in_good_standing:
                continue
        await ctx.clients.enforcement.approve_join_request(
            f"u{update_id}:approve:{group_id}", group_id, person.user_id
        )
        outcomes.append(f"approved:{group_id}")
    return outcomes


async def release(
    ctx: FlowContext,
    key: str,
    group_id: int,
    person: Person,
    reason: Reason = Reason.VERIFIED,
) -> None:
    """GMBot lets go of the member: its mute lifted, its warning removed, what it planned
    (renewals, a kick) cancelled; the group's log chat hears of a mute lifted."""
    policy = await ctx.policies.get(group_id)
    log = warning_for(policy, person, ()) if policy and policy.settings.log_chat_id else None
    await ctx.clients.enforcement.release(key, group_id, person.user_id, reason, log=log)
