"""Telegram's pickers: a person taps a keyboard button the bot sent, picks a chat
(KeyboardButtonRequestChat: the bot gets a message with `chat_shared`) or people
(KeyboardButtonRequestUsers: `users_shared`). The app enforces the
button's conditions before it lets a chat be picked; the sandbox does the same, and, as Telegram
does, adds the bot as an administrator with `bot_administrator_rights` where it is not one."""

from __future__ import annotations

from typing import Any

from gmbot.sandbox.telegram import BotAccount, Telegram
from gmbot.sandbox.world import Member, Message


class PickRefused(ValueError):
    """The app would not let this chat be picked with that button."""


def _request(
    telegram: Telegram, bot: BotAccount, chat_id: int, request_id: int, kind: str = "request_chat"
) -> dict[str, Any]:
    """The `kind` request (request_chat, request_users) of the newest keyboard the bot sent in
    this private chat."""
    for message in reversed(list(telegram.world.messages.get(chat_id, {}).values())):
        if message.from_user_id != bot.user.id or not message.reply_markup:
            continue
        for row in message.reply_markup.get("keyboard", []):
            for button in row:
                request = button.get(kind) if isinstance(button, dict) else None
                if request and int(request.get("request_id", 0)) == request_id:
                    return dict(request)
    what = "chat" if kind == "request_chat" else "people"
    raise PickRefused(f"the bot offered no {what} picker with request_id {request_id}")


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


def share_users(
    telegram: Telegram, bot: BotAccount, user_id: int, request_id: int, picked_ids: list[int]
) -> Message:
    """`user_id` picks people with the bot's KeyboardButtonRequestUsers `request_id`: the app
    lets pick 1..max_quantity (default 1) people, bots only or never as `user_is_bot` says,
    and shares their names and usernames only when the button asked for them."""
    world = telegram.world
    private = world.private_chat(user_id)
    request = _request(telegram, bot, private.id, request_id, "request_users")
    if not 1 <= len(picked_ids) <= int(request.get("max_quantity", 1)):
        raise PickRefused("more people than the button lets pick")
    shared = []
    for picked_id in picked_ids:
        person = world.user(picked_id)
        if person is None:
            raise PickRefused("no such user")
        wants_bot = request.get("user_is_bot")
        if wants_bot is not None and person.is_bot != bool(wants_bot):
            raise PickRefused("the user is not of the kind the button asks for")
        user: dict[str, Any] = {"user_id": person.id}
        if request.get("request_name"):
            user["first_name"] = person.first_name
            if person.last_name:
                user["last_name"] = person.last_name
        if request.get("request_username") and person.username:
            user["username"] = person.username
        shared.append(user)
    message = world.add_message(
        private.id, user_id, users_shared={"request_id": request_id, "users": shared}
    )
    return telegram.post(message, recipients=[bot])
