"""aiogram routers, one per feature: each reads the update, calls a flow, renders the reply."""

from __future__ import annotations

import time

import structlog
from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.enums import ChatType, ParseMode
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import (
    CallbackQuery,
    ChatJoinRequest,
    ChatMemberUpdated,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    KeyboardButtonRequestChat,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)

from gmbot.gateway.flows import (
    alerts,
    attribution,
    bot_status,
    channel_rights,
    commands,
    go_live,
    join_requests,
    members,
    messages,
    muted,
    pickers,
    private_views,
    settings,
    settings_panel,
    setup,
    stats,
    undo,
    verify,
)
from gmbot.gateway.flows.admin_checks import ChatLookup, GroupCommand, Refusal, require_admin
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.flows.replies import Reply
from gmbot.gateway.flows.verdicts import is_admin
from gmbot.gateway.telegram.answers import REFUSED, decided, markup
from gmbot.gateway.telegram.dashboard import with_dashboard
from gmbot.gateway.telegram.facts import group_message, person
from gmbot.gateway.telegram.filters import on_loop
from gmbot.gateway.telegram.member_view import member_view_router, show_member_view
from gmbot.gateway.telegram.owner_buttons import owner_buttons_router
from gmbot.gateway.telegram.profile import rights
from gmbot.gateway.telegram.stats_buttons import stats_buttons
from gmbot.gateway.telegram.typing import typing_while
from gmbot.gateway.texts import language_of, say
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.budget.telegram import priority
from gmbot.runtime.callbacks import GO_LIVE_PREFIX

log = structlog.get_logger("gmbot.gateway.routers")

GROUPS = {ChatType.GROUP, ChatType.SUPERGROUP}
# The outcomes of a judged message that leave it standing: only such a message may be answered.
_STANDS = frozenset({"allowed", "exempt", "skipped", "unprotected", "own-channel"})


