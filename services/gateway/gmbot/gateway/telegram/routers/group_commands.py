"""Commands in groups: only ever given a message that was judged and stands (group_messages hands
it on). An administrator is answered first; anyone else once a minute, behind enforcement."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.enums import ChatType, ParseMode
from aiogram.exceptions import TelegramForbiddenError
from aiogram.filters import Command, CommandObject
from aiogram.types import InlineKeyboardMarkup, Message, Update

from gmbot.gateway.flows import (
    commands,
    exempt_list,
    muted,
    panel_expiry,
    settings,
    settings_panel,
    stats,
)
from gmbot.gateway.flows.admin_checks import ChatLookup, GroupCommand, Refusal, require_admin
from gmbot.gateway.flows.context import FlowContext, Person
from gmbot.gateway.flows.replies import Reply
from gmbot.gateway.flows.verdicts import is_admin
from gmbot.gateway.telegram.answers import reply
from gmbot.gateway.telegram.facts import person
from gmbot.gateway.telegram.filters import GROUPS, on_loop
from gmbot.gateway.telegram.keyboards import inline_keyboard, markup
from gmbot.gateway.telegram.routers.help import help_text
from gmbot.gateway.telegram.routers.settings_buttons import answer_typed
from gmbot.gateway.telegram.typing import typing_while
from gmbot.gateway.texts import say
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.budget.telegram import priority
from gmbot.runtime.error_kinds import ErrorKind
from gmbot.runtime.telegram_errors import kind_of

COMMANDS = ("protect", "unprotect", "status", "settings", "check", "muted", "stats", "exempt")


def group_commands() -> Router:
    router = Router(name="group-commands")
    router.message.filter(on_loop(F.chat.type.in_(GROUPS)))
    router.message.register(on_start_or_help, Command("start", "help"))
    router.message.register(
        on_typed_value, on_loop(F.reply_to_message.text.startswith(settings_panel.PROMPT_MARK))
    )
    router.message.register(on_command, Command(*COMMANDS))
    return router


async def on_start_or_help(
    message: Message, command: CommandObject, flow_context: FlowContext, language: str
) -> None:
    admin = await _from_admin(flow_context, message)
    if not admin and not await _first_lately(flow_context, message):
        return
    if command.command == "start":
        await reply(message, say(language, "group_start"), urgent=admin)
    else:
        await reply(message, help_text(language, "group_help"), urgent=admin)


async def on_typed_value(message: Message, event_update: Update, flow_context: FlowContext) -> None:
    """A value typed in reply to the panel's prompt (group_messages hands on only a reply to
    GMBot's own prompt)."""
    if message.chat.type == ChatType.SUPERGROUP:
        await answer_typed(message, event_update.update_id, flow_context)


async def on_command(
    message: Message,
    command: CommandObject,
    event_update: Update,
    flow_context: FlowContext,
    chat_lookup: ChatLookup,
    bot: Bot,
    language: str,
) -> None:
    admin = await _from_admin(flow_context, message)
    if not admin and not await _first_lately(flow_context, message):
        return
    if message.chat.type != ChatType.SUPERGROUP:
        # A basic group cannot restrict members: one answer, saying how to upgrade it.
        await reply(message, say(language, "only_supergroups"), urgent=admin)
        return
    group_command = await _group_command(flow_context, event_update, message, language)
    thread_id = message.message_thread_id if message.is_topic_message else None
    keyboard: InlineKeyboardMarkup | None = None
    try:
        async with typing_while(bot, message.chat.id, thread_id):
            if command.command == "exempt":
                replied = _author_of(message.reply_to_message)
                exempted = await exempt_list.exempt_command(
                    flow_context, group_command, replied, command.args or ""
                )
                answer, keyboard = Reply(exempted), None
            else:
                answer, keyboard = await _carried_out(
                    flow_context, bot, chat_lookup, group_command, command, for_admins=admin
                )
    except Refusal as refusal:
        answer = Reply(str(refusal))
    sent = await reply(message, answer.text, keyboard=keyboard or markup(answer), urgent=admin)
    # /settings answered with buttons in the group: that is the panel there (in private, the
    # group hears a word without buttons).
    if command.command == "settings" and keyboard is not None and sent is not None:
        await panel_expiry.used(flow_context, message.chat.id, sent.message_id)


