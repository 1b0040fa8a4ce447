"""/muted: who GMBot restricts in a group now, why and since when, a page at a time, each with
"Unmute" (this once) and "Exempt" buttons only the group's administrators may press."""

from __future__ import annotations

from gmbot.gateway.clients.enforcement import Reason
from gmbot.gateway.domain.policy import GroupPolicy
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.flows.replies import Button, Reply, mention, owner_button, when
from gmbot.gateway.texts import Html, say

PAGE = 5
# Button actions (gmbot.runtime.callbacks.OwnerButton.action).
UNMUTE, EXEMPT, PAGE_AT = "u", "x", "p"
_REASONS = {
    Reason.NOT_SUBSCRIBED: "mute_reason_not_subscribed",
    Reason.JOINED_UNVERIFIED: "mute_reason_joined_unverified",
    Reason.LEFT_CHANNEL: "mute_reason_left_channel",
}


def reason_of(language: str, reason: Reason | None) -> str:
    """Why GMBot restricts a member, in words."""
    words = None if reason is None else _REASONS.get(reason)
    return say(language, words or "mute_reason_other")


def title_of(policy: GroupPolicy | None, group_id: int) -> str:
    return policy.title if policy is not None and policy.title else str(group_id)


async def muted_page(
    ctx: FlowContext, group_id: int, title: str, language: str, offset: int = 0
) -> Reply:
    answer = await ctx.clients.enforcement.group_restrictions(group_id, offset, PAGE)
    if not answer.restrictions and offset:  # the page emptied meanwhile: the first one
        return await muted_page(ctx, group_id, title, language)
    if not answer.restrictions:
        return Reply(say(language, "muted_none", title=title))
    last = offset + len(answer.restrictions)
    header = say(
        language, "muted_header", title=title, first=offset + 1, last=last, total=answer.total
    )
    numbered = list(enumerate(answer.restrictions, start=offset + 1))
    lines = [header] + [
        say(
            language,
            "muted_line",
            n=n,
            user=Html(mention(held.user_id, held.display_name)),
            reason=reason_of(language, held.reason),
            since=when(held.since),
        )
        for n, held in numbered
    ]
    rows = [_member_buttons(ctx, group_id, language, n, held.user_id) for n, held in numbered]
    turns = _page_turns(ctx, group_id, language, offset, last, answer.total)
    if turns:
        rows.append(turns)
    return Reply("\n".join(lines), tuple(rows))


def _member_buttons(
    ctx: FlowContext, group_id: int, language: str, n: int, user_id: int
) -> tuple[Button, ...]:
    """The n-th muted member's "Unmute" and "Exempt"."""
    return (
        owner_button(
            ctx.signing_key, say(language, "button_unmute", n=n), UNMUTE, group_id, user_id
        ),
        owner_button(
            ctx.signing_key, say(language, "button_exempt", n=n), EXEMPT, group_id, user_id
        ),
    )


def _page_turns(
    ctx: FlowContext, group_id: int, language: str, offset: int, last: int, total: int
) -> tuple[Button, ...]:
    """ "Previous" and "Next", where there is a page to turn to."""
    turns = []
    if offset:
        back = max(0, offset - PAGE)
        turns.append(
            owner_button(ctx.signing_key, say(language, "button_previous"), PAGE_AT, group_id, back)
        )
    if last < total:
        turns.append(
            owner_button(ctx.signing_key, say(language, "button_next"), PAGE_AT, group_id, last)
        )
    return tuple(turns)


async def name_of(ctx: FlowContext, group_id: int, user_id: int) -> str:
    """The member's name as GMBot knew it when it muted them (else their id)."""
    offset = 0
    while True:
        answer = await ctx.clients.enforcement.group_restrictions(group_id, offset, 50)
        for held in answer.restrictions:
            if held.user_id == user_id:
                return held.display_name or str(user_id)
        offset += len(answer.restrictions)
        if not answer.restrictions or offset >= answer.total:
            return str(user_id)
