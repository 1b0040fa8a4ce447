"""/settings name value: change one setting as typed, validated by tenancy. (The buttons are in
settings_panel.py; both name the settings in words, from one schema: domain/settings.py.)"""

from __future__ import annotations

from html import escape

from gmbot.gateway.clients.backends import InvalidArgument
from gmbot.gateway.domain.settings import ALIASES, PICKED, SCHEMA, GroupSettings, Kind, only
from gmbot.gateway.flows import log_chat, undo
from gmbot.gateway.flows.admin_checks import GroupCommand, Refusal, require_admin
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.texts import ECHO_LIMIT, LANGUAGE_NAMES, Html, language_of, say, shorten

_TRUE = {"on", "true", "yes", "1", "да", "вкл"}
_FALSE = {"off", "false", "no", "0", "нет", "выкл"}
# Typing this as the warning text restores the built-in one.
RESET = "-"


def show_value(settings: GroupSettings, name: str) -> str:
    """A setting's value as owners type it: "kick" for EnforcementAction.KICK, on or off."""
    value = getattr(settings, name)
    if SCHEMA[name].enumeration is not None:
        return str(value.name).lower()
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value) or "—"
    return str(value) if value != "" else "—"


def label(language: str, name: str) -> str:
    """A setting's name in words."""
    return say(language, f"setting_{name}")


def value_in_words(language: str, settings: GroupSettings, name: str) -> str:
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
    if name in PICKED:
        return f"<code>{value}</code>" if value else say(language, "value_no_log_chat")
    enumerated = SCHEMA[name].enumeration is not None
    if enumerated and not value:
        return "—"  # unspecified: never stored by tenancy, but a message may lack it
    if enumerated or isinstance(value, bool):
        return say(language, f"value_{show_value(settings, name)}")
    return show_value(settings, name)


def listing(language: str, settings: GroupSettings) -> list[str]:
    """Every setting: its name in words, the name to type, its value."""
    return [
        f"• {label(language, n)} (<code>{n}</code>): {value_in_words(language, settings, n)}"
        for n in SCHEMA
    ]


def names(language: str) -> list[str]:
    """Every setting by name in words, with the name to type."""
    return [f"• {label(language, n)} (<code>{n}</code>)" for n in SCHEMA]


def _enum_value(name: str, text: str, language: str) -> int:
    enumeration = SCHEMA[name].enumeration
    assert enumeration is not None  # noqa: S101 - called for enumerated settings only
    value = enumeration.__members__.get(text.upper())
    if not value:  # UNSPECIFIED is never a value to choose
        choices = [v.name.lower() for v in enumeration if v]
        raise Refusal(say(language, "setting_one_of", name=name, choices=", ".join(choices)))
    return value


def _bool_value(name: str, text: str, language: str) -> bool:
    if text.lower() not in _TRUE | _FALSE:
        raise Refusal(say(language, "setting_on_or_off", name=name))
    return text.lower() in _TRUE


def parse_value(name: str, text: str, language: str = "en") -> GroupSettings:
    """`text` as the value of setting `name`, in settings with only that one set; refusals in
    `language`."""
    setting = SCHEMA[name]
    text = text.strip()
    value: object
    try:
        if setting.enumeration is not None:
            value = _enum_value(name, text, language)
        elif setting.value_type is bool:
            value = _bool_value(name, text, language)
        elif name in PICKED:
            # Typed, it is only turned off: a chat is chosen with the picker (log_chat.offer).
            value = 0
        elif setting.kind is Kind.USERS:
            value = tuple(int(p) for p in text.replace(",", " ").split())
        elif setting.value_type is int:
            value = int(text)
        elif name == "language":
            value = _language_code(text)
        else:
            value = "" if text == RESET else text
        return only(name, value)
    except ValueError:
        raise Refusal(say(language, "setting_whole_number", name=name)) from None


async def show_or_change(ctx: FlowContext, command: GroupCommand, arguments: str) -> str:
    language = command.language
    policy = await ctx.policies.get(command.group_id)
    if policy is None:
        return say(language, "not_protected")
    name, _, value = arguments.strip().partition(" ")
    name = ALIASES.get(name, name)
    if not name:
        return "\n".join([say(language, "settings_header"), *listing(language, policy.settings)])
    await require_admin(ctx, command)
    if name not in SCHEMA:
        reason = say(
            language, "setting_unknown", name=shorten(name, ECHO_LIMIT), known=", ".join(SCHEMA)
        )
        return say(language, "setting_bad", reason=Html(reason))
    if name in PICKED and (not value.strip() or value.strip().lower() not in _FALSE | {RESET}):
        return log_chat.offer(ctx, command.group_id, language)
    if not value.strip() and SCHEMA[name].kind is not Kind.USERS:
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
