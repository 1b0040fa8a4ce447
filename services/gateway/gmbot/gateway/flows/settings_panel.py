"""/settings as buttons: one button per setting showing its value; a tap opens that setting's
choices (the current one marked, and Back), and only choosing a value changes it, through tenancy
(validated, and only if nobody changed the group since the view was drawn). A value that removes
people asks once more first. Each view is drawn in place, in the group's (possibly new)
language."""

from __future__ import annotations

from html import unescape

from gmbot.gateway.clients.backends import Conflict
from gmbot.gateway.domain.choices import GroupMode
from gmbot.gateway.domain.policy import GroupPolicy
from gmbot.gateway.domain.settings import SCHEMA, Kind, only
from gmbot.gateway.flows import exempt_list, private_menu, prompt_trail, warning_text
from gmbot.gateway.flows.admin_checks import GroupCommand, Refusal, require_admin
from gmbot.gateway.flows.context import FlowContext, Person
from gmbot.gateway.flows.panel_data import (
    BACK,
    CONFIRMED,
    PANEL,
    PREFIX,
    TYPE,
    TYPED,
    Asked,
    Panel,
    Press,
    PressAnswer,
    TypedAnswer,
    data,
    parse,
)
from gmbot.gateway.flows.panel_data import scope as data_scope
from gmbot.gateway.flows.replies import Reply, mention
from gmbot.gateway.flows.settings import label, value_in_words
from gmbot.gateway.texts import Html, say, shorten

# What the prompt for a typed value starts with: a reply to it is the value (routers).
PROMPT_MARK = "✏️"
BUTTON_LIMIT = 64


def _button_text(text: str) -> str:
    return shorten(unescape(text), BUTTON_LIMIT)


def panel(policy: GroupPolicy, where: str = PREFIX) -> Panel:
    """One button per setting a tap chooses or a reply writes, showing its value; the text holds
    only what the buttons do not show. `where`: the panel's chat (panel_data.scope)."""
    language = policy.settings.language or "en"
    lines = [say(language, "settings_panel")] + [
        f"• {label(language, name)}: {value_in_words(language, policy.settings, name)}"
        for name in SCHEMA
        if name not in PANEL
    ]
    rows = [
        [
            (
                _button_text(f"{label(language, name)}: {_value(language, policy, name)}"),
                data(where, name, policy.version),
            )
        ]
        for name in PANEL
    ]
    return Panel("\n".join(lines), rows)


def top(ctx: FlowContext, policy: GroupPolicy, group_in_data: int | None) -> Panel:
    """The panel where it is: in private (`group_in_data` set) with Back to the group's menu."""
    shown = panel(policy, data_scope(group_in_data))
    if group_in_data is None:
        return shown
    language = policy.settings.language or "en"
    [[menu]] = private_menu.back(ctx, Reply(""), group_in_data, language).rows
    return Panel(shown.text, [*shown.rows, [(menu.text, menu.data)]])


def _value(language: str, policy: GroupPolicy, name: str) -> str:
    """A setting's value on its button: a list of people by how many."""
    if SCHEMA[name].kind is Kind.USERS:
        return str(len(getattr(policy.settings, name)))
    return value_in_words(language, policy.settings, name)


def choices(policy: GroupPolicy, name: str, where: str = PREFIX) -> Panel:
    """A setting's values, the current one marked, and Back. Nothing changes yet."""
    language = policy.settings.language or "en"
    current = getattr(policy.settings, name)
    setting = SCHEMA[name]
    rows = []
    for index, value in enumerate(setting.choices):
        words = value_in_words(language, only(name, value), name)
        mark = "✅ " if value == current else ""
        rows.append([(_button_text(mark + words), data(where, name, policy.version, index))])
    if setting.kind in (Kind.NUMBER, Kind.TEXT):
        write = "button_type_number" if setting.kind is Kind.NUMBER else "button_write_text"
        rows.append([(say(language, write), data(where, name, policy.version, TYPE))])
    rows.append([(say(language, "button_back"), data(where, BACK, policy.version))])
    if setting.kind is Kind.TEXT:
        return Panel(warning_text.current(policy), rows)
    text = say(
        language,
        "setting_choose",
        name=label(language, name),
        value=Html(value_in_words(language, policy.settings, name)),
    )
    return Panel(text, rows)


