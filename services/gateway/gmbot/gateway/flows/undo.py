"""Owners can undo: whatever GMBot imposed it lifts when the owner stops it (/unprotect), when
a member is exempted, when it cannot act in the group (suspended), and when an admin lifts its
mute by hand in Telegram (then the member is exempted: the admin wins)."""

from __future__ import annotations

import structlog

from gmbot.gateway.backends import call
from gmbot.gateway.flows.context import FlowContext, Person
from gmbot.gateway.flows.members import MemberChange, release
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import tenancy_pb2 as tenancy

log = structlog.get_logger("gmbot.gateway.undo")


async def release_group(
    ctx: FlowContext, key: str, group_id: int, reason: enforcement.ActionReason.ValueType
) -> None:
    """Every mute GMBot imposed in the group lifted, its warnings removed, its renewals and
    scheduled kicks cancelled (what the bot lacks the rights to lift now waits for them)."""
    await call(
        "enforcement",
        ctx.backends.enforcement.ReleaseGroup(
            enforcement.ReleaseGroupRequest(idempotency_key=key, group_id=group_id, reason=reason)
        ),
    )


async def still_held(ctx: FlowContext, group_id: int) -> int:
    """How many members GMBot restricts in the group now."""
    answer = await call(
        "enforcement",
        ctx.backends.enforcement.ListGroupRestrictions(
            enforcement.ListGroupRestrictionsRequest(group_id=group_id, limit=1)
        ),
    )
    return int(answer.total)


async def change_exempt(
    ctx: FlowContext,
    group_id: int,
    add: tuple[int, ...] | list[int] = (),
    remove: tuple[int, ...] | list[int] = (),
) -> tuple[tenancy.GroupPolicy, list[int]]:
    """Exempts and un-exempts members in one step (two admins at once both win)."""
    answer = await call(
        "tenancy",
        ctx.backends.tenancy.ChangeExemptUsers(
            tenancy.ChangeExemptUsersRequest(group_id=group_id, add=add, remove=remove)
        ),
    )
    await ctx.policies.changed(group_id, answer.policy)
    return answer.policy, list(answer.added)


async def release_exempted(ctx: FlowContext, key: str, group_id: int, user_ids: list[int]) -> None:
    """Members just exempted: GMBot lets go of them at once."""
    for user_id in user_ids:
        await release(
            ctx,
            f"{key}:{user_id}",
            group_id,
            Person(user_id, ""),
            enforcement.ACTION_REASON_EXEMPTED,
        )


async def exempt(ctx: FlowContext, key: str, group_id: int, user_id: int) -> None:
    """An admin exempts a member: never checked here again, and unmuted now."""
    await change_exempt(ctx, group_id, add=[user_id])
    await release_exempted(ctx, key, group_id, [user_id])


async def on_member_changed(ctx: FlowContext, change: MemberChange) -> str:
    """An admin lifted GMBot's mute by hand: GMBot stops renewing it, and exempts the member
    instead of muting them again on their next message. Other changes: nothing to do."""
    if not change.unmuted or change.actor_id in (0, ctx.bot_id, change.person.user_id):
        return "none"
    held = await call(
        "enforcement",
        ctx.backends.enforcement.ListRestrictedGroups(
            enforcement.ListRestrictedGroupsRequest(user_id=change.person.user_id)
        ),
    )
    if change.chat_id not in held.group_ids:
        return "not-ours"  # someone else's restriction, or one GMBot already let go of
    await release(
        ctx,
        f"u{change.update_id}:lifted",
        change.chat_id,
        change.person,
        enforcement.ACTION_REASON_LIFTED_BY_ADMIN,
    )
    await change_exempt(ctx, change.chat_id, add=[change.person.user_id])
    log.info("an admin lifted GMBot's mute by hand: the member is exempt now")
    return "lifted-by-admin"
