"""Owners can undo: whatever GMBot imposed it lifts when the owner stops it (/unprotect), when
a member is exempted, when it cannot act in the group (suspended), and when an admin lifts its
mute by hand in Telegram (then the member is exempted: the admin wins).

Other people's actions win: when an administrator or another bot bans, removes or restricts a
member, or another bot lifts GMBot's mute (a captcha bot lifting its own restriction), GMBot's
record of the member ends and Telegram is left as they made it: no renewal, no scheduled kick,
no unban or unmute over it. Another bot's unmute is no administrator's exemption: the member is
judged again at their next message."""

from __future__ import annotations

import structlog

from gmbot.gateway.clients.backends import BackendRefused
from gmbot.gateway.clients.enforcement import Reason
from gmbot.gateway.domain.policy import GroupPolicy
from gmbot.gateway.flows.context import FlowContext, Person
from gmbot.gateway.flows.members import MemberChange, release

log = structlog.get_logger("gmbot.gateway.undo")


async def release_group(ctx: FlowContext, key: str, group_id: int, reason: Reason) -> None:
    """Every mute GMBot imposed in the group lifted, its warnings removed, its renewals and
    scheduled kicks cancelled (what the bot lacks the rights to lift now waits for them)."""
    await ctx.clients.enforcement.release_group(key, group_id, reason)


async def still_held(ctx: FlowContext, group_id: int) -> int:
    """How many members GMBot restricts in the group now."""
    return (await ctx.clients.enforcement.group_restrictions(group_id, limit=1)).total


async def change_exempt(
    ctx: FlowContext,
    group_id: int,
    add: tuple[int, ...] | list[int] = (),
    remove: tuple[int, ...] | list[int] = (),
) -> tuple[GroupPolicy, list[int]]:
    """Exempts and un-exempts members in one step (two admins at once both win)."""
    changed = await ctx.clients.tenancy.change_exempt_users(group_id, add, remove)
    await ctx.policies.changed(group_id, changed.policy)
    return changed.policy, changed.added


async def release_exempted(ctx: FlowContext, key: str, group_id: int, user_ids: list[int]) -> None:
    """Members just exempted: GMBot lets go of them at once."""
    for user_id in user_ids:
        await release(
            ctx,
            f"{key}:{user_id}",
            group_id,
            Person(user_id, ""),
            Reason.EXEMPTED,
        )


async def exempt(ctx: FlowContext, key: str, group_id: int, user_id: int) -> None:
    """An admin exempts a member: never checked here again, and unmuted now."""
    await change_exempt(ctx, group_id, add=[user_id])
    await release_exempted(ctx, key, group_id, [user_id])


async def on_member_changed(ctx: FlowContext, change: MemberChange) -> str:
    """Someone other than GMBot and the member changed the member's status in a group. A person
    administering it who lifted GMBot's mute exempts the member; every other change of theirs
    (or any of another bot's) ends GMBot's record. A join, or a change by GMBot or by the member
    themselves: nothing to do here."""
    if change.actor_id in (0, ctx.bot_id, change.person.user_id):
        return "none"
    promoted = change.new_status in {"creator", "administrator"}  # never judged: no exemption
    if change.unmuted and change.by_a_person and not promoted:
        return await _lifted_by_admin(ctx, change)
    if change.new_status == "member" and not change.unmuted:
        return "none"  # added to the group: judged as a join
    if change.old_status == "kicked":
        # The unban that ends a kick (or lifts a ban): the ban's own update ended GMBot's record,
        # and a renewal or deadline that never saw it reads the member from Telegram first.
        return "none"
    if await ctx.policies.get(change.chat_id) is None:
        return "unprotected"
    # Always, not only when GMBot holds a mute: a mute accepted and not yet carried out is
    # cancelled too, so it never lands over the ban.
    await release(
        ctx,
        f"u{change.update_id}:overruled",
        change.chat_id,
        change.person,
        Reason.OVERRULED,
    )
    return "overruled"


async def _lifted_by_admin(ctx: FlowContext, change: MemberChange) -> str:
    """An admin lifted GMBot's mute by hand: GMBot stops renewing it, and exempts the member
    instead of muting them again on their next message."""
    held = await ctx.clients.enforcement.restricted_groups(change.person.user_id)
    if change.chat_id not in held.group_ids:
        return "not-ours"  # someone else's restriction, or one GMBot already let go of
    await release(
        ctx,
        f"u{change.update_id}:lifted",
        change.chat_id,
        change.person,
        Reason.LIFTED_BY_ADMIN,
    )
    try:
        await change_exempt(ctx, change.chat_id, add=[change.person.user_id])
    except BackendRefused as refused:
        # The list is full, or the group was unprotected meanwhile: the mute is lifted all
        # the same, and the update is done (a retry would be refused again).
        log.warning("the member could not be exempted", error=refused.message)
        return "lifted-by-admin-not-exempt"
    log.info("an admin lifted GMBot's mute by hand: the member is exempt now")
    return "lifted-by-admin"
