"""Who hears a group's alerts (the bot's rights lost or back, a channel it can no longer read):
every administrator of the group who opened GMBot and has not turned alerts off, and its owner
unless they did. GMBot may write only to people who opened it, which tenancy records; who
administers the group is membership's kept list. A list that cannot be read leaves the owner."""

from __future__ import annotations

import structlog

from gmbot.gateway.clients.backends import BackendError
from gmbot.gateway.flows.context import FlowContext
from gmbot.v1 import tenancy_pb2 as tenancy

log = structlog.get_logger("gmbot.gateway.alerts")

# Callback data of the alerts button in private: it changes only the presser's own preference.
PREFIX = "alerts:"
TURN_ON, TURN_OFF = f"{PREFIX}on", f"{PREFIX}off"


async def opened(ctx: FlowContext, user_id: int) -> bool:
    """`user_id` opened GMBot in private; whether they want alerts."""
    return await ctx.clients.tenancy.person_started(user_id)


async def turn(ctx: FlowContext, user_id: int, data: str) -> bool:
    """The alerts button pressed: alerts on or off for the presser. Returns the new state."""
    alerts = data == TURN_ON
    await ctx.clients.tenancy.set_person_alerts(user_id, alerts)
    return alerts


async def recipients(ctx: FlowContext, policy: tenancy.GroupPolicy) -> list[int]:
    owner = policy.owner_user_id
    candidates = {owner}
    try:
        admins = await ctx.clients.membership.administrators(policy.group_id)
        candidates.update(a.user_id for a in admins.administrators if not a.is_bot)
    except BackendError as error:
        log.info(
            "administrators unknown: the owner alone is told",
            group_id=policy.group_id,
            status=error.status,
        )
    wants = await ctx.clients.tenancy.alerts_wanted(candidates)
    # An owner from before GMBot recorded who opened it is told, as they always were.
    return sorted(u for u in candidates if wants.get(u, u == owner))
