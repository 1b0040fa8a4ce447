"""Which protected groups a person administers, for the views in private (every administrator
is an owner, not only whoever ran /protect).

Membership keeps the administrator lists indexed by user; the groups the person protected
(tenancy's record) are added, so a membership that lost its index (it keeps no only copy) hides
nothing. Each candidate is confirmed against the kept administrator list, as every press is."""

from __future__ import annotations

import structlog

from gmbot.gateway.clients.backends import BackendError
from gmbot.gateway.domain.policy import GroupPolicy
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.flows.verdicts import is_admin

log = structlog.get_logger("gmbot.gateway.administered")


async def administered_groups(ctx: FlowContext, user_id: int) -> list[GroupPolicy]:
    """The groups GMBot knows (protected now or before) that `user_id` administers, by title."""
    candidates: set[int] = set()
    try:
        candidates.update(await ctx.clients.membership.administered_groups(user_id))
    except BackendError as error:
        # The groups they protected are still listed.
        log.warning("administered groups not listed", user_id=user_id, status=error.status)
    candidates.update(await ctx.clients.tenancy.owner_groups(user_id))
    groups = []
    for group_id in sorted(candidates):
        policy = await ctx.policies.get(group_id)
        if policy is not None and await is_admin(ctx, group_id, user_id):
            groups.append(policy)
    return sorted(groups, key=lambda p: (p.title.casefold(), p.group_id))
