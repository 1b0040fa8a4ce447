"""Flow 3: a join request in a group that gates them."""

from __future__ import annotations

from gmbot.gateway.clients.enforcement import JoinDecision, Reason
from gmbot.gateway.flows.context import FlowContext, Person
from gmbot.gateway.flows.verdicts import is_active, judge, observation, observing, warning_for


async def on_join_request(
    ctx: FlowContext, update_id: int, group_id: int, person: Person, user_chat_id: int
) -> str:
    """Approve the subscribed; tell the others what to join (they are approved when they do, or
    when they press «I have joined» in that message). Observing, only record what would be
    decided and leave the request to the group's admins."""
    policy = await ctx.policies.get(group_id)
    if policy is None or not is_active(policy) or not policy.settings.gate_join_requests:
        return "ignored"  # the group's admins decide as usual
    verdict = await judge(ctx, policy, person.user_id)
    if verdict.unknown and not verdict.missing:
        return "unknown"  # stays pending; never declined for our failure
    decision = JoinDecision.APPROVE if verdict.in_good_standing else JoinDecision.WAIT
    await ctx.clients.enforcement.decide_join_request(
        f"u{update_id}:join-request",
        group_id,
        person.user_id,
        decision,
        (Reason.VERIFIED if verdict.in_good_standing else Reason.NOT_SUBSCRIBED),
        user_chat_id=user_chat_id,
        notice=warning_for(policy, person, verdict.missing),
        observe=await observation(ctx, policy),
    )
    if observing(policy):
        return "observed"
    return "approved" if verdict.in_good_standing else "waiting"
