"""The settings panel's buttons (flows/settings_panel.py), in a group or in private: a press
answered, the panel redrawn in place, the prompt for a typed value sent when one is asked (a
ForceReply), and the value typed in reply to it answered."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType, ParseMode
from aiogram.methods import DeleteMessages
from aiogram.types import CallbackQuery, ForceReply, Message, ReplyKeyboardRemove, Update

from gmbot.gateway.flows import (
    exempt_list,
    panel_data,
    panel_expiry,
    prompt_trail,
    settings_panel,
)
from gmbot.gateway.flows.admin_checks import GroupCommand
from gmbot.gateway.flows.context import FlowContext, Person
from gmbot.gateway.telegram.answers import answer_query, reply, unless_refused
from gmbot.gateway.telegram.facts import person
from gmbot.gateway.telegram.filters import GROUPS, on_loop
from gmbot.gateway.telegram.keyboards import inline_keyboard, people_picker
from gmbot.gateway.texts import say
from gmbot.runtime.budget.core import Priority
from gmbot.runtime.budget.telegram import priority
from gmbot.runtime.error_kinds import ErrorKind


def settings_buttons() -> Router:
    router = Router(name="settings-buttons")
    router.callback_query.register(on_press, on_loop(F.data.func(panel_data.is_panel_data)))
    router.message.register(
        on_people_picked, on_loop((F.chat.type == ChatType.PRIVATE) & F.users_shared)
    )
    return router


def _group_of(message: Message, data: str) -> int | None:
    """The group a press is for: the chat of a panel in a group, the data's in private."""
    parsed = panel_data.parse(data)
    if message.chat.type in GROUPS and data.startswith(panel_data.PREFIX):
        return message.chat.id
    if message.chat.type == ChatType.PRIVATE and parsed is not None:
        return parsed.group_id
    return None


async def on_press(
    query: CallbackQuery, event_update: Update, flow_context: FlowContext, language: str
) -> None:
    message = query.message
    data = query.data or ""
    group_id = _group_of(message, data) if isinstance(message, Message) else None
    if not isinstance(message, Message) or group_id is None:
        await answer_query(query)
        return
    command = GroupCommand(
        update_id=event_update.update_id,
        group_id=group_id,
        group_title=message.chat.title or "",
        chat_type=message.chat.type if message.chat.type in GROUPS else ChatType.SUPERGROUP,
        issuer=person(query.from_user),
        language=language,
    )
    answer = await settings_panel.press(flow_context, command, data)
    await answer_query(query, answer.note, urgent=answer.by_admin)
    if answer.by_admin and message.chat.type in GROUPS:
        await panel_expiry.used(flow_context, message.chat.id, message.message_id)
    if answer.prompt:
        await _ask(message, query.from_user.id, group_id, answer.prompt, flow_context)
    if answer.pick_people:
        picker = people_picker(
            say(language, "button_pick_people"), exempt_list.PICK_REQUEST, exempt_list.PICK_MOST
        )
        with priority(Priority.URGENT):
            sent = await message.answer(
                answer.pick_people, parse_mode=ParseMode.HTML, reply_markup=picker
            )
        earlier = await prompt_trail.picker_sent(flow_context, query.from_user.id, sent.message_id)
        await _delete(message, earlier)
    if answer.panel is not None:
        with unless_refused(
            "settings panel not edited", ErrorKind.NOT_MODIFIED, ErrorKind.MESSAGE_GONE
        ):
            await message.edit_text(
                answer.panel.text,
                parse_mode=ParseMode.HTML,
                reply_markup=inline_keyboard(answer.panel.rows),
            )


async def _ask(
    message: Message, user_id: int, group_id: int, prompt: str, flow_context: FlowContext
) -> None:
    """The prompt for a typed value, sent beside the panel `message`: in a group it goes with
    the panel, if nobody answers it before."""
    with priority(Priority.URGENT):
        sent = await message.answer(
            prompt, parse_mode=ParseMode.HTML, reply_markup=ForceReply(selective=True)
        )
    in_private = message.chat.type == ChatType.PRIVATE
    asked = panel_data.Asked(user_id, group_id, in_private=in_private)
    earlier = await settings_panel.prompted(flow_context, message.chat.id, sent.message_id, asked)
    await _delete(message, earlier)
    if not in_private:
        await panel_expiry.used(flow_context, message.chat.id, sent.message_id)


async def _delete(message: Message, ids: list[int]) -> None:
    """GMBot's own messages in the chat of `message` that served their turn (prompt_trail);
    one already gone is no failure. Tidying waits behind enforcement."""
    if not ids:
        return
    with (
        unless_refused("served messages not deleted", chat_id=message.chat.id),
        priority(Priority.LATER),
    ):
        # Bound to the bot the message came through, as aiogram's own shortcuts are.
        await DeleteMessages(chat_id=message.chat.id, message_ids=ids).as_(message.bot)


async def answer_typed(message: Message, update_id: int, flow_context: FlowContext) -> None:
    """A value typed in reply to a prompt (in a group, group_messages hands on only a reply to
    GMBot's own prompt that stands): answered with what it became, or ignored when the prompt
    did not wait for it."""
    prompt = message.reply_to_message
    if prompt is None:
        return
    anonymous = message.sender_chat is not None and message.sender_chat.id == message.chat.id
    writer = None if anonymous or message.from_user is None else person(message.from_user)
    typed = panel_data.TypedAnswer(
        chat_id=message.chat.id,
        prompt_id=prompt.message_id,
        prompt_text=prompt.text or "",
        message_id=message.message_id,
        text=message.text or "",
    )
    answer = await settings_panel.typed(flow_context, update_id, writer, typed)
    if answer is None:
        return
    panel = answer.panel
    text = answer.note or (panel.text if panel else "")
    keyboard = inline_keyboard(panel.rows) if panel else None
    sent = await reply(message, text, keyboard=keyboard, urgent=answer.by_admin)
    sent_id = sent.message_id if sent is not None else None
    gone = await prompt_trail.answered(
        flow_context, message.chat.id, prompt.message_id, sent_id, taken=panel is not None
    )
    await _delete(message, gone)
    if sent_id is not None and message.chat.type in GROUPS:
        # A panel, or a refusal left standing while its prompt waits: either goes in time.
        await panel_expiry.used(flow_context, message.chat.id, sent_id)


async def on_people_picked(
    message: Message, event_update: Update, flow_context: FlowContext
) -> None:
    """People picked with the exempt list's "Add" in private."""
    shared = message.users_shared
    if message.from_user is None or shared is None:
        return
    people = [
        Person(
            u.user_id,
            " ".join(part for part in (u.first_name, u.last_name) if part) or u.username or "",
            username=u.username,
        )
        for u in shared.users
    ]
    text = await exempt_list.picked(
        flow_context, event_update.update_id, person(message.from_user), shared.request_id, people
    )
    await reply(message, text, keyboard=ReplyKeyboardRemove())
    await _delete(message, await prompt_trail.people_picked(flow_context, message.from_user.id))
