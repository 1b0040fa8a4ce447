"""What the dashboard shows of a group, as JSON: the funnel over three windows, who is muted,
the settings as form fields, the recent actions; and the owners' actions on them, through the
same flows as /muted, /settings and undo."""

from __future__ import annotations

from typing import Any

from google.protobuf.descriptor import FieldDescriptor

from gmbot.gateway.clients.enforcement import Reason
from gmbot.gateway.clients.group_stats import GroupFigures
from gmbot.gateway.flows.context import FlowContext, Person
from gmbot.gateway.flows.members import release
from gmbot.gateway.flows.muted import name_of, reason_of
from gmbot.gateway.flows.settings import label, show_value
from gmbot.gateway.texts import LANGUAGE_NAMES, LANGUAGES, say
from gmbot.v1 import enforcement_pb2 as enforcement
from gmbot.v1 import tenancy_pb2 as tenancy

_FIELDS = tenancy.GroupSettings.DESCRIPTOR.fields_by_name
# The settings the form edits: every one but the exempt list, which the muted list's Exempt and
# /status's buttons manage one member at a time.
EDITABLE = tuple(name for name in _FIELDS if not _FIELDS[name].is_repeated)
MUTED_SHOWN = 50
ACTIONS_SHOWN = 30
# The ledger's lines owners read; the follow-ups GMBot schedules itself are left out.
_KINDS = {
    enforcement.ACTION_KIND_ENFORCE: "enforce",
    enforcement.ACTION_KIND_RELEASE: "release",
    enforcement.ACTION_KIND_KICK: "kick",
    enforcement.ACTION_KIND_BAN: "ban",
    enforcement.ACTION_KIND_UNBAN: "unban",
    enforcement.ACTION_KIND_JOIN_REQUEST: "join_request",
}


def _funnel(figures: GroupFigures, policy: tenancy.GroupPolicy) -> dict[str, Any]:
    unmuted = figures.unmuted_by_button + figures.unmuted_by_joining + figures.unmuted_by_admins
    brought = figures.joined_through_gmbot_by_channel
    return {
        "warned": figures.members_warned,
        "joined": figures.members_joined_after_warning,
        "unmuted": unmuted,
        # Joins GMBot's own invite links brought (its join buttons), warned or not.
        "via_gmbot": figures.members_joined_through_gmbot,
        # The same per required channel, in the group's order.
        "channels": [
            {
                "title": c.title or c.username or str(c.channel_id),
                "via_gmbot": brought.get(c.channel_id, 0),
            }
            for c in policy.channels
        ],
    }


def _field(language: str, settings: tenancy.GroupSettings, name: str) -> dict[str, Any]:
    """One setting as a form control: its kind, label, value and choices."""
    field = _FIELDS[name]
    value = getattr(settings, name)
    shown: dict[str, Any] = {"name": name, "label": label(language, name), "value": value}
    if name == "language":
        return {
            **shown,
            "kind": "select",
            "options": [(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
        }
    if field.type == FieldDescriptor.TYPE_ENUM:
        enum_type = field.enum_type
        assert enum_type is not None  # noqa: S101 - an enum field has its type
        choices = [
            (v.number, say(language, f"value_{show_value(_with(name, v.number), name)}"))
            for v in enum_type.values
            if v.number
        ]
        return {**shown, "kind": "select", "options": choices}
    if field.type == FieldDescriptor.TYPE_BOOL:
        return {**shown, "kind": "checkbox"}
    if field.type == FieldDescriptor.TYPE_STRING:
        return {**shown, "kind": "textarea"}
    return {**shown, "kind": "number"}


def _with(name: str, value: object) -> tenancy.GroupSettings:
    settings = tenancy.GroupSettings()
    setattr(settings, name, value)
    return settings


def settings_form(language: str, policy: tenancy.GroupPolicy) -> dict[str, Any]:
    return {
        "version": policy.version,
        "fields": [_field(language, policy.settings, name) for name in EDITABLE],
    }


async def group_board(ctx: FlowContext, policy: tenancy.GroupPolicy, language: str) -> Any:
    group_id = policy.group_id
    stats = await ctx.clients.enforcement.group_stats(group_id)
    held = await ctx.clients.enforcement.group_restrictions(group_id, limit=MUTED_SHOWN)
    recent = await ctx.clients.enforcement.recent_actions(group_id, ACTIONS_SHOWN)
    muted = {r.user_id for r in held.restrictions}
    names = {r.user_id: r.display_name for r in held.restrictions if r.display_name}
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
                # The ledger keeps ids; the names GMBot knows are those of the muted.
                "name": names.get(a.user_id, str(a.user_id)),
                "at": a.created_at.seconds,
                "undo": _undoable(a, muted),
            }
            for a in recent
            if a.kind in _KINDS and a.state == enforcement.ACTION_STATE_DONE
        ],
    }


def _undoable(action: enforcement.ActionRecord, muted: set[int]) -> bool:
    """A mute still in force can be lifted; a removal or a ban, ended."""
    if action.kind == enforcement.ACTION_KIND_ENFORCE:
        return action.user_id in muted
    return action.kind in (enforcement.ACTION_KIND_KICK, enforcement.ACTION_KIND_BAN)


async def unmute(ctx: FlowContext, key: str, group_id: int, user_id: int) -> None:
    """The muted list's Unmute: as /muted's button, this once."""
    name = await name_of(ctx, group_id, user_id)
    await release(ctx, key, group_id, Person(user_id, name), Reason.UNMUTED_BY_ADMIN)


async def undo_action(ctx: FlowContext, key: str, group_id: int, action_id: str) -> bool:
    """Undoes one of the group's recent actions; False when it is none of those undoable."""
    recent = await ctx.clients.enforcement.recent_actions(group_id, ACTIONS_SHOWN)
    action = next((a for a in recent if a.action_id == action_id), None)
    if action is None or action.state != enforcement.ACTION_STATE_DONE:
        return False
    if action.kind == enforcement.ACTION_KIND_ENFORCE:
        await unmute(ctx, key, group_id, action.user_id)
        return True
    if action.kind in (enforcement.ACTION_KIND_KICK, enforcement.ACTION_KIND_BAN):
        await ctx.clients.enforcement.unban(key, group_id, action.user_id, Reason.MANUAL)
        return True
    return False


def settings_change(values: dict[str, object]) -> tuple[tenancy.GroupSettings, list[str]]:
    """The form's values as a settings message and its mask; ValueError for a value of the
    wrong type or a name the form does not edit (tenancy judges the values themselves)."""
    settings = tenancy.GroupSettings()
    for name, value in values.items():
        if name not in EDITABLE:
            raise ValueError(f"not a setting: {name}")
        field = _FIELDS[name]
        wanted: type = {
            FieldDescriptor.TYPE_BOOL: bool,
            FieldDescriptor.TYPE_STRING: str,
        }.get(field.type, int)
        if type(value) is not wanted:
            raise ValueError(f"{name} must be {wanted.__name__}")
        try:
            setattr(settings, name, value)
        except ValueError as bad:
            raise ValueError(f"{name}: {bad}") from None
    return settings, list(values)


async def save_settings(
    ctx: FlowContext, group_id: int, values: dict[str, object], version: int
) -> tenancy.GroupPolicy:
    """Saves the form, only over the version it showed (Conflict otherwise)."""
    settings, names = settings_change(values)
    policy = await ctx.clients.tenancy.update_settings(
        group_id, settings, names, expected_version=version
    )
    await ctx.policies.changed(group_id, policy)
    return policy
