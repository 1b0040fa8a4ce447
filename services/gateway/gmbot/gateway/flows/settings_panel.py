"""/settings as buttons: one button per setting showing its value; a tap opens that setting's
choices (the current one marked, and Back), and only choosing a value changes it, through tenancy
(validated, and only if nobody changed the group since the view was drawn). A value that removes
people asks once more first. Each view is drawn in place, in the group's (possibly new)
language."""

from __future__ import annotations

from dataclasses import dataclass
from html import unescape

from gmbot.gateway.clients.backends import Conflict
from gmbot.gateway.flows.admin_checks import GroupCommand, Refusal, require_admin
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.flows.replies import mention
from gmbot.gateway.flows.settings import label, value_in_words
from gmbot.gateway.flows.settings_schema import CHOSEN, SCHEMA, Kind, Setting
from gmbot.gateway.texts import Html, say, shorten
from gmbot.v1 import tenancy_pb2 as tenancy

# Callback data of a panel button: "set:<setting>:<policy version>" opens the setting's
# choices, ":<choice>" after it chooses one (its index, or "n<number>" for a number typed in
# answer to the prompt that ":t" asks for), and ":y" after that confirms a value that removes
# people. "set:-:<version>" goes back to the panel.
PREFIX = "set:"
BACK = "-"
CONFIRMED = "y"
TYPE = "t"
TYPED = "n"
# What the prompt for a typed number starts with: a reply to it is the number (routers).
PROMPT_MARK = "✏️"
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
    # A message to send that asks the presser to type the value in reply (a ForceReply).
    prompt: str = ""


@dataclass(frozen=True)
class Press:
    """A panel button: the setting (or BACK), the version it was drawn at, the choice made
    (None: the choices are asked for) and whether a removing value was confirmed."""

    name: str
    version: int
    # An index into the setting's choices, "n<number>" for a typed number, TYPE to ask for one.
    choice: str | None = None
    confirmed: bool = False

    @property
    def value(self) -> object:
        if self.choice is not None and self.choice.startswith(TYPED):
            return int(self.choice.removeprefix(TYPED))
        return SCHEMA[self.name].choices[int(self.choice or 0)]


def _data(name: str, version: int, *more: object) -> str:
    return PREFIX + ":".join(str(part) for part in (name, version, *more))


def _button_text(text: str) -> str:
    return shorten(unescape(text), BUTTON_LIMIT)


def _with(name: str, value: object) -> tenancy.GroupSettings:
    """Settings with only `name` set, to `value`."""
    settings = tenancy.GroupSettings()
    setattr(settings, name, value)
    return settings


def panel(policy: tenancy.GroupPolicy) -> Panel:
    """One button per setting a tap chooses, showing its value; the text holds only what the
    buttons do not show."""
    language = policy.settings.language or "en"
    lines = [say(language, "settings_panel")] + [
        f"• {label(language, name)}: {value_in_words(language, policy.settings, name)}"
        for name in SCHEMA
        if name not in CHOSEN
    ]
    rows = [
        [
            (
                _button_text(
                    f"{label(language, name)}: {value_in_words(language, policy.settings, name)}"
                ),
                _data(name, policy.version),
            )
        ]
        for name in CHOSEN
    ]
    return Panel("\n".join(lines), rows)


def choices(policy: tenancy.GroupPolicy, name: str) -> Panel:
    """A setting's values, the current one marked, and Back. Nothing changes yet."""
    language = policy.settings.language or "en"
    current = getattr(policy.settings, name)
    rows = []
    for index, value in enumerate(SCHEMA[name].choices):
        words = value_in_words(language, _with(name, value), name)
        mark = "✅ " if value == current else ""
        rows.append([(_button_text(mark + words), _data(name, policy.version, index))])
    if SCHEMA[name].kind is Kind.NUMBER:
        rows.append([(say(language, "button_type_number"), _data(name, policy.version, TYPE))])
    rows.append([(say(language, "button_back"), _data(BACK, policy.version))])
    text = say(
        language,
        "setting_choose",
        name=label(language, name),
        value=Html(value_in_words(language, policy.settings, name)),
    )
    return Panel(text, rows)


def confirmation(policy: tenancy.GroupPolicy, press: Press) -> Panel:
    """Asked once before a value that removes people is applied."""
    language = policy.settings.language or "en"
    name, choice, value = press.name, press.choice, press.value
    text = say(
        language,
        "setting_removes_people",
        name=label(language, name),
        value=Html(value_in_words(language, _with(name, value), name)),
    )
    rows = [
        [(say(language, "button_apply"), _data(name, policy.version, choice, CONFIRMED))],
        [(say(language, "button_back"), _data(name, policy.version))],
    ]
    return Panel(text, rows)


async def open_panel(ctx: FlowContext, command: GroupCommand) -> Panel:
    """/settings without arguments, for an administrator."""
    policy = await ctx.policies.get(command.group_id)
    if policy is None:
        raise Refusal(say(command.language, "not_protected"))
    await require_admin(ctx, command)
    return panel(policy)


