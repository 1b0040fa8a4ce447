"""The flows' buttons as Telegram's keyboards: inline ones under a message, and the chat pickers'
reply keyboard in private."""

from __future__ import annotations

from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    KeyboardButtonRequestChat,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from gmbot.gateway.flows import pickers, setup
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


def _picker_button(button: pickers.Button) -> KeyboardButton:
    if not button.request_id:
        return KeyboardButton(text=button.text)
    channel = button.request_id == pickers.PICK_CHANNEL
    request = KeyboardButtonRequestChat(
        request_id=button.request_id,
        chat_is_channel=channel,
        user_administrator_rights=rights(()),
        bot_administrator_rights=rights(setup.CHANNEL_RIGHTS if channel else setup.GROUP_RIGHTS),
    )
    return KeyboardButton(text=button.text, request_chat=request)
