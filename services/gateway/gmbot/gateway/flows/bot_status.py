"""Flow 8: the bot's own rights change. Removed or demoted, GMBot stops enforcing in the group
(instead of failing on every message), lifts what it imposed there as far as it still can and
tells whoever hears the group's alerts (flows/alerts.py); given its rights back, it resumes,
lifts what it could not lift before, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from gmbot.gateway.clients.enforcement import Reason
from gmbot.gateway.flows import alerts, undo
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.flows.setup import REQUIRED_GROUP_RIGHTS, WANTED_GROUP_RIGHTS, protect_link
from gmbot.gateway.texts import Html, say, say_count

_PRESENT = {"creator", "administrator", "member", "restricted"}


@dataclass(frozen=True)
class Notice:
    """A message to send: to the group, or to a person in private."""

    chat_id: int
    text: str


@dataclass(frozen=True)
class BotStatus:
    status: str
    rights: frozenset[str]

    @property
    def present(self) -> bool:
        return self.status in _PRESENT

    def missing_rights(self, wanted: tuple[str, ...] = REQUIRED_GROUP_RIGHTS) -> list[str]:
        if self.status == "creator":
            return []
        held = self.rights if self.status == "administrator" else frozenset()
        return [right for right in wanted if right not in held]


def welcome(language: str, status: BotStatus, bot_username: str, basic_group: bool = False) -> str:
    """What the bot says when it lands in a group: which of the rights it wants it has and lacks,
    and what to do next (in a basic group: to upgrade it first): the set-up by chat pickers in
    private, one tap away, or /protect typed in the group."""
    if basic_group:
        return say(language, "only_supergroups")
    missing = status.missing_rights(WANTED_GROUP_RIGHTS)
    held = [right for right in WANTED_GROUP_RIGHTS if right not in missing]
    lines = [say(language, "bot_added")]
    if held:
        lines.append(say(language, "rights_have", rights=rights_text(language, held)))
    if missing:
        lines.append(say(language, "rights_lack", rights=rights_text(language, missing)))
    lines.append(say(language, "bot_added_next", link=Html(protect_link(bot_username))))
    return "\n".join(lines)


def rights_text(language: str, rights: list[str]) -> str:
    return ", ".join(say(language, f"right_{right}") for right in rights)


async def resume(ctx: FlowContext, key: str, group_id: int) -> int:
    """Lifts a suspension; what GMBot still holds there from before (it could not lift it
    without its rights) is lifted now. Returns how many of those there were."""
    await ctx.policies.changed(group_id, await ctx.clients.tenancy.resume(group_id))
    held = await undo.still_held(ctx, group_id)
    if held:
        await undo.release_group(ctx, f"{key}:lift", group_id, Reason.SUSPENDED)
    return held


async def on_bot_status_changed(
    ctx: FlowContext,
    update_id: int,
    group_id: int,
    old: BotStatus,
    new: BotStatus,
    adder_language: str = "en",
    *,
    basic_group: bool = False,
) -> list[Notice]:
    """`adder_language`: the language of whoever added or changed the bot, for a group that has
    no language of its own yet."""
    policy = await ctx.policies.get(group_id)
    language = policy.settings.language if policy is not None else adder_language
    notices = []
    if new.present and not old.present:
        notices.append(Notice(group_id, welcome(language, new, ctx.bot_username, basic_group)))
    if policy is None or not policy.enabled:
        return notices
    missing = new.missing_rights()
    if not new.present or missing:
        reason = (
            say(language, "reason_removed")
            if not new.present
            else say(language, "reason_demoted", rights=rights_text(language, missing))
        )
        suspended = await ctx.clients.tenancy.suspend(group_id, reason)
        await ctx.policies.changed(group_id, suspended)
        # Nobody stays muted by a GMBot that cannot act: lifted now where it still can.
        await undo.release_group(ctx, f"u{update_id}:suspended", group_id, Reason.SUSPENDED)
        text = say(language, "bot_lost_rights", title=policy.title, reason=Html(reason))
        notices += [Notice(user, text) for user in await alerts.recipients(ctx, policy)]
    elif policy.suspended_reason:
        lifted = await resume(ctx, f"u{update_id}:resumed", group_id)
        text = say(language, "bot_resumed", title=policy.title)
        if lifted:
            text += "\n" + say_count(language, "bot_resumed_lifted", lifted)
        notices += [Notice(user, text) for user in await alerts.recipients(ctx, policy)]
    return notices