def parse(data: str) -> Press | None:
    if not data.startswith(PREFIX):
        return None
    parts = data.removeprefix(PREFIX).split(":")
    if not 2 <= len(parts) <= 4:
        return None
    name, version, *more = parts
    if (name != BACK and name not in CHOSEN) or not version.isdigit():
        return None
    if not more:
        return Press(name, int(version))
    choice, *confirm = more
    if name == BACK or not _is_choice(SCHEMA[name], choice) or confirm not in ([], [CONFIRMED]):
        return None
    return Press(name, int(version), choice, confirmed=bool(confirm))


def _is_choice(setting: Setting, choice: str) -> bool:
    if setting.kind is Kind.NUMBER and choice == TYPE:
        return True
    if setting.kind is Kind.NUMBER and choice.startswith(TYPED):
        return choice.removeprefix(TYPED).isdigit()
    return choice.isdigit() and int(choice) < len(setting.choices)


async def press(ctx: FlowContext, command: GroupCommand, data: str) -> PressAnswer:
    """A panel button pressed by `command.issuer` in `command.group_id`. Whether the presser
    administers the group is read from the kept lists: a member's press costs no Bot API call
    but its answer. Only choosing a value (confirmed, when it removes people) changes it."""
    parsed = parse(data)
    policy = await ctx.policies.get(command.group_id)
    language = policy.settings.language if policy is not None else command.language
    if parsed is None or policy is None:
        return PressAnswer(say(language, "not_protected"), None)
    try:
        await require_admin(ctx, command)
    except Refusal as refusal:
        return PressAnswer(str(refusal), None)
    if parsed.name == BACK:
        return PressAnswer("", panel(policy), by_admin=True)
    if parsed.choice is None:
        return PressAnswer("", choices(policy, parsed.name), by_admin=True)
    if parsed.choice == TYPE:
        issuer = command.issuer
        prompt = say(
            language,
            "setting_type_prompt",
            user=Html(mention(issuer.user_id, issuer.display_name) if issuer else ""),
            name=label(language, parsed.name),
            code=parsed.name,
        )
        return PressAnswer("", None, by_admin=True, prompt=f"{PROMPT_MARK} {prompt}")
    return await _decide(ctx, command.group_id, policy, parsed)


async def typed(ctx: FlowContext, command: GroupCommand, prompt: str, text: str) -> PressAnswer:
    """A number typed in reply to the prompt for `name` (read from the prompt's text): chosen
    like a preset, at the policy's version of the moment."""
    policy = await ctx.policies.get(command.group_id)
    # The prompt names the setting as "(name)" (its text as Telegram hands it back, without
    # the markup; some Bot API servers keep the markup: "<code>name</code>").
    name = next((n for n in CHOSEN if f"({n})" in prompt or f">{n}<" in prompt), None)
    if policy is None or name is None:
        return PressAnswer(say(command.language, "not_protected"), None)
    language = policy.settings.language
    try:
        await require_admin(ctx, command)
    except Refusal as refusal:
        return PressAnswer(str(refusal), None)
    if not text.strip().isdigit():
        return PressAnswer(say(language, "setting_whole_number", name=name), None, by_admin=True)
    return await _decide(
        ctx, command.group_id, policy, Press(name, policy.version, f"{TYPED}{int(text)}")
    )


async def _decide(
    ctx: FlowContext, group_id: int, policy: tenancy.GroupPolicy, press: Press
) -> PressAnswer:
    """A value chosen: asked once more when it removes people, applied otherwise."""
    value = press.value
    if (
        SCHEMA[press.name].removes_people(value)
        and value != getattr(policy.settings, press.name)
        and not press.confirmed
    ):
        return PressAnswer("", confirmation(policy, press), by_admin=True)
    return await _choose(ctx, group_id, policy.settings.language, press, value)


async def _choose(
    ctx: FlowContext, group_id: int, language: str, press: Press, value: object
) -> PressAnswer:
    """Applies the chosen value, only if nobody changed the group since the view was drawn."""
    try:
        changed = await ctx.clients.tenancy.update_settings(
            group_id, _with(press.name, value), [press.name], expected_version=press.version
        )
    except Conflict:
        # Changed meanwhile (another administrator, a typed command): show what is true now.
        fresh = await ctx.policies.fresh(group_id)
        return PressAnswer(
            say(language, "settings_conflict"), panel(fresh) if fresh else None, by_admin=True
        )
    await ctx.policies.changed(group_id, changed)
    new_language = changed.settings.language
    note = say(
        new_language,
        "setting_changed",
        name=label(new_language, press.name),
        value=Html(value_in_words(new_language, changed.settings, press.name)),
    )
    return PressAnswer(unescape(note), panel(changed), by_admin=True)