async def _reply(
    message: Message,
    text: str,
    *,
    quote: bool = True,
    keyboard: InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | None = None,
    urgent: bool = True,
) -> None:
    """Replies to `message`; without the quote when it is gone, not at all when refused. Not
    `urgent` (anyone but an administrator): the reply never goes ahead of enforcement."""
    try:
        with priority(Priority.URGENT if urgent else Priority.LATER):
            if quote:
                await message.reply(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
            else:
                await message.answer(text, parse_mode=ParseMode.HTML, reply_markup=keyboard)
    except REFUSED as error:
        if quote and "repl" in str(error).lower():
            await _reply(message, text, quote=False, keyboard=keyboard, urgent=urgent)
            return
        log.warning("reply not delivered", chat_id=message.chat.id, error=str(error))


async def _group_command(ctx: FlowContext, update: Update, message: Message) -> GroupCommand:
    policy = await ctx.policies.get(message.chat.id)
    anonymous = message.sender_chat is not None and message.sender_chat.id == message.chat.id
    issuer = None if anonymous or message.from_user is None else person(message.from_user)
    return GroupCommand(
        update_id=update.update_id,
        group_id=message.chat.id,
        group_title=message.chat.title or "",
        chat_type=message.chat.type,
        issuer=issuer,
        language=(
            policy.settings.language
            if policy is not None
            else language_of(message.from_user.language_code if message.from_user else None)
        ),
    )


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


def _answers_a_prompt(message: Message, bot_id: int) -> bool:
    """A reply to the settings panel's prompt for a typed number."""
    prompt = message.reply_to_message
    return (
        prompt is not None
        and prompt.from_user is not None
        and prompt.from_user.id == bot_id
        and (prompt.text or "").startswith(settings_panel.PROMPT_MARK)
    )


def group_commands() -> Router:
    """Commands in groups: only ever given a message that was judged and stands (group_messages
    hands it on). An administrator is answered first; anyone else once a minute, behind
    enforcement."""
    router = Router(name="group-commands")
    router.message.filter(on_loop(F.chat.type.in_(GROUPS)))

    @router.message(Command("start", "help"))
    async def on_start_or_help(
        message: Message, command: CommandObject, flow_context: FlowContext
    ) -> None:
        admin = await _from_admin(flow_context, message)
        if not admin and not await _first_lately(flow_context, message):
            return
        language = language_of(message.from_user.language_code if message.from_user else None)
        if command.command == "start":
            await _reply(message, say(language, "group_start"), urgent=admin)
        else:
            await _reply(message, _help(language, "group_help"), urgent=admin)

    @router.message(on_loop(F.reply_to_message.text.startswith(settings_panel.PROMPT_MARK)))
    async def on_typed_value(
        message: Message, event_update: Update, flow_context: FlowContext
    ) -> None:
        """A number typed in reply to the panel's prompt (group_messages hands on only a
        reply to GMBot's own prompt)."""
        if message.chat.type != ChatType.SUPERGROUP or message.reply_to_message is None:
            return
        admin = await _from_admin(flow_context, message)
        if not admin and not await _first_lately(flow_context, message):
            return
        command = await _group_command(flow_context, event_update, message)
        answer = await settings_panel.typed(
            flow_context, command, message.reply_to_message.text or "", message.text or ""
        )
        panel = answer.panel
        text = answer.note or (panel.text if panel else "")
        keyboard = _keyboard(panel.rows) if panel else None
        await _reply(message, text, keyboard=keyboard, urgent=answer.by_admin)

    @router.message(
        Command("protect", "unprotect", "status", "settings", "check", "muted", "stats")
    )
    async def on_command(
        message: Message,
        command: CommandObject,
        event_update: Update,
        flow_context: FlowContext,
        chat_lookup: ChatLookup,
        bot: Bot,
    ) -> None:
        ctx = flow_context
        admin = await _from_admin(ctx, message)
        if not admin and not await _first_lately(ctx, message):
            return
        if message.chat.type != ChatType.SUPERGROUP:
            # A basic group cannot restrict members: one answer, saying how to upgrade it.
            language = language_of(message.from_user.language_code if message.from_user else None)
            await _reply(message, say(language, "only_supergroups"), urgent=admin)
            return
        group_command = await _group_command(ctx, event_update, message)
        arguments = command.args or ""
        reply: Reply
        keyboard: InlineKeyboardMarkup | None = None
        try:
            async with typing_while(
                bot,
                message.chat.id,
                message.message_thread_id if message.is_topic_message else None,
            ):
                match command.command:
                    case "protect":
                        reply = Reply(
                            await commands.protect(
                                ctx, chat_lookup, group_command, arguments.split()
                            )
                        )
                    case "unprotect":
                        reply = Reply(await commands.unprotect(ctx, group_command))
                    case "status":
                        reply = await commands.status(ctx, group_command, for_admins=admin)
                    case "settings" if not arguments.strip():
                        shown = await settings_panel.open_panel(ctx, group_command)
                        reply, keyboard = Reply(shown.text), _keyboard(shown.rows)
                    case "settings":
                        reply = Reply(await settings.show_or_change(ctx, group_command, arguments))
                    case "muted" | "stats":
                        reply = await _owner_view(ctx, group_command, command.command)
                    case _:
                        reply = Reply(await commands.check(ctx, chat_lookup, group_command))
        except Refusal as refusal:
            reply = Reply(str(refusal))
        await _reply(message, reply.text, keyboard=keyboard or markup(reply), urgent=admin)

    return router


def private_commands() -> Router:
    router = Router(name="private-commands")
    router.message.filter(on_loop(F.chat.type == ChatType.PRIVATE))

    @router.message(CommandStart())
    async def on_start(
        message: Message,
        command: CommandObject,
        flow_context: FlowContext,
        miniapp_url: str | None = None,
    ) -> None:
        if message.from_user is None:
            return
        if await show_member_view(message, flow_context):
            return  # a member GMBot holds somewhere came for the way out
        language = language_of(message.from_user.language_code)
        # From now on GMBot may write to them: the alerts of the groups they administer.
        await alerts.opened(flow_context, message.from_user.id)
        if command.args == setup.PROTECT:  # the deep link of "set me up" (bot_status, channels)
            await _begin_protect(message, flow_context, message.from_user.id, language)
            return
        bot_username = flow_context.bot_username
        keyboard = _keyboard(
            [[(say(language, "button_protect_group"), setup.PROTECT)]],
            urls=[
                (say(language, "button_add_group"), setup.add_to_group_link(bot_username)),
                (say(language, "button_add_channel"), setup.add_to_channel_link(bot_username)),
            ],
        )
        await _reply(
            message,
            say(language, "start"),
            quote=False,
            keyboard=with_dashboard(keyboard, miniapp_url, language),
        )

    @router.callback_query(on_loop(F.data == setup.PROTECT))
    async def on_protect_button(query: CallbackQuery, flow_context: FlowContext) -> None:
        await _answer(query, "")
        if isinstance(query.message, Message) and query.message.chat.type == ChatType.PRIVATE:
            language = language_of(query.from_user.language_code)
            await _begin_protect(query.message, flow_context, query.from_user.id, language)

    @router.message(Command("help"))
    async def on_help(message: Message) -> None:
        language = language_of(message.from_user.language_code if message.from_user else None)
        await _reply(message, _help(language, "help"), quote=False)

    @router.message(Command("protect"))
    async def on_protect(message: Message, flow_context: FlowContext) -> None:
        if message.from_user is None:
            return
        language = language_of(message.from_user.language_code)
        await _begin_protect(message, flow_context, message.from_user.id, language)

    @router.message(on_loop(F.chat_shared))
    async def on_chat_picked(
        message: Message, flow_context: FlowContext, chat_lookup: ChatLookup
    ) -> None:
        if message.from_user is None or message.chat_shared is None:
            return
        step = await pickers.picked(
            flow_context.drafts,
            chat_lookup,
            message.from_user.id,
            language_of(message.from_user.language_code),
            message.chat_shared.request_id,
            message.chat_shared.chat_id,
        )
        await _reply(message, step.text, quote=False, keyboard=_reply_keyboard(step))

    @router.message(on_loop(F.text.in_(pickers.DONE_TEXTS)))
    async def on_protect_picked(
        message: Message,
        event_update: Update,
        flow_context: FlowContext,
        chat_lookup: ChatLookup,
        bot: Bot,
    ) -> None:
        if message.from_user is None:
            return
        async with typing_while(bot, message.chat.id):
            step = await pickers.finish(
                flow_context,
                flow_context.drafts,
                chat_lookup,
                event_update.update_id,
                person(message.from_user),
                language_of(message.from_user.language_code),
            )
        await _reply(message, step.text, quote=False, keyboard=_reply_keyboard(step))

    @router.message(on_loop(F.text.in_(pickers.CANCEL_TEXTS)))
    async def on_cancel(message: Message, flow_context: FlowContext) -> None:
        if message.from_user is None:
            return
        language = language_of(message.from_user.language_code)
        step = await pickers.cancel(flow_context.drafts, message.from_user.id, language)
        await _reply(message, step.text, quote=False, keyboard=_reply_keyboard(step))

    @router.message(Command("groups"))
    async def on_groups(message: Message, flow_context: FlowContext) -> None:
        if message.from_user is None:
            return
        language = language_of(message.from_user.language_code)
        reply = await private_views.groups_list(flow_context, message.from_user.id, language)
        await _reply(message, reply.text, quote=False, keyboard=markup(reply))

    @router.callback_query(on_loop(F.data.startswith(alerts.PREFIX)))
    async def on_alerts_button(query: CallbackQuery, flow_context: FlowContext) -> None:
        """Alerts on or off: the presser's own preference, whoever sent the button."""
        language = language_of(query.from_user.language_code)
        hears = await alerts.turn(flow_context, query.from_user.id, query.data or "")
        await _answer(query, say(language, "alerts_now_on" if hears else "alerts_now_off"))
        if isinstance(query.message, Message):
            reply = await private_views.groups_list(flow_context, query.from_user.id, language)
            try:
                await query.message.edit_reply_markup(reply_markup=markup(reply))
            except REFUSED as error:  # not modified, or the message is gone
                log.info("groups list not edited", error=str(error))

    @router.message(Command(*private_views.VIEWS))
    async def on_owner_view(
        message: Message,
        command: CommandObject,
        flow_context: FlowContext,
        miniapp_url: str | None = None,
    ) -> None:
        """In private: which group first (only its administrators' presses count)."""
        if message.from_user is None:
            return
        language = language_of(message.from_user.language_code)
        reply = await private_views.choose_group(
            flow_context, message.from_user.id, language, private_views.VIEWS[command.command]
        )
        keyboard = with_dashboard(markup(reply), miniapp_url, language)
        await _reply(message, reply.text, quote=False, keyboard=keyboard)

    return router


async def _begin_protect(
    message: Message, flow_context: FlowContext, user_id: int, language: str
) -> None:
    """/protect in private: the chat pickers, starting with the group."""
    step = await pickers.begin(flow_context.drafts, user_id, language)
    await _reply(message, step.text, quote=False, keyboard=_reply_keyboard(step))


def group_messages() -> Router:
    router = Router(name="group-messages")
    router.message.filter(on_loop(F.chat.type.in_(GROUPS)))

    @router.message(on_loop(F.new_chat_members))
    async def on_joined(message: Message, event_update: Update, flow_context: FlowContext) -> None:
        for user in message.new_chat_members or []:
            started = time.perf_counter()
            outcome = await members.on_member_joined(
                flow_context, event_update.update_id, message.chat.id, person(user)
            )
            decided("join", outcome, started)

    @router.message()
    async def on_message(
        message: Message, event_update: Update, flow_context: FlowContext, chat_lookup: ChatLookup
    ) -> None:
        """Every message is judged first, whatever it starts with or carries (a command, a
        caption, media): only one that stands goes on to group_commands, so a command is no way
        around the check and a removed message is never answered."""
        started = time.perf_counter()
        outcome = await messages.on_group_message(
            flow_context, chat_lookup, group_message(event_update.update_id, message)
        )
        decided("message", outcome, started)
        if outcome in _STANDS and (
            (message.text or message.caption or "").startswith("/")
            or _answers_a_prompt(message, flow_context.bot_id)
        ):
            raise SkipHandler

    return router


def member_updates() -> Router:
    router = Router(name="member-updates")

    @router.chat_member(on_loop(F.chat.type == ChatType.CHANNEL))
    async def on_channel_member(
        update: ChatMemberUpdated, event_update: Update, flow_context: FlowContext
    ) -> None:
        started = time.perf_counter()
        change = _change(event_update.update_id, update)
        outcomes = await members.on_channel_member_changed(flow_context, change)
        link = update.invite_link.invite_link if update.invite_link else None
        await attribution.joined_by_link(flow_context, change, link)
        decided("channel-member", ",".join(o.split(":")[0] for o in outcomes) or "none", started)

    @router.chat_member(on_loop(F.chat.type.in_(GROUPS)))
    async def on_group_member(
        update: ChatMemberUpdated, event_update: Update, flow_context: FlowContext
    ) -> None:
        change = _change(event_update.update_id, update)
        await members.record_change(flow_context, change)
        await undo.on_member_changed(flow_context, change)
        if change.now_member and not change.was_member:
            started = time.perf_counter()
            outcome = await members.on_member_joined(
                flow_context, change.update_id, change.chat_id, change.person
            )
            decided("join", outcome, started)

    @router.my_chat_member(on_loop(F.chat.type.in_(GROUPS)))
    async def on_bot_status(
        update: ChatMemberUpdated, event_update: Update, bot: Bot, flow_context: FlowContext
    ) -> None:
        notices = await bot_status.on_bot_status_changed(
            flow_context,
            event_update.update_id,
            update.chat.id,
            _bot_status(update.old_chat_member),
            _bot_status(update.new_chat_member),
            language_of(update.from_user.language_code),
            basic_group=update.chat.type == ChatType.GROUP,
        )
        await _deliver(bot, notices)

    @router.my_chat_member(on_loop(F.chat.type == ChatType.CHANNEL))
    async def on_bot_channel_status(
        update: ChatMemberUpdated, bot: Bot, flow_context: FlowContext
    ) -> None:
        """The bot's rights in a channel changed: owners of the groups that require it are told
        (channel_rights), and as an administrator its primary invite link is remembered, so an
        owner may name a private channel in /protect by its t.me/+ link."""
        channel = channel_rights.ChannelChat(
            update.chat.id, update.chat.title or "", update.chat.username or ""
        )
        notices = await channel_rights.on_bot_channel_status(
            flow_context,
            channel,
            person(update.from_user) if update.from_user else None,
            _bot_status(update.old_chat_member),
            _bot_status(update.new_chat_member),
        )
        await _deliver(bot, notices)
        if update.new_chat_member.status == "administrator":
            await _remember_invite_link(bot, flow_context, update.chat.id)

    @router.chat_join_request(on_loop(F.chat.type.in_(GROUPS)))  # a channel's requests are not ours
    async def on_join_request(
        request: ChatJoinRequest, event_update: Update, flow_context: FlowContext
    ) -> None:
        started = time.perf_counter()
        outcome = await join_requests.on_join_request(
            flow_context,
            event_update.update_id,
            request.chat.id,
            person(request.from_user),
            request.user_chat_id,
        )
        decided("join-request", outcome, started)

    return router


async def _remember_invite_link(bot: Bot, flow_context: FlowContext, channel_id: int) -> None:
    try:
        chat = await bot.get_chat(channel_id)
    except REFUSED as error:
        log.info("channel not read", chat_id=channel_id, error=str(error))
        return
    if chat.invite_link:
        await flow_context.invite_links.remember(chat.invite_link, chat.id)


async def _deliver(bot: Bot, notices: list[bot_status.Notice]) -> None:
    for notice in notices:
        try:
            await bot.send_message(notice.chat_id, notice.text, parse_mode=ParseMode.HTML)
        except REFUSED as refused:
            # Someone who never started the bot (or blocked it) cannot be written to first.
            log.warning(
                "notice not delivered: the chat does not accept it",
                chat_id=notice.chat_id,
                error=refused.message,
            )


def settings_buttons() -> Router:
    router = Router(name="settings-buttons")

    @router.callback_query(on_loop(F.data.startswith(settings_panel.PREFIX)))
    async def on_press(
        query: CallbackQuery, event_update: Update, flow_context: FlowContext
    ) -> None:
        message = query.message
        if not isinstance(message, Message) or message.chat.type not in GROUPS:
            await _answer(query, "")
            return
        command = GroupCommand(
            update_id=event_update.update_id,
            group_id=message.chat.id,
            group_title=message.chat.title or "",
            chat_type=message.chat.type,
            issuer=person(query.from_user),
            language=language_of(query.from_user.language_code),
        )
        answer = await settings_panel.press(flow_context, command, query.data or "")
        await _answer(query, answer.note, urgent=answer.by_admin)
        if answer.prompt:
            with priority(Priority.URGENT):
                await message.answer(
                    answer.prompt,
                    parse_mode=ParseMode.HTML,
                    reply_markup=ForceReply(selective=True),
                )
        if answer.panel is not None:
            try:
                await message.edit_text(
                    answer.panel.text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=_keyboard(answer.panel.rows),
                )
            except REFUSED as error:  # not modified, or the panel is gone
                log.info("settings panel not edited", error=str(error))

    @router.callback_query(on_loop(F.data.startswith(f"{GO_LIVE_PREFIX}:")))
    async def on_go_live(query: CallbackQuery, flow_context: FlowContext) -> None:
        language = language_of(query.from_user.language_code)
        note = await go_live.press(flow_context, query.data or "", query.from_user.id, language)
        await _answer(query, "", urgent=note is not None)
        if note is not None and isinstance(query.message, Message):
            await _reply(query.message, note, quote=False)

    return router


async def _answer(query: CallbackQuery, text: str, *, urgent: bool = True) -> None:
    """Not `urgent` (a member's press): the answer never goes ahead of enforcement."""
    try:
        with priority(Priority.URGENT if urgent else Priority.LATER):
            await query.answer(text or None)
    except REFUSED as error:
        log.info("callback query not answered", error=str(error))


def _keyboard(
    rows: list[list[tuple[str, str]]], urls: list[tuple[str, str]] | None = None
) -> InlineKeyboardMarkup:
    buttons = [[InlineKeyboardButton(text=t, callback_data=d) for t, d in row] for row in rows]
    buttons += [[InlineKeyboardButton(text=t, url=u)] for t, u in urls or []]
    return InlineKeyboardMarkup(inline_keyboard=buttons)


def _reply_keyboard(step: pickers.Step) -> ReplyKeyboardMarkup | ReplyKeyboardRemove:
    """A picker step's keyboard: chat pickers that ask Telegram for exactly the chats /protect
    accepts (ones the owner administers, with the bot as an administrator with its rights)."""
    if step.keyboard is None:
        return ReplyKeyboardRemove()
    rows = []
    for row in step.keyboard:
        buttons = []
        for button in row:
            if not button.request_id:
                buttons.append(KeyboardButton(text=button.text))
                continue
            channel = button.request_id == pickers.PICK_CHANNEL
            request = KeyboardButtonRequestChat(
                request_id=button.request_id,
                chat_is_channel=channel,
                user_administrator_rights=rights(()),
                bot_administrator_rights=rights(
                    setup.CHANNEL_RIGHTS if channel else setup.GROUP_RIGHTS
                ),
            )
            buttons.append(KeyboardButton(text=button.text, request_chat=request))
        rows.append(buttons)
    return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, is_persistent=True)


