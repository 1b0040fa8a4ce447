"""Telegram's chat pickers (KeyboardButtonRequestChat): a person taps a keyboard button the bot
sent, picks a chat, and the bot gets a message with `chat_shared`. The app enforces the
button's conditions before it lets a chat be picked; the sandbox does the same, and, as Telegram
does, adds the bot as an administrator with `bot_administrator_rights` where it is not one."""

from __future__ import annotations

from typing import Any

from gmbot.sandbox.telegram import BotAccount, Telegram
from gmbot.sandbox.world import Member, Message


class PickRefused(ValueError):
    """The app would not let this chat be picked with that button."""


def _request(telegram: Telegram, bot: BotAccount, chat_id: int, request_id: int) -> dict[str, Any]:
    """The request_chat of the newest keyboard the bot sent in this private chat."""
    for message in reversed(list(telegram.world.messages.get(chat_id, {}).values())):
        if message.from_user_id != bot.user.id or not message.reply_markup:
            continue
        for row in message.reply_markup.get("keyboard", []):
            for button in row:
                request = button.get("request_chat") if isinstance(button, dict) else None
                if request and int(request.get("request_id", 0)) == request_id:
                    return dict(request)
    raise PickRefused(f"the bot offered no chat picker with request_id {request_id}")


def share_chat(
    telegram: Telegram, bot: BotAccount, user_id: int, request_id: int, picked_id: int
) -> Message:
    world = telegram.world
    private = world.private_chat(user_id)
    request = _request(telegram, bot, private.id, request_id)
    picked = world.chats.get(picked_id)
    if picked is None:
        raise PickRefused("no such chat")
    wants_channel = bool(request.get("chat_is_channel"))
    if (picked.type == "channel") != wants_channel:
        raise PickRefused("the chat is not of the kind the button asks for")
    person = world.member(picked.id, user_id)
    if request.get("user_administrator_rights") is not None and not person.is_admin:
        raise PickRefused("the person does not administer the chat")
    if request.get("bot_is_member") and not world.member(picked.id, bot.user.id).present:
        raise PickRefused("the bot is not in the chat")
    wanted = request.get("bot_administrator_rights")
    me = world.member(picked.id, bot.user.id)
    if wanted is not None and not me.is_admin:
        if not person.is_admin:
            raise PickRefused("only an administrator can add the bot as one")
        rights = {name: bool(value) for name, value in wanted.items() if name.startswith("can_")}
        telegram.change_member(picked, Member(bot.user.id, "administrator", rights=rights), user_id)
    message = world.add_message(
        private.id, user_id, chat_shared={"request_id": request_id, "chat_id": picked.id}
    )
    return telegram.post(message, recipients=[bot])
