"""/settings name value: change one setting as typed, validated by tenancy. (The buttons are in
settings_panel.py; both name the settings in words, from one schema: settings_schema.py.)"""

from __future__ import annotations

from html import escape

from google.protobuf.descriptor import EnumDescriptor, FieldDescriptor

from gmbot.gateway.clients.backends import InvalidArgument
from gmbot.gateway.flows import undo
from gmbot.gateway.flows.admin_checks import GroupCommand, Refusal, require_admin
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.flows.settings_schema import SCHEMA
from gmbot.gateway.texts import ECHO_LIMIT, LANGUAGE_NAMES, Html, language_of, say, shorten
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


def label(language: str, name: str) -> str:
    """A setting's name in words."""
    return say(language, f"setting_{name}")


def value_in_words(language: str, settings: tenancy.GroupSettings, name: str) -> str:
    """A setting's value as the group reads it, in HTML."""
    value = getattr(settings, name)
    if name == "language":
        return escape(LANGUAGE_NAMES.get(value, value))
    if name == "warning_ttl_seconds":
        return say(language, "value_seconds", count=value)
    if name == "kick_after_minutes":
        return (
            say(language, "value_minutes", count=value) if value else say(language, "value_never")
        )
    if name == "warning_text":
        return escape(shorten(value, ECHO_LIMIT)) if value else say(language, "value_builtin")
    field = _FIELDS[name]
    if field.type == FieldDescriptor.TYPE_ENUM and not value:
        return "—"  # unspecified: never stored by tenancy, but a message may lack it
    if field.type in (FieldDescriptor.TYPE_ENUM, FieldDescriptor.TYPE_BOOL):
        return say(language, f"value_{show_value(settings, name)}")
    return show_value(settings, name)


def listing(language: str, settings: tenancy.GroupSettings) -> list[str]:
    """Every setting: its name in words, the name to type, its value."""
    return [
        f"• {label(language, n)} (<code>{n}</code>): {value_in_words(language, settings, n)}"
        for n in SCHEMA
    ]


def names(language: str) -> list[str]:
    """Every setting by name in words, with the name to type."""
    return [f"• {label(language, n)} (<code>{n}</code>)" for n in SCHEMA]


def _enum_value(name: str, text: str, language: str) -> int:
    enum_type = _enum_type(name)
    value = enum_type.values_by_name.get(_ENUM_PREFIXES[name] + text.upper())
    if value is None:
        choices = [
            v.name.removeprefix(_ENUM_PREFIXES[name]).lower()
            for v in enum_type.values
            if not v.name.endswith("UNSPECIFIED")
        ]
        raise Refusal(say(language, "setting_one_of", name=name, choices=", ".join(choices)))
    return int(value.number)


def _bool_value(name: str, text: str, language: str) -> bool:
    if text.lower() not in _TRUE | _FALSE:
        raise Refusal(say(language, "setting_on_or_off", name=name))
    return text.lower() in _TRUE


def parse_value(name: str, text: str, language: str = "en") -> tenancy.GroupSettings:
    """`text` as the value of setting `name`, in a GroupSettings message; refusals in
    `language`."""
    settings = tenancy.GroupSettings()
    field = _FIELDS[name]
    text = text.strip()
    try:
        if field.type == FieldDescriptor.TYPE_ENUM:
            setattr(settings, name, _enum_value(name, text, language))
        elif field.type == FieldDescriptor.TYPE_BOOL:
            setattr(settings, name, _bool_value(name, text, language))
        elif field.is_repeated:
            getattr(settings, name).extend(int(p) for p in text.replace(",", " ").split())
        elif field.type == FieldDescriptor.TYPE_UINT32:
            setattr(settings, name, int(text))
        elif name == "language":
            setattr(settings, name, _language_code(text))
        else:
            setattr(settings, name, "" if text == RESET else text)
    except ValueError:
        raise Refusal(say(language, "setting_whole_number", name=name)) from None
    return settings


async def show_or_change(ctx: FlowContext, command: GroupCommand, arguments: str) -> str:
    language = command.language
    policy = await ctx.policies.get(command.group_id)
    if policy is None:
        return say(language, "not_protected")
    name, _, value = arguments.strip().partition(" ")
    if not name:
        return "\n".join([say(language, "settings_header"), *listing(language, policy.settings)])
    await require_admin(ctx, command)
    if name not in SCHEMA:
        reason = say(
            language, "setting_unknown", name=shorten(name, ECHO_LIMIT), known=", ".join(SCHEMA)
        )
        return say(language, "setting_bad", reason=Html(reason))
    if not value.strip() and not _FIELDS[name].is_repeated:
        return say(language, "settings_usage")
    try:
        settings = parse_value(name, value, language)
    except Refusal as refusal:
        return say(language, "setting_bad", reason=Html(str(refusal)))
    try:
        changed = await ctx.clients.tenancy.update_settings(command.group_id, settings, [name])
    except InvalidArgument:
        # tenancy's details are English: the owner reads which value was refused, in words.
        reason = say(language, "setting_not_allowed", name=label(language, name), value=value)
        return say(language, "setting_bad", reason=Html(reason))
    await ctx.policies.changed(command.group_id, changed)
    before = set(policy.settings.exempt_user_ids)
    exempted = [u for u in changed.settings.exempt_user_ids if u not in before]
    # Exempting a member lets go of them at once (their mute, warning, renewals, kick).
    await undo.release_exempted(ctx, f"u{command.update_id}:exempt", command.group_id, exempted)
    return say(
        language,
        "setting_changed",
        name=label(language, name),
        value=Html(value_in_words(language, changed.settings, name)),
    )


def _language_code(text: str) -> str:
    """A language as typed ("pt-br", "Русский", "ru") to the code tenancy stores; as typed when
    it is none of ours (tenancy then refuses it)."""
    for code, own_name in LANGUAGE_NAMES.items():
        if text.casefold() in {code.casefold(), own_name.casefold()}:
            return code
    return language_of(text) if text.replace("-", "_").casefold() == "pt_br" else text
