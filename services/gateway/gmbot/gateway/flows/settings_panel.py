"""/settings as buttons: one button per setting showing its value; a press moves the setting to
its next value through tenancy (validated, and only if nobody changed the group in between) and
the panel is drawn again in place, in the group's (possibly new) language."""

from __future__ import annotations

from dataclasses import dataclass
from html import unescape

from google.protobuf.field_mask_pb2 import FieldMask

from gmbot.gateway.backends import Conflict, call
from gmbot.gateway.flows.commands import GroupCommand, Refusal, require_admin
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.flows.settings import label, listing, value_in_words
from gmbot.gateway.texts import LANGUAGES, Html, say, shorten
from gmbot.v1 import tenancy_pb2 as tenancy

# Callback data of a panel button: "set:<setting>:<policy version>".
PREFIX = "set:"
# What a tap cycles through, per setting (the others are changed as typed text).
CHOICES: dict[str, tuple[object, ...]] = {
    "mode": (tenancy.GROUP_MODE_ENFORCE, tenancy.GROUP_MODE_OBSERVE),
    "action": (
        tenancy.ENFORCEMENT_ACTION_MUTE,
        tenancy.ENFORCEMENT_ACTION_KICK,
        tenancy.ENFORCEMENT_ACTION_DELETE_ONLY,
    ),
    "warning_ttl_seconds": (60, 300, 900, 3600, 86_400),
    "kick_after_minutes": (0, 10, 60, 1440),
    "on_unknown": (tenancy.UNKNOWN_POLICY_ALLOW, tenancy.UNKNOWN_POLICY_DELETE_MESSAGE),
    "gate_join_requests": (False, True),
    "check_on_join": (True, False),
    "ban_sender_chat": (True, False),
    "language": LANGUAGES,
}
BUTTON_LIMIT = 64


@dataclass(frozen=True)
class Panel:
    """The panel's text (HTML) and its buttons: rows of (text, callback data)."""

    text: str
    rows: list[list[tuple[str, str]]]


@dataclass(frozen=True)
class PressAnswer:
    """What a press shows: a short note on the button, and the panel drawn again (or None).
    `by_admin`: an administrator pressed (anyone else's press waits behind enforcement)."""

    note: str
    panel: Panel | None
    by_admin: bool = False


def panel(policy: tenancy.GroupPolicy) -> Panel:
    language = policy.settings.language or "en"
    text = "\n".join([say(language, "settings_panel"), *listing(language, policy.settings)])
    rows = [
        [
            (
                shorten(
                    unescape(
                        f"{label(language, name)}: "
                        + value_in_words(language, policy.settings, name)
                    ),
                    BUTTON_LIMIT,
                ),
                f"{PREFIX}{name}:{policy.version}",
            )
        ]
        for name in CHOICES
    ]
    return Panel(text, rows)


async def open_panel(ctx: FlowContext, command: GroupCommand) -> Panel:
    """/settings without arguments, for an administrator."""
    policy = await ctx.policies.get(command.group_id)
    if policy is None:
        raise Refusal(say(command.language, "not_protected"))
    await require_admin(ctx, command)
    return panel(policy)


def next_value(settings: tenancy.GroupSettings, name: str) -> tenancy.GroupSettings:
    """Only `name` set, to the choice after its current value (the first when it is off the
    list)."""
    choices = CHOICES[name]
    current = getattr(settings, name)
    following = (
        choices[(choices.index(current) + 1) % len(choices)] if current in choices else choices[0]
    )
    changed = tenancy.GroupSettings()
    setattr(changed, name, following)
    return changed


def parse(data: str) -> tuple[str, int] | None:
    name, _, version = data.removeprefix(PREFIX).partition(":")
    if not data.startswith(PREFIX) or name not in CHOICES or not version.isdigit():
        return None
    return name, int(version)


async def press(ctx: FlowContext, command: GroupCommand, data: str) -> PressAnswer:
    """A panel button pressed by `command.issuer` in `command.group_id`. Whether the presser
    administers the group is read from the kept lists: a member's press costs no Bot API call
    but its answer."""
    parsed = parse(data)
    policy = await ctx.policies.get(command.group_id)
    language = policy.settings.language if policy is not None else command.language
    if parsed is None or policy is None:
        return PressAnswer(say(language, "not_protected"), None)
    try:
        await require_admin(ctx, command)
    except Refusal as refusal:
        return PressAnswer(str(refusal), None)
    name, version = parsed
    try:
        response = await call(
            "tenancy",
            ctx.backends.tenancy.UpdateGroupSettings(
                tenancy.UpdateGroupSettingsRequest(
                    group_id=command.group_id,
                    settings=next_value(policy.settings, name),
                    update_mask=FieldMask(paths=[name]),
                    expected_version=version,
                )
            ),
        )
    except Conflict:
        # Changed meanwhile (another administrator, a typed command): show what is true now.
        fresh = await ctx.policies.fresh(command.group_id)
        return PressAnswer(
            say(language, "settings_panel"), panel(fresh) if fresh else None, by_admin=True
        )
    await ctx.policies.changed(command.group_id, response.policy)
    new_language = response.policy.settings.language
    note = say(
        new_language,
        "setting_changed",
        name=label(new_language, name),
        value=Html(value_in_words(new_language, response.policy.settings, name)),
    )
    return PressAnswer(unescape(note), panel(response.policy), by_admin=True)
