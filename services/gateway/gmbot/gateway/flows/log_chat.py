"""A group's log chat (`/settings log_chat`): a channel or a group where enforcement reports
GMBot's actions in the group, each with an Undo button (flows/log_undo.py).

It is chosen with Telegram's chat picker, which works in private only: `/settings log_chat` in
the group answers with a deep link; in private the picker asks Telegram for a channel the
chooser administers, with the bot as an administrator allowed to post (Telegram adds it so), or
a group the chooser administers where the bot is a member. Before the choice is kept, the bot
posts an introduction there: what Telegram refuses is said, and nothing is set.

When the bot is removed from a log chat, or may no longer post there (my_chat_member), the log
chat is cleared for every group that logs there, whoever removed the bot, and whoever hears each
group's alerts is told once; enforcement meanwhile drops the lines it cannot send and does not
try again."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from gmbot.gateway.domain.settings import only
from gmbot.gateway.flows import alerts
from gmbot.gateway.flows.admin_checks import ChatLookup
from gmbot.gateway.flows.bot_status import Notice
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.flows.pickers import Button, Step
from gmbot.gateway.flows.verdicts import is_admin
from gmbot.gateway.stores.drafts import Draft, SetupDrafts
from gmbot.gateway.texts import Html, say

NAME = "log_chat_id"
# What owners type: /settings log_chat.
TYPED = "log_chat"
# /start's payload that opens the picker for a group: "logchat-100123…".
START = "logchat"
_START = re.compile(rf"\A{START}(-[0-9]{{1,20}})\Z")
# request_id of the two pickers (KeyboardButtonRequestChat); /protect's are 1 and 2.
PICK_LOG_CHANNEL = 3
PICK_LOG_GROUP = 4
# A draft of a log chat's choice (stores.drafts), told apart from /protect's.
DRAFT_KIND = "log_chat"

# Posts `text` into a chat; False when Telegram refuses (the bot may not post there).
Poster = Callable[[int, str], Awaitable[bool]]


def offer(ctx: FlowContext, group_id: int, language: str) -> str:
    """The answer to `/settings log_chat` in the group: the way to the picker."""
    link = f"https://t.me/{ctx.bot_username}?start={START}{group_id}"
    return say(language, "log_chat_offer", link=Html(link))


def group_of(payload: str | None) -> int | None:
    """The group a /start payload opens the log chat's picker for."""
    match = _START.match(payload or "")
    return None if match is None else int(match.group(1))


async def begin(
    ctx: FlowContext, drafts: SetupDrafts, user_id: int, group_id: int, language: str
) -> Step:
    policy = await ctx.policies.get(group_id)
    if policy is None:
        return Step(say(language, "not_protected"), None)
    if not await is_admin(ctx, group_id, user_id):
        return Step(say(language, "press_only_admins"), None)
    await drafts.put(user_id, Draft(group_id, policy.title, DRAFT_KIND))
    keyboard = [
        [Button(say(language, "log_pick_channel_button"), PICK_LOG_CHANNEL)],
        [Button(say(language, "log_pick_group_button"), PICK_LOG_GROUP)],
        [Button(say(language, "pick_cancel_button"))],
    ]
    return Step(say(language, "log_chat_pick", group=policy.title), keyboard)


async def picked(
    ctx: FlowContext,
    drafts: SetupDrafts,
    lookup: ChatLookup,
    user_id: int,
    language: str,
    chat_id: int,
    post: Poster,
) -> Step:
    """The chat picked: introduced there, then kept as the group's log chat."""
    draft = await drafts.get(user_id)
    if draft is None or draft.group_type != DRAFT_KIND:
        return Step(say(language, "pick_expired"), None)
    policy = await ctx.policies.get(draft.group_id)
    if policy is None or not await is_admin(ctx, draft.group_id, user_id):
        await drafts.drop(user_id)
        return Step(say(language, "press_only_admins"), None)
    found = await lookup.find(str(chat_id))
    chat = found.title if found is not None and found.title else str(chat_id)
    group_language = policy.settings.language or "en"
    if not await post(chat_id, say(group_language, "log_chat_intro", group=policy.title)):
        return Step(say(language, "log_chat_cannot_post", chat=chat), None)
    settings = only(NAME, chat_id)
    changed = await ctx.clients.tenancy.update_settings(draft.group_id, settings, [NAME])
    await ctx.policies.changed(draft.group_id, changed)
    await drafts.drop(user_id)
    return Step(say(language, "log_chat_set", group=policy.title, chat=chat), None)


async def lost(ctx: FlowContext, chat_id: int, chat_title: str) -> list[Notice]:
    """The bot may no longer post in `chat_id`: every group that logs there stops logging there,
    and whoever hears each one's alerts is told, once (the next change finds the setting
    cleared)."""
    notices = []
    for policy in await ctx.clients.tenancy.groups_logging_to(chat_id):
        settings = only(NAME, 0)
        changed = await ctx.clients.tenancy.update_settings(policy.group_id, settings, [NAME])
        await ctx.policies.changed(policy.group_id, changed)
        language = policy.settings.language or "en"
        text = say(language, "log_chat_lost", chat=chat_title or chat_id, group=policy.title)
        notices += [Notice(user, text) for user in await alerts.recipients(ctx, policy)]
    return notices
