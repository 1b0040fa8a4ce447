"""Who hears a group's alerts (the bot's rights lost or back, a channel it can no longer read):
every administrator of the group who opened GMBot and has not turned alerts off, and its owner
unless they did. GMBot may write only to people who opened it, which tenancy records; who
administers the group is membership's kept list. A list that cannot be read leaves the owner."""

from __future__ import annotations

import structlog

from gmbot.gateway.clients.backends import BackendError
from gmbot.gateway.domain.policy import GroupPolicy
from gmbot.gateway.flows.context import FlowContext, Person
from gmbot.gateway.texts import spoken

log = structlog.get_logger("gmbot.gateway.alerts")

# Callback data of the alerts button in private: it changes only the presser's own preference.
PREFIX = "alerts:"
TURN_ON, TURN_OFF = f"{PREFIX}on", f"{PREFIX}off"


async def opened(ctx: FlowContext, person: Person) -> bool:
    """`person` opened GMBot in private (their Telegram language recorded when GMBot speaks
    it, for what it tells them alone); whether they want alerts."""
    language = spoken(person.language_code) or ""
    return await ctx.clients.tenancy.person_started(person.user_id, language)


async def turn(ctx: FlowContext, user_id: int, data: str) -> bool:
    """The alerts button pressed: alerts on or off for the presser. Returns the new state."""
    alerts = data == TURN_ON
    await ctx.clients.tenancy.set_person_alerts(user_id, alerts)
    return alerts


async def recipients(ctx: FlowContext, policy: GroupPolicy) -> list[int]:
    return [user_id for user_id, _ in await recipients_speaking(ctx, policy)]


async def recipients_speaking(ctx: FlowContext, policy: GroupPolicy) -> list[tuple[int, str]]:
    """Who hears the group's alerts, each with their own language ("" when never told)."""
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
    known = {p.user_id: p for p in await ctx.clients.tenancy.people(candidates)}
    # An owner from before GMBot recorded who opened it is told, as they always were.
    told = sorted(u for u in candidates if (known[u].alerts if u in known else u == owner))
    return [(u, known[u].language if u in known else "") for u in told]
