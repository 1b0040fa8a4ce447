"""Who may see and change what: the viewer's groups, and their administrator status (the near
cache's for reads; Telegram's own, asked now, for every write)."""

from __future__ import annotations

from gmbot.gateway.clients.backends import BackendError
from gmbot.gateway.domain.policy import GroupPolicy
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.flows.verdicts import is_admin


async def administers_now(ctx: FlowContext, group_id: int, user_id: int) -> bool | None:
    """Whether the user administers the group, as Telegram says now (None: cannot be told).
    A demoted administrator's page must not keep its power for as long as a cache lives."""
    try:
        reply = await ctx.clients.membership.administrators(group_id, fresh=True)
    except BackendError:
        return None
    admins = frozenset(a.user_id for a in reply.administrators)
    ctx.near.remember_admins(group_id, admins)
    return user_id in admins


async def groups_of(ctx: FlowContext, user_id: int) -> list[GroupPolicy]:
    """The protected groups the user administers. There is no index of groups by administrator:
    the candidates are the groups the user protected (tenancy), the groups membership saw the
    user in, and the groups whose administrator list this gateway holds names the user; each
    counts only when its administrator list holds the user."""
    owned = await ctx.clients.tenancy.owner_groups(user_id)
    seen = await ctx.clients.membership.user_groups(user_id)
    candidates = dict.fromkeys(owned + seen + ctx.near.chats_administered_by(user_id))
    found = []
    for group_id in candidates:
        policy = await ctx.policies.get(group_id)
        if policy is not None and policy.enabled and await is_admin(ctx, group_id, user_id):
            found.append(policy)
    return found
