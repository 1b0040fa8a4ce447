"""Commands in private: /start (with its buttons to add GMBot and to protect a group), /help,
/groups with its alerts toggle, and the owners' views (which group first)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message, Update

from gmbot.gateway.flows import alerts, log_chat, private_views, settings_panel, setup
from gmbot.gateway.flows.context import FlowContext
from gmbot.gateway.telegram.answers import answer_query, reply, unless_refused
from gmbot.gateway.telegram.dashboard import with_dashboard
from gmbot.gateway.telegram.facts import person
from gmbot.gateway.telegram.filters import on_loop
from gmbot.gateway.telegram.keyboards import inline_keyboard, markup, picker_keyboard
from gmbot.gateway.telegram.routers.help import help_text
from gmbot.gateway.telegram.routers.member_view import show_member_view
from gmbot.gateway.telegram.routers.protect_setup import begin_protect
from gmbot.gateway.telegram.routers.settings_buttons import answer_typed
from gmbot.gateway.texts import say
from gmbot.runtime.error_kinds import ErrorKind


def private_commands() -> Router:
    router = Router(name="private-commands")
    router.message.filter(on_loop(F.chat.type == ChatType.PRIVATE))
    router.message.register(on_start, CommandStart())
    router.message.register(on_help, Command("help"))
    router.message.register(on_groups, Command("groups"))
    router.callback_query.register(on_alerts_button, on_loop(F.data.startswith(alerts.PREFIX)))
    router.message.register(on_owner_view, Command(*private_views.VIEWS))
    router.message.register(
        on_typed_value, on_loop(F.reply_to_message.text.startswith(settings_panel.PROMPT_MARK))
    )
    return router


async def on_typed_value(message: Message, event_update: Update, flow_context: FlowContext) -> None:
    """A value typed in reply to the settings panel's prompt in private."""
    await answer_typed(message, event_update.update_id, flow_context)


async def on_start(
    message: Message,
    command: CommandObject,
    flow_context: FlowContext,
    language: str,
    miniapp_url: str | None = None,
) -> None:
    if message.from_user is None:
        return
    if await show_member_view(message, flow_context, language):
        return  # a member GMBot holds somewhere came for the way out
    # From now on GMBot may write to them: the alerts of the groups they administer.
    await alerts.opened(flow_context, person(message.from_user))
    if command.args == setup.PROTECT:  # the deep link of "set me up" (bot_status, channels)
        await begin_protect(message, flow_context, message.from_user.id, language)
        return
    group_id = log_chat.group_of(command.args)
    if group_id is not None:  # the deep link of /settings log_chat
        step = await log_chat.begin(
            flow_context, flow_context.drafts, message.from_user.id, group_id, language
        )
        await reply(message, step.text, quote=False, keyboard=picker_keyboard(step))
        return
    bot_username = flow_context.bot_username
    keyboard = inline_keyboard(
        [[(say(language, "button_protect_group"), setup.PROTECT)]],
        urls=[
            (say(language, "button_add_group"), setup.add_to_group_link(bot_username)),
            (say(language, "button_add_channel"), setup.add_to_channel_link(bot_username)),
        ],
    )
    await reply(
        message,
        say(language, "start"),
        quote=False,
        keyboard=with_dashboard(keyboard, miniapp_url, language),
    )


async def on_help(message: Message, language: str) -> None:
    await reply(message, help_text(language, "help"), quote=False)


async def on_groups(message: Message, flow_context: FlowContext, language: str) -> None:
    if message.from_user is None:
        return
    groups = await private_views.groups_list(flow_context, person(message.from_user), language)
    await reply(message, groups.text, quote=False, keyboard=markup(groups))


async def on_alerts_button(query: CallbackQuery, flow_context: FlowContext, language: str) -> None:
    """Alerts on or off: the presser's own preference, whoever sent the button."""
    hears = await alerts.turn(flow_context, query.from_user.id, query.data or "")
    await answer_query(query, say(language, "alerts_now_on" if hears else "alerts_now_off"))
    if isinstance(query.message, Message):
        groups = await private_views.groups_list(flow_context, person(query.from_user), language)
        with unless_refused(
            "groups list not edited", ErrorKind.NOT_MODIFIED, ErrorKind.MESSAGE_GONE
        ):
            await query.message.edit_reply_markup(reply_markup=markup(groups))


async def on_owner_view(
    message: Message,
    command: CommandObject,
    flow_context: FlowContext,
    language: str,
    miniapp_url: str | None = None,
) -> None:
    """In private: which group first (only its administrators' presses count)."""
    if message.from_user is None:
        return
    view = await private_views.choose_group(
        flow_context, message.from_user.id, language, private_views.VIEWS[command.command]
    )
    keyboard = with_dashboard(markup(view), miniapp_url, language)
    await reply(message, view.text, quote=False, keyboard=keyboard)
