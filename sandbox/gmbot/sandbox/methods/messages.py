"""Sending, editing and deleting messages; answering button presses."""

from __future__ import annotations

from typing import Any

from gmbot.sandbox.errors import (
    MESSAGE_CANT_BE_DELETED,
    MESSAGE_TO_DELETE_NOT_FOUND,
    bad_request,
    forbidden,
)
from gmbot.sandbox.methods import Call, bot_in, method
from gmbot.sandbox.wire import message_json
from gmbot.sandbox.world import Chat, Message

MAX_TEXT = 4096
DELETABLE_FOR_SECONDS = 48 * 3600
# How long a callback query can be answered.
CALLBACK_ANSWER_SECONDS = 15 * 60


def _may_write(call: Call, chat: Chat) -> None:
    if chat.type == "private":
        if call.bot.reachable.get(chat.id, 0) < call.world.clock.now():
            raise forbidden("bot can't initiate conversation with a user")
        return
    member = bot_in(call, chat)
    if chat.type == "channel" and not member.can("can_post_messages"):
        raise bad_request("need administrator rights in the channel chat")
    if member.status == "restricted" and not member.permissions.get("can_send_messages"):
        raise bad_request("not enough rights to send text messages to the chat")


def _reply_markup(call: Call) -> dict[str, Any] | None:
    markup = call.json("reply_markup")
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if not button.get("text"):
                raise bad_request("text buttons are unallowed in the inline keyboard")
            # Telegram takes web_app buttons in inline keyboards in private chats only.
            if "web_app" in button and call.chat().type != "private":
                raise bad_request("BUTTON_TYPE_INVALID")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(str(data).encode()) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
    return markup


def _text(call: Call) -> str:
    text = call.text("text")
    if not text.strip():
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return text


@method("sendMessage")
async def send_message(call: Call) -> dict[str, Any]:
    chat = call.chat()
    _may_write(call, chat)
    text = _text(call)
    thread_id = call.number("message_thread_id") if call.has("message_thread_id") else None
    if thread_id is not None and not chat.is_forum:
        thread_id = None  # Telegram ignores a topic outside forums
    reply = call.json("reply_parameters") or {}
    reply_to = reply.get("message_id") or (
        call.number("reply_to_message_id") if call.has("reply_to_message_id") else None
    )
    if reply_to is not None and call.world.message(chat.id, int(reply_to)) is None:
        if not reply.get("allow_sending_without_reply") and not call.flag(
            "allow_sending_without_reply"
        ):
            raise bad_request("message to be replied not found")
        reply_to = None
    message = call.world.add_message(
        chat.id,
        call.bot.user.id,
        text=text,
        thread_id=thread_id,
        reply_to_message_id=int(reply_to) if reply_to else None,
        reply_markup=_reply_markup(call),
    )
    call.telegram.post(message)
    return message_json(message, call.world)


NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


def _editable(call: Call) -> Message:
    message = call.message(call.chat())
    if message is None:
        raise bad_request("message to edit not found")
    if message.from_user_id != call.bot.user.id:
        raise bad_request("message can't be edited")
    return message


@method("editMessageText")
async def edit_message_text(call: Call) -> dict[str, Any]:
    message = _editable(call)
    text = _text(call)
    markup = _reply_markup(call)
    if text == message.text and markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    message.text, message.reply_markup = text, markup
    message.edit_date = call.world.clock.seconds()
    return message_json(message, call.world)


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(call: Call) -> dict[str, Any]:
    """Only the buttons change; the same ones again is "not modified", as in editMessageText."""
    message = _editable(call)
    markup = _reply_markup(call)
    if markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    message.reply_markup = markup
    message.edit_date = call.world.clock.seconds()
    return message_json(message, call.world)


def _too_old(call: Call, message: Message) -> bool:
    return call.world.clock.seconds() - message.date > DELETABLE_FOR_SECONDS


def _deletable(call: Call, chat: Chat, message: Message) -> bool:
    if _too_old(call, message):
        return False
    if message.from_user_id == call.bot.user.id or chat.type == "private":
        return True
    return bool(bot_in(call, chat).can("can_delete_messages"))


@method("deleteMessage")
async def delete_message(call: Call) -> bool:
    chat = call.chat()
    message = call.message(chat)
    if message is None:
        raise bad_request(MESSAGE_TO_DELETE_NOT_FOUND)
    if not _deletable(call, chat, message):
        raise bad_request(MESSAGE_CANT_BE_DELETED)
    message.deleted = True
    return True


@method("deleteMessages")
async def delete_messages(call: Call) -> bool:
    chat = call.chat()
    ids = call.json("message_ids")
    if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
        raise bad_request("message_ids must contain 1-100 identifiers")
    found = (call.world.message(chat.id, int(i)) for i in ids)
    # Missing ids, and messages past their 48 hours, are skipped: True all the same.
    fresh = [m for m in found if m is not None and not _too_old(call, m)]
    if any(not _deletable(call, chat, m) for m in fresh):
        raise bad_request(MESSAGE_CANT_BE_DELETED)
    for message in fresh:
        message.deleted = True
    return True


@method("answerCallbackQuery")
async def answer_callback_query(call: Call) -> bool:
    query = call.world.callbacks.get(call.text("callback_query_id"))
    if (
        query is None
        or query.answer is not None
        or call.world.clock.now() - query.created > CALLBACK_ANSWER_SECONDS
    ):
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = call.text("text")
    if len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answer = {"text": text, "show_alert": call.flag("show_alert"), "url": call.text("url")}
    return True