def confirmation(policy: GroupPolicy, press: Press) -> Panel:
    """Asked once before a value that removes people is applied."""
    language = policy.settings.language or "en"
    name, choice, value = press.name, press.choice, press.value
    where = data_scope(press.group_id)
    text = say(
        language,
        "setting_removes_people",
        name=label(language, name),
        value=Html(value_in_words(language, only(name, value), name)),
    )
    rows = [
        [(say(language, "button_apply"), data(where, name, policy.version, choice, CONFIRMED))],
        [(say(language, "button_back"), data(where, name, policy.version))],
    ]
    return Panel(text, rows)


def observe_offer(policy: GroupPolicy | None) -> list[list[tuple[str, str]]]:
    """Under /protect's answer in the group: observing first, one tap away (the panel's own
    choice of mode), while the group enforces."""
    if policy is None or policy.settings.mode == GroupMode.OBSERVE:
        return []
    observe = SCHEMA["mode"].choices.index(GroupMode.OBSERVE)
    language = policy.settings.language or "en"
    button = say(language, "pick_observe_button")
    return [[(button, data(PREFIX, "mode", policy.version, observe))]]


def goes_private(ctx: FlowContext, group_id: int) -> bool:
    """Whether /settings in the group is answered in private: the group is busy (its messages
    a minute are better left to its warnings than to a panel drawn again on every tap)."""
    return ctx.pace.busy(group_id)


async def open_panel(ctx: FlowContext, command: GroupCommand, in_private: bool = False) -> Panel:
    """/settings without arguments, for an administrator; `in_private`: the panel goes to them
    in private (its buttons then name the group)."""
    policy = await ctx.policies.get(command.group_id)
    if policy is None:
        raise Refusal(say(command.language, "not_protected"))
    await require_admin(ctx, command)
    return top(ctx, policy, command.group_id if in_private else None)


async def press(ctx: FlowContext, command: GroupCommand, text: str) -> PressAnswer:
    """A panel button pressed by `command.issuer` for `command.group_id`. Whether the presser
    administers the group is read from the kept lists: a member's press costs no Bot API call
    but its answer. Only choosing a value (confirmed, when it removes people) changes it."""
    parsed = parse(text)
    policy = await ctx.policies.get(command.group_id)
    language = policy.settings.language if policy is not None else command.language
    if parsed is None or policy is None:
        return PressAnswer(say(language, "not_protected"), None)
    try:
        await require_admin(ctx, command)
    except Refusal as refusal:
        return PressAnswer(str(refusal), None)
    where = data_scope(parsed.group_id)
    if parsed.name == BACK:
        return PressAnswer("", top(ctx, policy, parsed.group_id), by_admin=True)
    if parsed.name == exempt_list.NAME:
        if parsed.choice is None:
            return PressAnswer("", await exempt_list.view(ctx, policy, where), by_admin=True)
        return await exempt_list.pressed(ctx, command, policy, parsed.choice, where)
    if parsed.choice is None:
        return PressAnswer("", choices(policy, parsed.name, where), by_admin=True)
    if parsed.choice == TYPE:
        return PressAnswer("", None, by_admin=True, prompt=_prompt(command, language, parsed.name))
    saved = parsed.saved_message
    if saved is not None:
        chat_id = command.group_id if parsed.group_id is None else _presser(command)
        written = await warning_text.draft(ctx, chat_id, saved)
        if written is None:
            return PressAnswer(say(language, "warning_text_expired"), None, by_admin=True)
        return await _choose(ctx, command.group_id, language, parsed, written)
    return await _decide(ctx, command.group_id, policy, parsed)