def _help(language: str, key: str) -> str:
    """The commands, then every setting by name."""
    return "\n".join(
        [say(language, key), "", say(language, "help_settings"), *settings.names(language)]
    )


def verify_buttons(signing_key: bytes) -> Router:
    router = Router(name="verify-buttons")

    @router.callback_query()
    async def on_press(query: CallbackQuery, flow_context: FlowContext) -> None:
        started = time.perf_counter()
        answer = await verify.on_verify_pressed(
            flow_context, signing_key, query.data or "", person(query.from_user), query.id
        )
        try:
            # A member's press: answered behind enforcement, never ahead of it.
            with priority(Priority.LATER):
                if answer is None:
                    await query.answer()
                else:
                    await query.answer(answer.text, show_alert=answer.alert)
        except REFUSED as error:  # answered too late (a redelivery), or not a query Telegram has
            log.info("callback query not answered", error=str(error))
        decided("verify", "foreign" if answer is None else "answered", started)

    return router


def _change(update_id: int, update: ChatMemberUpdated) -> members.MemberChange:
    new, old = update.new_chat_member, update.old_chat_member
    return members.MemberChange(
        update_id=update_id,
        chat_id=update.chat.id,
        person=person(new.user),
        old_status=old.status,
        new_status=new.status,
        is_member=bool(getattr(new, "is_member", False)),
        date=update.date,
        old_is_member=bool(getattr(old, "is_member", False)),
        actor_id=update.from_user.id if update.from_user else 0,
        actor_is_bot=bool(update.from_user and update.from_user.is_bot),
        old_can_send=bool(getattr(old, "can_send_messages", True)),
        new_can_send=bool(getattr(new, "can_send_messages", True)),
    )


def _bot_status(member: object) -> bot_status.BotStatus:
    rights = frozenset(
        right
        for right in ("can_delete_messages", "can_restrict_members", "can_invite_users")
        if getattr(member, right, False)
    )
    return bot_status.BotStatus(status=str(getattr(member, "status", "left")), rights=rights)


def all_routers(signing_key: bytes) -> list[Router]:
    return [
        # Judging comes first: group_commands sees only the messages group_messages hands on.
        group_messages(),
        group_commands(),
        member_view_router(),
        private_commands(),
        member_updates(),
        owner_buttons_router(),
        settings_buttons(),
        stats_buttons(),
        verify_buttons(signing_key),
    ]
