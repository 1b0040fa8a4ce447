"""/settings: show every setting tenancy has, or change one, validated by tenancy."""

from __future__ import annotations

import grpc
from google.protobuf.descriptor import EnumDescriptor, FieldDescriptor
from google.protobuf.field_mask_pb2 import FieldMask

from gmbot.gateway.backends import call
from gmbot.gateway.flows import undo
from gmbot.gateway.flows.commands import GroupCommand, Refusal, require_admin
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.texts import ECHO_LIMIT, say, shorten
from gmbot.v1 import tenancy_pb2 as tenancy

_FIELDS = tenancy.GroupSettings.DESCRIPTOR.fields_by_name
# Enum values as owners type them: "kick" for ENFORCEMENT_ACTION_KICK.
_ENUM_PREFIXES = {
    "action": "ENFORCEMENT_ACTION_",
    "on_unknown": "UNKNOWN_POLICY_",
    "mode": "GROUP_MODE_",
}
_TRUE = {"on", "true", "yes", "1", "да", "вкл"}
_FALSE = {"off", "false", "no", "0", "нет", "выкл"}
# Typing this as the warning text restores the built-in one.
RESET = "-"


def _enum_type(name: str) -> EnumDescriptor:
    enum_type = _FIELDS[name].enum_type
    assert enum_type is not None  # noqa: S101 - called for enum fields only
    return enum_type


def show_value(settings: tenancy.GroupSettings, name: str) -> str:
    field = _FIELDS[name]
    value = getattr(settings, name)
    if field.type == FieldDescriptor.TYPE_ENUM:
        enum_value = _enum_type(name).values_by_number[value]
        return str(enum_value.name).removeprefix(_ENUM_PREFIXES[name]).lower()
    if field.type == FieldDescriptor.TYPE_BOOL:
        return "on" if value else "off"
    if field.is_repeated:
        return ", ".join(str(v) for v in value) or "—"
    return str(value) if value != "" else "—"


def _enum_value(name: str, text: str) -> int:
    enum_type = _enum_type(name)
    value = enum_type.values_by_name.get(_ENUM_PREFIXES[name] + text.upper())
    if value is None:
        choices = [
            v.name.removeprefix(_ENUM_PREFIXES[name]).lower()
            for v in enum_type.values
            if not v.name.endswith("UNSPECIFIED")
        ]
        raise Refusal(f"{name} is one of: {', '.join(choices)}")
    return int(value.number)


def _bool_value(name: str, text: str) -> bool:
    if text.lower() not in _TRUE | _FALSE:
        raise Refusal(f"{name} is on or off")
    return text.lower() in _TRUE


def parse_value(name: str, text: str) -> tenancy.GroupSettings:
    """`text` as the value of setting `name`, in a GroupSettings message."""
    settings = tenancy.GroupSettings()
    field = _FIELDS[name]
    text = text.strip()
    try:
        if field.type == FieldDescriptor.TYPE_ENUM:
            setattr(settings, name, _enum_value(name, text))
        elif field.type == FieldDescriptor.TYPE_BOOL:
            setattr(settings, name, _bool_value(name, text))
        elif field.is_repeated:
            getattr(settings, name).extend(int(p) for p in text.replace(",", " ").split())
        elif field.type == FieldDescriptor.TYPE_UINT32:
            setattr(settings, name, int(text))
        else:
            setattr(settings, name, "" if text == RESET else text)
    except ValueError:
        raise Refusal(f"{name} needs a whole number") from None
    return settings


async def show_or_change(ctx: FlowContext, command: GroupCommand, arguments: str) -> str:
    language = command.language
    policy = await ctx.policies.get(command.group_id)
    if policy is None:
        return say(language, "not_protected")
    name, _, value = arguments.strip().partition(" ")
    if not name:
        lines = [say(language, "settings_header")]
        lines += [f"<code>{n}</code> = {show_value(policy.settings, n)}" for n in _FIELDS]
        return "\n".join(lines)
    await require_admin(ctx, command)
    if name not in _FIELDS:
        known = ", ".join(_FIELDS)
        shown = shorten(name, ECHO_LIMIT)
        return say(language, "setting_bad", reason=f"unknown setting {shown!r}; known: {known}")
    if not value.strip() and not _FIELDS[name].is_repeated:
        return say(language, "settings_usage")
    try:
        settings = parse_value(name, value)
    except Refusal as refusal:
        return say(language, "setting_bad", reason=str(refusal))
    try:
        response = await call(
            "tenancy",
            ctx.backends.tenancy.UpdateGroupSettings(
                tenancy.UpdateGroupSettingsRequest(
                    group_id=command.group_id,
                    settings=settings,
                    update_mask=FieldMask(paths=[name]),
                )
            ),
        )
    except grpc.aio.AioRpcError as error:
        if error.code() != grpc.StatusCode.INVALID_ARGUMENT:
            raise
        return say(language, "setting_bad", reason=error.details() or "")
    await ctx.policies.changed(command.group_id, response.policy)
    before = set(policy.settings.exempt_user_ids)
    exempted = [u for u in response.policy.settings.exempt_user_ids if u not in before]
    # Exempting a member lets go of them at once (their mute, warning, renewals, kick).
    await undo.release_exempted(ctx, f"u{command.update_id}:exempt", command.group_id, exempted)
    return say(
        language, "setting_changed", name=name, value=show_value(response.policy.settings, name)
    )
