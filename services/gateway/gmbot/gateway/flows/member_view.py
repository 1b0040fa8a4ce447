"""A member's own view, in private: every group where GMBot restricts them (or holds their join
request), the channels each still needs as join buttons, and one "I have joined" that checks
every group and lifts every mute it can. It rests on enforcement's records, not on a warning, so
it works after the warning expired; it speaks the member's language, not the groups'."""

from __future__ import annotations

import json
from dataclasses import asdict

from gmbot.gateway.clients.backends import BackendError
from gmbot.gateway.domain.policy import Channel, GroupPolicy
from gmbot.gateway.flows.context import FlowContext, Person
from gmbot.gateway.flows.muted import title_of
from gmbot.gateway.flows.replies import Button, Reply
from gmbot.gateway.flows.verdicts import is_active, join_url, judge, makes_links
from gmbot.gateway.flows.verify import Outcome, channel_names, recheck
from gmbot.gateway.texts import Html, button_text, say

# The view's one button (pressed in the member's own chat: the presser is the member).
CHECK = "mv:check"


async def _held(ctx: FlowContext, user_id: int) -> tuple[list[int], frozenset[int]]:
    """The groups where GMBot holds the member, and which of them hold a join request."""
    held = await ctx.clients.enforcement.restricted_groups(user_id)
    pending = frozenset(held.pending_join_request_group_ids)
    return sorted({*held.group_ids, *pending}), pending


async def _link_now(ctx: FlowContext, policy: GroupPolicy, channel: Channel) -> str:
    """The channel's link for the group as its warnings carry it now: GMBot's own, as enforcement
    keeps it (made again when revoked; the copy in the group's policy is what /protect saw),
    or, where GMBot makes none or enforcement cannot answer, the channel's public or kept one."""
    if makes_links(channel):
        try:
            return await ctx.clients.channel_joins.invite_link(
                channel.channel_id, policy.group_id, policy.settings.channels_approve_joins
            )
        except BackendError:
            pass
    return join_url(channel)


async def _join_buttons(
    ctx: FlowContext, policy: GroupPolicy, channels: tuple[Channel, ...], seen: set[int]
) -> list[Button]:
    """One button per channel with a link, each channel once over the whole view."""
    buttons = []
    for channel in channels:
        if channel.channel_id in seen:
            continue
        url = await _link_now(ctx, policy, channel)
        if url:
            seen.add(channel.channel_id)
            buttons.append(Button(button_text(channel.title, channel.username), url=url))
    return buttons


def _line(language: str, title: str, outcome: Outcome | None) -> str:
    """One group's line: before a check (`outcome` None: what it needs), or after one."""
    if outcome is None:
        return say(language, "member_view_group", group=title)
    if outcome.approved:
        return say(language, "member_view_approved", group=title)
    if outcome.free:
        return say(language, "member_view_free", group=title)
    if outcome.missing:
        return say(
            language, "member_view_missing", group=title, channels=channel_names(outcome.missing)
        )
    return say(language, "member_view_unknown", group=title)


async def open_view(ctx: FlowContext, user_id: int, language: str) -> Reply | None:
    """The member's view, or None when GMBot holds them nowhere. What each group needs comes
    from the kept answers where there are some (no Telegram call for a member GMBot knows)."""
    groups, _ = await _held(ctx, user_id)
    if not groups:
        return None
    lines = [say(language, "member_view")]
    seen: set[int] = set()
    buttons: list[Button] = []
    for group_id in groups:
        policy = await ctx.policies.get(group_id)
        lines.append(_line(language, title_of(policy, group_id), None))
        if policy is not None and is_active(policy):
            verdict = await judge(ctx, policy, user_id)
            buttons += await _join_buttons(ctx, policy, verdict.missing + verdict.unknown, seen)
    return _reply(language, lines, buttons, check=True)


async def check_all(ctx: FlowContext, member: Person, language: str, press_id: str) -> Reply:
    """Checks every group without the cache; lifts what can be lifted. A press repeated within
    a few seconds is answered with the same view without another check (each check costs a
    getChatMember per channel)."""
    key = f"view:{member.user_id}"
    recent = await ctx.recent_checks.get(key)
    if recent is not None:
        kept = json.loads(recent)
        rows = tuple(tuple(Button(**b) for b in row) for row in kept["rows"])
        return Reply(kept["text"], rows)
    groups, pending = await _held(ctx, member.user_id)
    if not groups:
        return Reply(say(language, "member_view_none"))
    lines = [say(language, "member_view_checked")]
    seen: set[int] = set()
    buttons: list[Button] = []
    still_held = False
    for group_id in groups:
        policy = await ctx.policies.get(group_id)
        outcome = await recheck(ctx, group_id, policy, member, f"{press_id}:{group_id}", pending)
        lines.append(_line(language, title_of(policy, group_id), outcome))
        if policy is not None:
            buttons += await _join_buttons(ctx, policy, outcome.missing, seen)
        still_held = still_held or not outcome.free
    reply = _reply(language, lines, buttons, check=still_held)
    await ctx.recent_checks.put(
        key, json.dumps({"text": reply.text, "rows": [[asdict(b) for b in r] for r in reply.rows]})
    )
    return reply


def _reply(language: str, lines: list[str], buttons: list[Button], *, check: bool) -> Reply:
    rows = [(button,) for button in buttons]
    if check:
        rows.append((Button(f"✅ {say(language, 'member_view_check')}", data=CHECK),))
    return Reply(Html("\n".join(lines)), tuple(rows))
