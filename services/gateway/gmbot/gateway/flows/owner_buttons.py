"""Presses of the owners' buttons (/muted, /status, the group choice in private). A press counts
only when its signature holds and the presser administers the group it names; every press is
answered."""

from __future__ import annotations

from dataclasses import dataclass

from gmbot.gateway.backends import InvalidArgument, call
from gmbot.gateway.flows import undo
from gmbot.gateway.flows.commands import status_of
from gmbot.gateway.flows.context import FlowContext, Person
from gmbot.gateway.flows.members import release
from gmbot.gateway.flows.muted import EXEMPT, PAGE_AT, UNMUTE, muted_page, name_of, title_of
from gmbot.gateway.flows.replies import Button, Reply, owner_button
from gmbot.gateway.flows.settings import label
from gmbot.gateway.flows.stats import stats_of
from gmbot.gateway.flows.verdicts import is_admin
from gmbot.gateway.texts import Html, language_of, say
from gmbot.runtime.callbacks import verify_owner
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import tenancy_pb2 as tenancy

# Button actions besides /muted's.
UNEXEMPT, CHOOSE = "r", "g"
# What a group chosen in private is chosen for.
FOR_MUTED, FOR_STATS = 0, 1
EXEMPT_LIST = "exempt_user_ids"


@dataclass(frozen=True)
class PressAnswer:
    """The callback answer, and what the message the button is on becomes (None: unchanged).
    Not `by_admin`: anyone else's press, answered behind enforcement."""

    text: str
    alert: bool = False
    edit: Reply | None = None
    by_admin: bool = True


async def choose_group(ctx: FlowContext, user_id: int, language: str, purpose: int) -> Reply:
    """/muted or /stats in private: one button per group the user protects."""
    answer = await call(
        "tenancy",
        ctx.backends.tenancy.ListOwnerGroups(tenancy.ListOwnerGroupsRequest(owner_user_id=user_id)),
    )
    if not answer.groups:
        return Reply(say(language, "groups_none"))
    rows: tuple[tuple[Button, ...], ...] = tuple(
        (owner_button(ctx.signing_key, g.title or str(g.group_id), CHOOSE, g.group_id, purpose),)
        for g in answer.groups
    )
    return Reply(say(language, "choose_group"), rows)


async def on_owner_pressed(
    ctx: FlowContext, data: str, presser: Person, press_id: str
) -> PressAnswer | None:
    """None when the data is not an owner button (or was forged)."""
    button = verify_owner(ctx.signing_key, data)
    if button is None:
        return None
    group_id, value = button.group_id, button.value
    policy = await ctx.policies.get(group_id)
    language = policy.settings.language if policy else language_of(presser.language_code)
    admin = await is_admin(ctx, group_id, presser.user_id)
    if admin is None:
        return PressAnswer(say(language, "press_unknown"), alert=True, by_admin=False)
    if not admin:
        return PressAnswer(say(language, "press_only_admins"), alert=True, by_admin=False)
    title = title_of(policy, group_id)
    key = f"press:{press_id}"
    action = button.action
    if action == UNMUTE:
        name = await name_of(ctx, group_id, value)
        await release(
            ctx, key, group_id, Person(value, name), enforcement.ACTION_REASON_UNMUTED_BY_ADMIN
        )
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
    if action == CHOOSE and value == FOR_STATS:
        return PressAnswer("", edit=await stats_of(ctx, group_id, title, language))
    if action == CHOOSE:
        return PressAnswer("", edit=await muted_page(ctx, group_id, title, language))
    return PressAnswer("")
