"""What the dashboard shows of a group, as JSON: the funnel over three windows, who is muted,
the settings as form fields, the recent actions; and the owners' actions on them, through the
same flows as /muted, /settings and undo."""

from __future__ import annotations

from html import escape, unescape
from typing import Any

from gmbot.gateway.clients.enforcement import Reason
from gmbot.gateway.clients.group_stats import ChannelFunnel, GroupFigures
from gmbot.gateway.domain.actions import ActionKind, ActionRecord, ActionState
from gmbot.gateway.domain.policy import Channel, GroupPolicy
from gmbot.gateway.domain.settings import (
    SCHEMA,
    GroupSettings,
    Kind,
    change,
    only,
    removes_people,
)
from gmbot.gateway.flows.admin_checks import channel_name
from gmbot.gateway.flows.context import FlowContext, Person
from gmbot.gateway.flows.members import release
from gmbot.gateway.flows.muted import name_of, reason_of
from gmbot.gateway.flows.settings import label, show_value, value_in_words
from gmbot.gateway.texts import LANGUAGE_NAMES, LANGUAGES, Html, say

# The settings the form edits: every one but the exempt list, which the muted list's Exempt and
# /status's buttons manage one member at a time, and the log chat, which only the chat picker
# sets (the bot must be able to post there).
EDITABLE = tuple(
    name for name, setting in SCHEMA.items() if setting.kind not in (Kind.USERS, Kind.CHAT)
)
MUTED_SHOWN = 50
ACTIONS_SHOWN = 30
NO_JOINS = ChannelFunnel(0, 0, 0, 0, 0, 0, 0)
# The ledger's lines owners read; the follow-ups GMBot schedules itself are left out.
_KINDS = {
    ActionKind.ENFORCE: "enforce",
    ActionKind.RELEASE: "release",
    ActionKind.KICK: "kick",
    ActionKind.BAN: "ban",
    ActionKind.UNBAN: "unban",
    ActionKind.JOIN_REQUEST: "join_request",
}


def _channel(figures: GroupFigures, channel: Channel) -> dict[str, Any]:
    """One required channel's funnel: warned without it, joined through GMBot's buttons,
    unmuted, still following 7 and 30 days after joining (of the cohort that joined a window as
    long, that long ago)."""
    funnel = figures.channels.get(channel.channel_id) or NO_JOINS
    return {
        "title": channel.title or channel_name(channel) or str(channel.channel_id),
        "warned": funnel.members_warned,
        "via_gmbot": funnel.members_joined_through_gmbot,
        "unmuted": funnel.members_unmuted,
        "kept_7": [funnel.still_following_7_days, funnel.joined_7_days_before],
        "kept_30": [funnel.still_following_30_days, funnel.joined_30_days_before],
    }


def _funnel(figures: GroupFigures, policy: GroupPolicy) -> dict[str, Any]:
    unmuted = figures.unmuted_by_button + figures.unmuted_by_joining + figures.unmuted_by_admins
    return {
        "warned": figures.members_warned,
        "joined": figures.members_joined_after_warning,
        "unmuted": unmuted,
        # Joins GMBot's own invite links brought (its join buttons), warned or not.
        "via_gmbot": figures.members_joined_through_gmbot,
        # Each required channel's own funnel, in the group's order.
        "channels": [_channel(figures, c) for c in policy.channels],
    }


def _field(language: str, settings: GroupSettings, name: str) -> dict[str, Any]:
    """One setting as a form control: its kind, label, value and choices."""
    setting = SCHEMA[name]
    value = getattr(settings, name)
    shown: dict[str, Any] = {"name": name, "label": label(language, name), "value": value}
    if name == "language":
        return {
            **shown,
            "kind": "select",
            "options": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        }
    if setting.enumeration is not None:
        choices = [
            (int(v), say(language, f"value_{show_value(only(name, v), name)}"))
            for v in setting.enumeration
            if v
        ]
        return {**shown, "kind": "select", "options": choices}
    if setting.value_type is bool:
        return {**shown, "kind": "checkbox"}
    if setting.value_type is str:
        return {**shown, "kind": "textarea"}
    return {**shown, "kind": "number"}


def settings_form(language: str, policy: GroupPolicy) -> dict[str, Any]:
    return {
        "version": policy.version,
        "fields": [_field(language, policy.settings, name) for name in EDITABLE],
    }


