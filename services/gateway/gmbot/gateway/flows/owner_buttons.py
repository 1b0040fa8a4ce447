"""Presses of the owners' buttons (/muted, /status, the views in private, Undo in a log chat).
A press counts only when its signature holds and the presser administers the group it names
(the kept administrator list says so, whoever protected the group, wherever the button is);
every press is answered."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from gmbot.gateway.clients.backends import InvalidArgument
from gmbot.gateway.clients.enforcement import Reason
from gmbot.gateway.domain.policy import GroupPolicy
from gmbot.gateway.flows import channel_requests, log_undo, private_menu, private_views, undo
from gmbot.gateway.flows.admin_checks import ChatLookup, GroupCommand
from gmbot.gateway.flows.commands import status_of
from gmbot.gateway.flows.context import FlowContext, Person
from gmbot.gateway.flows.members import release
from gmbot.gateway.flows.muted import EXEMPT, PAGE_AT, UNMUTE, muted_page, name_of, title_of
from gmbot.gateway.flows.replies import Reply
from gmbot.gateway.flows.settings import label
from gmbot.gateway.flows.verdicts import is_admin
from gmbot.gateway.texts import Html, language_of, say
from gmbot.runtime.callbacks import LOG_UNDOS, OwnerButton, verify_owner

# Button actions besides /muted's and the private views'.
UNEXEMPT = "r"
EXEMPT_LIST = "exempt_user_ids"
PRIVATE_ACTIONS = frozenset(
    {private_menu.VIEW, private_menu.MENU, private_menu.GROUPS, private_menu.UNPROTECT}
)


@dataclass(frozen=True)
class PressAnswer:
    """The callback answer, and what the message the button is on becomes (None: unchanged).
    Not `by_admin`: anyone else's press, answered behind enforcement."""

    text: str
    alert: bool = False
    edit: Reply | None = None
    by_admin: bool = True
    # The pressed button's new text (the rest of the message unchanged); empty: none.
    relabel: str = ""


@dataclass(frozen=True)
class Press:
    """Where a press came from: `private` when the buttons are on a message in private (its
    views get Back); the update stands for the press in what it sets going."""

    update_id: int
    press_id: str
    private: bool
    message: log_undo.Pressed = field(default_factory=lambda: log_undo.Pressed(0, 0))


async def on_owner_pressed(
    ctx: FlowContext, lookup: ChatLookup, data: str, presser: Person, press: Press
) -> PressAnswer | None:
    """None when the data is not an owner button (or was forged)."""
    button = verify_owner(ctx.signing_key, data)
    if button is None:
        return None
    group_id = button.group_id
    policy = await ctx.policies.get(group_id)
    language = policy.settings.language if policy else language_of(presser.language_code)
    admin = await is_admin(ctx, group_id, presser.user_id)
    if admin is None:
        return PressAnswer(say(language, "press_unknown"), alert=True, by_admin=False)
    if not admin:
        return PressAnswer(say(language, "press_only_admins"), alert=True, by_admin=False)
    if button.action in LOG_UNDOS:
        key = f"press:{press.press_id}"
        text, relabel = await log_undo.press(ctx, key, button, presser, language, press.message)
        return PressAnswer(text, relabel=relabel)
    if policy is not None and button.action == channel_requests.APPROVALS:
        text = await channel_requests.toggle_consent(ctx, policy, button.value, presser, language)
        return PressAnswer(text, alert=True, edit=await status_of(ctx, group_id, language))
    if policy is not None and button.action in PRIVATE_ACTIONS:
        command = private_views.press_command(press.update_id, policy, presser, language)
        return PressAnswer("", edit=await _private(ctx, lookup, command, policy, button, presser))
    answer = await _on_list(ctx, button, policy, language, f"press:{press.press_id}")
    if press.private and answer.edit is not None:
        return replace(answer, edit=private_menu.back(ctx, answer.edit, group_id, language))
    return answer


async def _private(
    ctx: FlowContext,
    lookup: ChatLookup,
    command: GroupCommand,
    policy: GroupPolicy,
    button: OwnerButton,
    presser: Person,
) -> Reply:
    if button.action == private_menu.VIEW:
        return await private_views.view(ctx, lookup, command, policy, button.value)
    if button.action == private_menu.UNPROTECT:
        return await private_views.unprotect(ctx, command)
    if button.action == private_menu.MENU:
        return private_views.menu(ctx, policy, command.language)
    return await private_views.groups_list(ctx, presser, command.language)


async def _on_list(
    ctx: FlowContext,
    button: OwnerButton,
    policy: GroupPolicy | None,
    language: str,
    key: str,
) -> PressAnswer:
    """A press on /muted's or /status's buttons."""
    group_id, value = button.group_id, button.value
    title = title_of(policy, group_id)
    action = button.action
    if action == UNMUTE:
        name = await name_of(ctx, group_id, value)
        await release(ctx, key, group_id, Person(value, name), Reason.UNMUTED_BY_ADMIN)
        edit = await muted_page(ctx, group_id, title, language)
        return PressAnswer(say(language, "press_unmuted", user=name), edit=edit)
    if action == EXEMPT:
        name = await name_of(ctx, group_id, value)
        try:
            await undo.exempt(ctx, key, group_id, value)
        except InvalidArgument:  # the exempt list is full: the presser is told, not a dead letter
            reason = say(
                language, "setting_not_allowed", name=label(language, EXEMPT_LIST), value=name
            )
            return PressAnswer(say(language, "setting_bad", reason=Html(reason)), alert=True)
        edit = await muted_page(ctx, group_id, title, language)
        return PressAnswer(say(language, "press_exempted", user=name), edit=edit)
    if action == PAGE_AT:
        return PressAnswer("", edit=await muted_page(ctx, group_id, title, language, value))
    if action == UNEXEMPT:
        await undo.change_exempt(ctx, group_id, remove=[value])
        edit = await status_of(ctx, group_id, language)
        return PressAnswer(say(language, "unexempted", user=value), edit=edit)
    return PressAnswer("")
