"""The exempt list, edited from the settings panel: the people by name, a tap takes one off;
"Add" picks people in private (KeyboardButtonRequestUsers; in a group it says how); and /exempt
in the group, in reply to a member's message or with the @username of someone GMBot has seen
(the Bot API cannot look a user up by username)."""

from __future__ import annotations

from gmbot.gateway.clients.backends import InvalidArgument
from gmbot.gateway.domain.policy import GroupPolicy
from gmbot.gateway.flows import undo
from gmbot.gateway.flows.admin_checks import GroupCommand, Refusal, require_admin
from gmbot.gateway.flows.context import FlowContext, Person
from gmbot.gateway.flows.muted import title_of
from gmbot.gateway.flows.panel_data import ADD, BACK, PREFIX, REMOVE, Panel, PressAnswer, data
from gmbot.gateway.texts import BUTTON_TEXT_LIMIT, ECHO_LIMIT, language_of, say, shorten

NAME = "exempt_user_ids"
# The people a view lists by name (a longer list says how many more).
SHOWN = 20
# The people picker's request_id: which group it adds to is kept per person (panel drafts).
PICK_REQUEST = 23
PICK_MOST = 10


async def view(ctx: FlowContext, policy: GroupPolicy, where: str) -> Panel:
    """Everyone exempted, by name, each a button that takes them off; Add; Back."""
    language = policy.settings.language or "en"
    people = list(policy.settings.exempt_user_ids)
    rows = [
        [
            (
                shorten(f"✖ {await ctx.seen_people.name_or_id(u)}", BUTTON_TEXT_LIMIT),
                _data(where, policy, REMOVE, u),
            )
        ]
        for u in people[:SHOWN]
    ]
    rows.append([(say(language, "button_exempt_add"), _data(where, policy, ADD))])
    rows.append([(say(language, "button_back"), data(where, BACK, policy.version))])
    text = say(language, "exempt_list", count=len(people))
    if len(people) > SHOWN:
        text += "\n" + say(language, "groups_more", count=len(people) - SHOWN)
    return Panel(text, rows)


def _data(where: str, policy: GroupPolicy, choice: str, user_id: int | None = None) -> str:
    return data(where, NAME, policy.version, choice + ("" if user_id is None else str(user_id)))


async def pressed(
    ctx: FlowContext, command: GroupCommand, policy: GroupPolicy, choice: str, where: str
) -> PressAnswer:
    """A tap on the list by an administrator: take one off, or ask whom to add (a people picker
    in private; in a group, how to add, since the picker works in private only)."""
    language = policy.settings.language or "en"
    if choice != ADD:
        user_id = int(choice.removeprefix(REMOVE))
        changed, _ = await undo.change_exempt(ctx, command.group_id, remove=[user_id])
        note = say(language, "exempt_removed", user=await ctx.seen_people.name_or_id(user_id))
        return PressAnswer(note, await view(ctx, changed, where), by_admin=True)
    if where == PREFIX or command.issuer is None:
        return PressAnswer(say(language, "exempt_add_in_group"), None, by_admin=True)
    await ctx.panel_drafts.put(_picking(command.issuer.user_id), str(command.group_id))
    ask = say(language, "exempt_pick", group=title_of(policy, command.group_id))
    return PressAnswer("", None, by_admin=True, pick_people=ask)


def _picking(user_id: int) -> str:
    """The group a person's people picker adds to."""
    return f"x:{user_id}"


async def picked(
    ctx: FlowContext, update_id: int, presser: Person, request_id: int, people: list[Person]
) -> str:
    """People picked with the picker "Add" sent in private: exempted in the group it was for
    (the presser must still administer it), and let go of at once."""
    group = await ctx.panel_drafts.get(_picking(presser.user_id))
    language = language_of(presser.language_code)
    if request_id != PICK_REQUEST or group is None:
        return say(language, "exempt_pick_expired")
    group_id = int(group)
    policy = await ctx.policies.get(group_id)
    if policy is None:
        return say(language, "not_protected")
    command = GroupCommand(update_id, group_id, policy.title, "supergroup", presser, language)
    return await _exempt(ctx, command, policy, people)


async def exempt_command(
    ctx: FlowContext, command: GroupCommand, replied: Person | None, arguments: str
) -> str:
    """/exempt in the group: the author of the message it replies to, or @username of someone
    GMBot has seen. Said why when neither can be told."""
    policy = await ctx.policies.get(command.group_id)
    language = command.language
    if policy is None:
        return say(language, "not_protected")
    await require_admin(ctx, command)
    username = arguments.strip()
    if replied is not None and not replied.is_bot:
        return await _exempt(ctx, command, policy, [replied])
    if not username.startswith("@"):
        return say(language, "exempt_usage")
    user_id = await ctx.seen_people.by_username(username)
    if user_id is None:
        return say(language, "exempt_unknown_username", username=shorten(username, ECHO_LIMIT))
    return await _exempt(
        ctx, command, policy, [Person(user_id, await ctx.seen_people.name_or_id(user_id))]
    )


async def _exempt(
    ctx: FlowContext, command: GroupCommand, policy: GroupPolicy, people: list[Person]
) -> str:
    """`people` exempted in the group, by an administrator; said in the command's language."""
    language = command.language
    try:
        await require_admin(ctx, command)
    except Refusal as refusal:
        return str(refusal)
    for person in people:
        await ctx.seen_people.seen(person.user_id, person.display_name, person.username)
    ids = [p.user_id for p in people if not p.is_bot]
    try:
        _, added = await undo.change_exempt(ctx, command.group_id, add=ids)
    except InvalidArgument:  # the list is full
        return say(language, "setting_not_allowed", name=NAME, value=len(ids))
    await undo.release_exempted(ctx, f"u{command.update_id}:exempt", command.group_id, added)
    names = ", ".join(p.display_name or str(p.user_id) for p in people if p.user_id in ids)
    return say(language, "exempt_added", users=names, group=title_of(policy, command.group_id))
