"""/protect in private, with Telegram's chat pickers: pick the group, then one or more channels,
then "Protect" (or "Start by observing": protected in observe mode). Nothing is typed; the
picked chats' ids arrive as `chat_shared`. The same rules as /protect in the group hold
(commands.protect does the checking): the owner administers the group and every channel, the
bot has its rights, and every refusal says what to fix."""

from __future__ import annotations

from dataclasses import dataclass

from gmbot.gateway.domain.choices import GroupMode
from gmbot.gateway.domain.settings import GroupSettings
from gmbot.gateway.flows.admin_checks import ChatLookup, GroupCommand, Refusal
from gmbot.gateway.flows.commands import MAX_CHANNELS, channel_names, protect_group
from gmbot.gateway.flows.context import FlowContext, Person
from gmbot.gateway.stores.drafts import Draft, SetupDrafts
from gmbot.gateway.texts import LANGUAGES, say

# request_id of each picker button (KeyboardButtonRequestChat).
PICK_GROUP = 1
PICK_CHANNEL = 2
DONE_TEXTS = frozenset(say(language, "pick_done_button") for language in LANGUAGES)
OBSERVE_TEXTS = frozenset(say(language, "pick_observe_button") for language in LANGUAGES)
CANCEL_TEXTS = frozenset(say(language, "pick_cancel_button") for language in LANGUAGES)


@dataclass(frozen=True)
class Button:
    """A reply-keyboard button: a chat picker (`request_id`), or plain text when 0."""

    text: str
    request_id: int = 0


@dataclass(frozen=True)
class Step:
    """What to say next, and the keyboard to show (None: take the keyboard away)."""

    text: str
    keyboard: list[list[Button]] | None


def _channel_keyboard(language: str, with_done: bool) -> list[list[Button]]:
    rows = [[Button(say(language, "pick_channel_button"), PICK_CHANNEL)]]
    if with_done:
        rows.append(
            [
                Button(say(language, "pick_done_button")),
                Button(say(language, "pick_observe_button")),
            ]
        )
    rows.append([Button(say(language, "pick_cancel_button"))])
    return rows


async def begin(drafts: SetupDrafts, user_id: int, language: str) -> Step:
    await drafts.put(user_id, Draft())
    keyboard = [
        [Button(say(language, "pick_group_button"), PICK_GROUP)],
        [Button(say(language, "pick_cancel_button"))],
    ]
    return Step(say(language, "pick_group"), keyboard)


async def picked(
    drafts: SetupDrafts,
    lookup: ChatLookup,
    user_id: int,
    language: str,
    request_id: int,
    chat_id: int,
) -> Step:
    draft = await drafts.get(user_id)
    if draft is None:
        return Step(say(language, "pick_expired"), None)
    chat = await lookup.find(str(chat_id))
    if request_id == PICK_GROUP:
        if chat is None:
            return Step(say(language, "pick_expired"), None)
        draft = Draft(chat.chat_id, chat.title, chat.kind)
        await drafts.put(user_id, draft)
        return Step(say(language, "pick_channel"), _channel_keyboard(language, with_done=False))
    if request_id != PICK_CHANNEL or not draft.group_id:
        return Step(say(language, "pick_expired"), None)
    name = str(chat_id) if chat is None else f"@{chat.username}" if chat.username else chat.title
    if chat_id not in draft.channel_ids and len(draft.channel_ids) < MAX_CHANNELS:
        draft.channel_ids.append(chat_id)
        await drafts.put(user_id, draft)
    done = say(language, "pick_done_button")
    return Step(
        say(language, "picked_channel", channel=name, done=done),
        _channel_keyboard(language, with_done=True),
    )


async def finish(
    ctx: FlowContext,
    drafts: SetupDrafts,
    lookup: ChatLookup,
    update_id: int,
    owner: Person,
    language: str,
    observe: bool = False,
) -> Step:
    """ "Protect": the group and channels picked go through /protect's every check. With
    `observe` ("Start by observing") the group starts in observe mode."""
    draft = await drafts.get(owner.user_id)
    if draft is None or not draft.group_id or not draft.channel_ids:
        return Step(say(language, "pick_expired"), None)
    command = GroupCommand(
        update_id=update_id,
        group_id=draft.group_id,
        group_title=draft.group_title,
        chat_type=draft.group_type,
        issuer=owner,
        language=language,
    )
    try:
        policy, note = await protect_group(
            ctx, lookup, command, [str(c) for c in draft.channel_ids]
        )
    except Refusal as refusal:
        # The draft stays: the owner fixes what is said and taps "Protect" again.
        return Step(str(refusal), _channel_keyboard(language, with_done=True))
    await drafts.drop(owner.user_id)
    observing = ""
    if observe:
        settings = GroupSettings(mode=GroupMode.OBSERVE)
        await ctx.clients.tenancy.update_settings(draft.group_id, settings, ["mode"])
        observing = say(language, "protected_observing")
    names = channel_names(list(policy.channels))
    done = say(language, "protected_group", group=draft.group_title, channels=names)
    return Step("\n".join(line for line in (done, note, observing) if line), None)


async def cancel(drafts: SetupDrafts, user_id: int, language: str) -> Step:
    await drafts.drop(user_id)
    return Step(say(language, "pick_cancelled"), None)
