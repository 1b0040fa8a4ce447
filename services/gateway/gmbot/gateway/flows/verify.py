"""Flow 6: "I have joined". Only the member the button was made for may press it; the check
skips every cache; the answer says exactly what is still missing. A press repeated within a few
seconds, on whichever replica, gets the same answer without another check (each check costs a
getChatMember per channel, and buttons can be pressed without end)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from gmbot.gateway.domain.policy import Channel, GroupPolicy
from gmbot.gateway.flows.context import FlowContext, Person
from gmbot.gateway.flows.members import release
from gmbot.gateway.flows.verdicts import is_active, judge
from gmbot.gateway.texts import say
from gmbot.runtime.callbacks import verify


@dataclass(frozen=True)
class Answer:
    """The callback answer: a short text, shown as an alert when it asks for something."""

    text: str
    alert: bool


async def on_verify_pressed(
    ctx: FlowContext, signing_key: bytes, data: str, presser: Person, press_id: str
) -> Answer | None:
    """None when the data is not a GMBot button (or was forged): nothing to answer."""
    button = verify(signing_key, data)
    if button is None:
        return None
    policy = await ctx.policies.get(button.group_id)
    language = policy.settings.language if policy is not None else "en"
    if presser.user_id != button.user_id:
        return Answer(say(language, "verify_not_yours"), alert=True)
    key = f"{button.group_id}:{presser.user_id}"
    recent = await ctx.recent_checks.get(key)
    if recent is not None:
        return Answer(**json.loads(recent))
    answer = await _check(ctx, button.group_id, policy, language, presser, press_id)
    await ctx.recent_checks.put(key, json.dumps(asdict(answer)))
    return answer


@dataclass(frozen=True)
class Outcome:
    """What one check of a member in one group found: `free` (released, or the join request
    approved when `approved`), else the channels still `missing`, or nothing known (`unknown`)."""

    free: bool
    approved: bool = False
    missing: tuple[Channel, ...] = ()

    @property
    def unknown(self) -> bool:
        return not self.free and not self.missing


async def recheck(
    ctx: FlowContext,
    group_id: int,
    policy: GroupPolicy | None,
    presser: Person,
    press_id: str,
    pending_requests: frozenset[int] | None = None,
) -> Outcome:
    """Checks the member without the cache and lifts what GMBot imposed in the group when they
    follow every channel (or approves their waiting join request). `pending_requests`: the
    groups where their request waits, when the caller asked already."""
    if policy is not None and is_active(policy):
        verdict = await judge(ctx, policy, presser.user_id, fresh=True)
        if verdict.missing:
            return Outcome(free=False, missing=verdict.missing)
        if verdict.unknown:
            return Outcome(free=False)
    if pending_requests is None:
        held = await ctx.clients.enforcement.restricted_groups(presser.user_id)
        pending_requests = frozenset(held.pending_join_request_group_ids)
    if group_id in pending_requests:
        # The button of a join requester's notice: the request is approved at once.
        await ctx.clients.enforcement.approve_join_request(
            f"verify:{press_id}:approve", group_id, presser.user_id
        )
        return Outcome(free=True, approved=True)
    # Verified, or the group no longer requires anything: lift what GMBot imposed.
    await release(ctx, f"verify:{press_id}", group_id, presser)
    return Outcome(free=True)


def channel_names(channels: tuple[Channel, ...]) -> str:
    return ", ".join(c.title or f"@{c.username}" for c in channels)


async def _check(
    ctx: FlowContext,
    group_id: int,
    policy: GroupPolicy | None,
    language: str,
    presser: Person,
    press_id: str,
) -> Answer:
    outcome = await recheck(ctx, group_id, policy, presser, press_id)
    if outcome.missing:
        names = channel_names(outcome.missing)
        return Answer(say(language, "verify_missing", channels=names), alert=True)
    if outcome.unknown:
        return Answer(say(language, "verify_unknown"), alert=True)
    if outcome.approved:
        return Answer(say(language, "verify_request_ok"), alert=False)
    return Answer(say(language, "verify_ok"), alert=False)