async def group_board(ctx: FlowContext, policy: GroupPolicy, language: str) -> Any:
    group_id = policy.group_id
    # One call, one transaction in enforcement: figures, muted members and actions together.
    board = await ctx.clients.enforcement.group_board(group_id, MUTED_SHOWN, ACTIONS_SHOWN)
    stats, held, recent = board.stats, board.muted, board.actions
    muted = {r.user_id for r in held.restrictions}
    # The ledger keeps ids: a member's name is the one GMBot muted them under, else the one it
    # last saw them write under (a member let go is no longer among the muted).
    names = {r.user_id: r.display_name for r in held.restrictions if r.display_name}
    for user_id in {a.user_id for a in recent} - names.keys():
        names[user_id] = await ctx.seen_people.name_or_id(user_id)
    return {
        "group_id": group_id,
        "title": policy.title or str(group_id),
        "funnel": {
            "day": _funnel(stats.last_day, policy),
            "week": _funnel(stats.last_week, policy),
            "month": _funnel(stats.last_month, policy),
        },
        "muted_total": held.total,
        "muted": [
            {
                "user_id": r.user_id,
                "name": r.display_name or str(r.user_id),
                "reason": reason_of(language, r.reason),
                "since": r.since,
            }
            for r in held.restrictions
        ],
        "settings": settings_form(language, policy),
        "actions": [
            {
                "action_id": a.action_id,
                "kind": _KINDS[a.kind],
                "user_id": a.user_id,
                "name": names[a.user_id],
                "at": int(a.created_at.timestamp()),
                "undo": _undoable(a, muted),
            }
            for a in recent
            if a.kind in _KINDS and a.state == ActionState.DONE
        ],
    }


def _undoable(action: ActionRecord, muted: set[int]) -> bool:
    """A mute still in force can be lifted; a removal or a ban, ended."""
    if action.kind == ActionKind.ENFORCE:
        return action.user_id in muted
    return action.kind in (ActionKind.KICK, ActionKind.BAN)


async def unmute(ctx: FlowContext, key: str, group_id: int, user_id: int) -> None:
    """The muted list's Unmute: as /muted's button, this once."""
    name = await name_of(ctx, group_id, user_id)
    await release(ctx, key, group_id, Person(user_id, name), Reason.UNMUTED_BY_ADMIN)


async def undo_action(ctx: FlowContext, key: str, group_id: int, action_id: str) -> bool:
    """Undoes one of the group's recent actions; False when it is none of those undoable."""
    recent = await ctx.clients.enforcement.recent_actions(group_id, ACTIONS_SHOWN)
    action = next((a for a in recent if a.action_id == action_id), None)
    if action is None or action.state != ActionState.DONE:
        return False
    if action.kind == ActionKind.ENFORCE:
        await unmute(ctx, key, group_id, action.user_id)
        return True
    if action.kind in (ActionKind.KICK, ActionKind.BAN):
        await ctx.clients.enforcement.unban(key, group_id, action.user_id, Reason.MANUAL)
        return True
    return False


def settings_change(values: dict[str, object]) -> tuple[GroupSettings, list[str]]:
    """The form's values as a settings change and its mask; ValueError for a value of the
    wrong type or a name the form does not edit (tenancy judges the values themselves)."""
    not_editable = [name for name in values if name not in EDITABLE]
    if not_editable:
        raise ValueError(f"not a setting: {', '.join(not_editable)}")
    return change(values), list(values)


async def save_settings(
    ctx: FlowContext, group_id: int, values: dict[str, object], version: int
) -> GroupPolicy:
    """Saves the form, only over the version it showed (Conflict otherwise)."""
    settings, names = settings_change(values)
    policy = await ctx.clients.tenancy.update_settings(
        group_id, settings, names, expected_version=version
    )
    await ctx.policies.changed(group_id, policy)
    return policy


async def unconfirmed(
    ctx: FlowContext, group_id: int, values: dict[str, object], version: int, language: str
) -> dict[str, Any] | None:
    """What the form asks before saving `values`, as the panel asks: the changes among them that
    remove people and are not the group's values already (each asked once), and the question in
    `language`; None when none is. Judged against the version the form showed: a stale form's
    save is refused as such."""
    settings, names = settings_change(values)
    policy = await ctx.policies.get(group_id)
    if policy is not None and policy.version != version:
        policy = await ctx.policies.fresh(group_id)
    if policy is None or policy.version != version:
        return None
    asked = [
        name
        for name in names
        if removes_people(settings, name)
        and getattr(settings, name) != getattr(policy.settings, name)
    ]
    if not asked:
        return None
    # Plain text, as the page shows it (the catalogs' texts are HTML).
    chosen = ", ".join(
        f"{escape(label(language, name))}: {value_in_words(language, settings, name)}"
        for name in asked
    )
    question = say(language, "form_removes_people", settings=Html(chosen))
    return {"confirm": asked, "question": unescape(question)}
