"""The flows' buttons as Telegram's keyboards: inline ones under a message, and the chat pickers'
reply keyboard in private."""

from __future__ import annotations

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    KeyboardButtonRequestChat,
    KeyboardButtonRequestUsers,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from gmbot.gateway.flows import log_chat, pickers, setup
from gmbot.gateway.flows.replies import Reply
from gmbot.gateway.telegram.profile import rights


def markup(reply: Reply) -> InlineKeyboardMarkup | None:
    """A flow's buttons as Telegram's inline keyboard."""
    if not reply.rows:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text=b.text, url=b.url)
                if b.url
                else InlineKeyboardButton(text=b.text, callback_data=b.data)
                for b in row
            ]
            for row in reply.rows
        ]
    )


def relabelled(keyboard: InlineKeyboardMarkup, data: str, text: str) -> InlineKeyboardMarkup:
    """`keyboard` with the button whose callback data is `data` saying `text` instead."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [b.model_copy(update={"text": text}) if b.callback_data == data else b for b in row]
            for row in keyboard.inline_keyboard
        ]
    )


def inline_keyboard(
    rows: list[list[tuple[str, str]]], urls: list[tuple[str, str]] | None = None
) -> InlineKeyboardMarkup:
    """Buttons as (text, callback data) rows, then one row per (text, url) link."""
    buttons = [[InlineKeyboardButton(text=t, callback_data=d) for t, d in row] for row in rows]
    buttons += [[InlineKeyboardButton(text=t, url=u)] for t, u in urls or []]
    return InlineKeyboardMarkup(inline_keyboard=buttons)


def picker_keyboard(step: pickers.Step) -> ReplyKeyboardMarkup | ReplyKeyboardRemove:
    """A picker step's keyboard: chat pickers that ask Telegram for exactly the chats /protect
    accepts (ones the owner administers, with the bot as an administrator with its rights)."""
    if step.keyboard is None:
        return ReplyKeyboardRemove()
    rows = [[_picker_button(button) for button in row] for row in step.keyboard]
    return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, is_persistent=True)


def _log_chat_picker(request_id: int) -> KeyboardButtonRequestChat:
    """A chat the chooser administers, where the bot may post: in a channel, as an administrator
    allowed to post (Telegram makes it one); in a group, as a member."""
    if request_id == log_chat.PICK_LOG_CHANNEL:
        return KeyboardButtonRequestChat(
            request_id=request_id,
            chat_is_channel=True,
            user_administrator_rights=rights(()),
            bot_administrator_rights=rights(()).model_copy(update={"can_post_messages": True}),
        )
    return KeyboardButtonRequestChat(
        request_id=request_id,
        chat_is_channel=False,
        user_administrator_rights=rights(()),
        bot_is_member=True,
    )


def _picker_button(button: pickers.Button) -> KeyboardButton:
    if not button.request_id:
        return KeyboardButton(text=button.text)
    if button.request_id in (log_chat.PICK_LOG_CHANNEL, log_chat.PICK_LOG_GROUP):
        return KeyboardButton(text=button.text, request_chat=_log_chat_picker(button.request_id))
    channel = button.request_id == pickers.PICK_CHANNEL
    request = KeyboardButtonRequestChat(
        request_id=button.request_id,
        chat_is_channel=channel,
        user_administrator_rights=rights(()),
        bot_administrator_rights=rights(setup.CHANNEL_RIGHTS if channel else setup.GROUP_RIGHTS),
    )
    return KeyboardButton(text=button.text, request_chat=request)


def people_picker(text: str, request_id: int, most: int) -> ReplyKeyboardMarkup:
    """One button that asks Telegram for up to `most` people (not bots), with their names and
    usernames (a private chat's keyboard only)."""
    request = KeyboardButtonRequestUsers(
        request_id=request_id,
        user_is_bot=False,
        max_quantity=most,
        request_name=True,
        request_username=True,
    )
    button = KeyboardButton(text=text, request_users=request)
    return ReplyKeyboardMarkup(keyboard=[[button]], resize_keyboard=True, one_time_keyboard=True)