async def _carried_out(
    ctx: FlowContext,
    bot: Bot,
    chat_lookup: ChatLookup,
    group_command: GroupCommand,
    command: CommandObject,
    *,
    for_admins: bool,
) -> tuple[Reply, InlineKeyboardMarkup | None]:
    """What the command's flow answers, and the settings panel's buttons when it opens."""
    arguments = command.args or ""
    match command.command:
        case "protect":
            protected = await commands.protect(ctx, chat_lookup, group_command, arguments.split())
            offer = settings_panel.observe_offer(await ctx.policies.get(group_command.group_id))
            return Reply(protected), inline_keyboard(offer) if offer else None
        case "unprotect":
            return Reply(await commands.unprotect(ctx, group_command)), None
        case "status":
            return await commands.status(ctx, group_command, for_admins=for_admins), None
        case "settings" if not arguments.strip():
            return await _settings_panel(ctx, bot, group_command)
        case "settings":
            return Reply(await settings.show_or_change(ctx, group_command, arguments)), None
        case "muted" | "stats":
            return await _owner_view(ctx, group_command, command.command), None
        case _:
            return Reply(await commands.check(ctx, chat_lookup, group_command)), None


async def _settings_panel(
    ctx: FlowContext, bot: Bot, command: GroupCommand
) -> tuple[Reply, InlineKeyboardMarkup | None]:
    """The panel for the group; sent to the administrator in private when the group is busy
    (its taps then cost the group none of its messages), with a word in the group. Someone GMBot
    cannot write to yet (they never opened it) is told so, with the panel in the group."""
    if command.issuer is None or not settings_panel.goes_private(ctx, command.group_id):
        shown = await settings_panel.open_panel(ctx, command)
        return Reply(shown.text), inline_keyboard(shown.rows)
    private = await settings_panel.open_panel(ctx, command, in_private=True)
    try:
        with priority(Priority.URGENT):
            await bot.send_message(
                command.issuer.user_id,
                private.text,
                parse_mode=ParseMode.HTML,
                reply_markup=inline_keyboard(private.rows),
            )
    except TelegramForbiddenError as refused:
        if kind_of(refused) is not ErrorKind.BOT_BLOCKED:
            raise
        shown = await settings_panel.open_panel(ctx, command)
        note = say(command.language, "settings_open_bot_first", bot=ctx.bot_username)
        opening = [(say(command.language, "button_open_bot"), f"https://t.me/{ctx.bot_username}")]
        return Reply(f"{note}\n\n{shown.text}"), inline_keyboard(shown.rows, opening)
    return Reply(say(command.language, "settings_sent_private")), None


async def _group_command(
    ctx: FlowContext, update: Update, message: Message, language: str
) -> GroupCommand:
    """The command as the flows take it, in the group's language when it is protected (the
    sender's otherwise)."""
    policy = await ctx.policies.get(message.chat.id)
    anonymous = message.sender_chat is not None and message.sender_chat.id == message.chat.id
    issuer = None if anonymous or message.from_user is None else person(message.from_user)
    return GroupCommand(
        update_id=update.update_id,
        group_id=message.chat.id,
        group_title=message.chat.title or "",
        chat_type=message.chat.type,
        issuer=issuer,
        language=policy.settings.language if policy is not None else language,
    )


def _author_of(message: Message | None) -> Person | None:
    """The person who wrote `message` (None: nobody's, or sent on behalf of a chat)."""
    if message is None or message.from_user is None or message.sender_chat is not None:
        return None
    return person(message.from_user)


async def _from_admin(ctx: FlowContext, message: Message) -> bool:
    """Whether an administrator sent `message`, from the kept lists (no Bot API call). An
    anonymous administrator (the group itself) is one; a status that cannot be told is not."""
    if message.sender_chat is not None:
        return message.sender_chat.id == message.chat.id
    if message.from_user is None or message.chat.type != ChatType.SUPERGROUP:
        return False  # membership keeps no lists of basic groups: GMBot cannot protect them
    return bool(await is_admin(ctx, message.chat.id, message.from_user.id))


async def _first_lately(ctx: FlowContext, message: Message) -> bool:
    """Whether a member's command is the first one to be answered in the group lately (on any
    replica): members' commands cannot spend the group's messages a minute."""
    sender = message.from_user.id if message.from_user else 0
    return await ctx.member_answers.first(f"{message.chat.id}:{sender}")


async def _owner_view(ctx: FlowContext, command: GroupCommand, name: str) -> Reply:
    """/muted and /stats in a group: for its administrators."""
    await require_admin(ctx, command)
    policy = await ctx.policies.get(command.group_id)
    title = muted.title_of(policy, command.group_id) if policy else command.group_title
    if name == "muted":
        return await muted.muted_page(ctx, command.group_id, title, command.language)
    return await stats.stats_of(ctx, command.group_id, title, command.language)
