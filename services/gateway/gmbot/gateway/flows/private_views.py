"""The owners' views in private: every group the person administers (/groups), a group's menu,
and /status, /check, /settings, /muted, /stats and /unprotect after picking the group. Every
view has Back; every press is checked against the group's kept administrator list first
(flows/owner_buttons.py), so whoever administers the group may use them, and nobody else."""

from __future__ import annotations

from gmbot.gateway.domain.policy import GroupPolicy
from gmbot.gateway.flows import alerts, commands, settings_panel
from gmbot.gateway.flows.admin_checks import ChatLookup, GroupCommand, Refusal
from gmbot.gateway.flows.administered import administered_groups
from gmbot.gateway.flows.context import FlowContext, Person
from gmbot.gateway.flows.muted import muted_page, title_of
from gmbot.gateway.flows.private_menu import GROUPS, MENU, UNPROTECT, VIEW, back
from gmbot.gateway.flows.replies import Button, Reply, owner_button
from gmbot.gateway.flows.stats import stats_of
from gmbot.gateway.texts import MESSAGE_LIMIT, Html, fit_lines, say

# The views, as a VIEW button's value.
MUTED, STATS, STATUS, CHECK, SETTINGS, UNPROTECT_VIEW = range(6)
VIEWS = {
    "muted": MUTED,
    "stats": STATS,
    "status": STATUS,
    "check": CHECK,
    "settings": SETTINGS,
    "unprotect": UNPROTECT_VIEW,
}
# The menu's buttons, in order, with their texts' keys.
_MENU = (
    (STATUS, "button_view_status"),
    (SETTINGS, "button_view_settings"),
    (MUTED, "button_view_muted"),
    (STATS, "button_view_stats"),
    (CHECK, "button_view_check"),
    (UNPROTECT_VIEW, "button_view_unprotect"),
)


def _state(language: str, policy: GroupPolicy) -> str:
    if policy.suspended_reason:
        return say(language, "state_suspended", reason=policy.suspended_reason)
    return say(language, "state_on" if policy.enabled else "state_off")


def _group_button(ctx: FlowContext, policy: GroupPolicy, action: str, value: int) -> Button:
    title = title_of(policy, policy.group_id)
    return owner_button(ctx.signing_key, title, action, policy.group_id, value)


async def groups_list(ctx: FlowContext, reader: Person, language: str) -> Reply:
    """/groups: every protected group the person administers, each a button to its menu, and
    their alerts turned on or off (the person has opened GMBot: it may write to them now)."""
    groups = await administered_groups(ctx, reader.user_id)
    hears = await alerts.opened(ctx, reader)
    if not groups:
        return Reply(say(language, "groups_none"))
    toggle = (
        Button(say(language, "button_alerts_on"), alerts.TURN_OFF)
        if hears
        else Button(say(language, "button_alerts_off"), alerts.TURN_ON)
    )
    lines = [
        say(
            language,
            "group_line",
            title=p.title,
            state=Html(_state(language, p)),
            channels=commands.channel_names(list(p.channels)),
        )
        for p in groups
    ]
    header = say(language, "groups_header")
    text = header + "\n" + fit_lines(language, lines, MESSAGE_LIMIT - len(header) - 1)
    rows = tuple((_group_button(ctx, p, MENU, 0),) for p in groups)
    return Reply(text, (*rows, (toggle,)))


async def choose_group(ctx: FlowContext, user_id: int, language: str, view: int) -> Reply:
    """A command in private: which group first, one button per group the person administers."""
    groups = await administered_groups(ctx, user_id)
    if not groups:
        return Reply(say(language, "groups_none"))
    return Reply(
        say(language, "choose_group"), tuple((_group_button(ctx, p, VIEW, view),) for p in groups)
    )


def menu(ctx: FlowContext, policy: GroupPolicy, language: str) -> Reply:
    group_id = policy.group_id
    rows = tuple(
        (owner_button(ctx.signing_key, say(language, key), VIEW, group_id, view),)
        for view, key in _MENU
    )
    to_list = owner_button(ctx.signing_key, say(language, "button_back"), GROUPS, group_id, 0)
    text = say(
        language, "group_menu", title=title_of(policy, group_id), state=_state(language, policy)
    )
    return Reply(text, (*rows, (to_list,)))


async def view(
    ctx: FlowContext,
    lookup: ChatLookup,
    command: GroupCommand,
    policy: GroupPolicy,
    which: int,
) -> Reply:
    """One view of the group, with Back. `command` stands for the press: the presser, the
    group and the update (the key of anything the view sets going)."""
    group_id, language = command.group_id, command.language
    title = title_of(policy, group_id)
    shown: Reply
    if which == MUTED:
        shown = await muted_page(ctx, group_id, title, language)
    elif which == STATS:
        shown = await stats_of(ctx, group_id, title, language)
    elif which == STATUS:
        shown = await commands.status_of(ctx, group_id, language)
    elif which == CHECK:
        try:
            shown = Reply(await commands.check(ctx, lookup, command))
        except Refusal as refusal:
            shown = Reply(str(refusal))
    elif which == SETTINGS:
        # The panel itself, its buttons naming the group; it has its own Back to this menu.
        drawn = settings_panel.top(ctx, policy, group_id)
        return Reply(drawn.text, tuple(tuple(Button(t, d) for t, d in row) for row in drawn.rows))
    elif policy.enabled:
        confirm = owner_button(
            ctx.signing_key, say(language, "button_unprotect_confirm"), UNPROTECT, group_id, 0
        )
        shown = Reply(say(language, "unprotect_confirm", title=title), ((confirm,),))
    else:
        shown = Reply(say(language, "not_protected"))
    return back(ctx, shown, group_id, language)


async def unprotect(ctx: FlowContext, command: GroupCommand) -> Reply:
    """/unprotect confirmed in private."""
    text = await commands.unprotect(ctx, command)
    return back(ctx, Reply(text), command.group_id, command.language)


def press_command(
    update_id: int, policy: GroupPolicy, presser: Person, language: str
) -> GroupCommand:
    """A press in private, as the group command it stands for (protected groups are supergroups)."""
    return GroupCommand(
        update_id=update_id,
        group_id=policy.group_id,
        group_title=policy.title,
        chat_type="supergroup",
        issuer=presser,
        language=language,
    )