def _presser(command: GroupCommand) -> int:
    """The presser's private chat (a press in private always has one)."""
    return command.issuer.user_id if command.issuer is not None else 0


def _prompt(command: GroupCommand, language: str, name: str) -> str:
    """What asks the presser to type the value in reply: it names the setting as "(name)"."""
    issuer = command.issuer
    user = Html(mention(issuer.user_id, issuer.display_name) if issuer else "")
    if SCHEMA[name].kind is Kind.TEXT:
        prompt = warning_text.prompt(language, user)
    else:
        prompt = say(
            language, "setting_type_prompt", user=user, name=label(language, name), code=name
        )
    return f"{PROMPT_MARK} {prompt}"


async def prompted(ctx: FlowContext, chat_id: int, prompt_id: int, asked: Asked) -> list[int]:
    """The prompt `prompt_id` in `chat_id` waits for the presser's answer (prompt_trail.asked):
    returns the messages of an earlier prompt that go now."""
    return await prompt_trail.asked(ctx, chat_id, prompt_id, asked)


async def typed(
    ctx: FlowContext, update_id: int, writer: Person | None, answer: TypedAnswer
) -> PressAnswer | None:
    """A value typed in reply to a prompt by `writer` (None: an anonymous administrator of the
    group): a number is chosen like a preset, a text is shown as members would read it, with
    "Save". None: not the answer the prompt waits for (someone else's, or too late): ignored."""
    asked = await prompt_trail.waiting(ctx, answer.chat_id, answer.prompt_id)
    if asked is None:
        return None
    group_id, in_private = asked.group_id, asked.in_private
    if (writer is None and in_private) or (writer is not None and writer.user_id != asked.user_id):
        return None
    policy = await ctx.policies.get(group_id)
    # The prompt names the setting as "(name)" (its text as Telegram hands it back, without
    # the markup; some Bot API servers keep the markup: "<code>name</code>").
    prompt = answer.prompt_text
    name = next((n for n in PANEL if f"({n})" in prompt or f">{n}<" in prompt), None)
    if policy is None or name is None:
        return None
    language = policy.settings.language
    command = GroupCommand(update_id, group_id, policy.title, "supergroup", writer, language)
    try:
        await require_admin(ctx, command)
    except Refusal as refusal:
        return PressAnswer(str(refusal), None)
    in_data = group_id if in_private else None
    if SCHEMA[name].kind is Kind.TEXT:
        return await warning_text.preview(ctx, command, policy, answer, data_scope(in_data))
    text = answer.text
    # Only what the setting can hold: a number beyond the contract's would fail the update.
    if not text.strip().isdigit() or not SCHEMA[name].holds(int(text)):
        return PressAnswer(say(language, "setting_whole_number", name=name), None, by_admin=True)
    chosen = Press(name, policy.version, f"{TYPED}{int(text)}", group_id=in_data)
    return await _decide(ctx, group_id, policy, chosen)


async def _decide(
    ctx: FlowContext, group_id: int, policy: GroupPolicy, press: Press
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
            group_id, only(press.name, value), [press.name], expected_version=press.version
        )
    except Conflict:
        # Changed meanwhile (another administrator, a typed command): show what is true now.
        fresh = await ctx.policies.fresh(group_id)
        return PressAnswer(
            say(language, "settings_conflict"),
            top(ctx, fresh, press.group_id) if fresh else None,
            by_admin=True,
        )
    await ctx.policies.changed(group_id, changed)
    new_language = changed.settings.language
    note = say(
        new_language,
        "setting_changed",
        name=label(new_language, press.name),
        value=Html(value_in_words(new_language, changed.settings, press.name)),
    )
    return PressAnswer(unescape(note), top(ctx, changed, press.group_id), by_admin=True)
