"""World objects as the Bot API shapes them in JSON (every field aiogram's types require)."""

from __future__ import annotations

from typing import Any

from gmbot.sandbox.world import (
    ADMIN_RIGHTS,
    PERMISSIONS,
    Chat,
    InviteLink,
    Member,
    Message,
    User,
    World,
)

TELEGRAM_SERVICE_USER = 777000
GROUP_ANONYMOUS_BOT = 1087968824
CHANNEL_BOT = 136817688
_PLACEHOLDERS = {
    TELEGRAM_SERVICE_USER: User(TELEGRAM_SERVICE_USER, "Telegram"),
    GROUP_ANONYMOUS_BOT: User(
        GROUP_ANONYMOUS_BOT, "Group", username="GroupAnonymousBot", is_bot=True
    ),
    CHANNEL_BOT: User(CHANNEL_BOT, "Channel", username="Channel_Bot", is_bot=True),
}


def user_json(user: User) -> dict[str, Any]:
    body: dict[str, Any] = {"id": user.id, "is_bot": user.is_bot, "first_name": user.first_name}
    if user.last_name:
        body["last_name"] = user.last_name
    if user.username:
        body["username"] = user.username
    if user.language_code and not user.is_bot:
        body["language_code"] = user.language_code
    return body


def placeholder_or(world: World, user_id: int) -> User:
    return _PLACEHOLDERS.get(user_id) or world.users[user_id]


def chat_json(chat: Chat, world: World) -> dict[str, Any]:
    body: dict[str, Any] = {"id": chat.id, "type": chat.type}
    if chat.type == "private" and chat.user_id is not None:
        user = world.users[chat.user_id]
        body["first_name"] = user.first_name
        if user.last_name:
            body["last_name"] = user.last_name
    else:
        body["title"] = chat.title
    if chat.username:
        body["username"] = chat.username
    if chat.is_forum:
        body["is_forum"] = True
    return body


def chat_full_json(chat: Chat, world: World) -> dict[str, Any]:
    body = chat_json(chat, world)
    body.update(
        accent_color_id=0,
        max_reaction_count=11,
        accepted_gift_types={
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    )
    if chat.is_group:
        body["permissions"] = dict(chat.permissions)
    if chat.linked_chat_id is not None:
        body["linked_chat_id"] = chat.linked_chat_id
    return body


def invite_link_json(link: InviteLink, world: World) -> dict[str, Any]:
    body: dict[str, Any] = {
        "invite_link": link.link,
        "creator": user_json(world.users[link.creator_id]),
        "creates_join_request": link.creates_join_request,
        "is_primary": link.is_primary,
        "is_revoked": link.is_revoked,
    }
    if link.name:
        body["name"] = link.name
    return body


def member_json(member: Member, world: World) -> dict[str, Any]:
    body: dict[str, Any] = {"status": member.status, "user": user_json(world.users[member.user_id])}
    if member.status == "creator":
        body["is_anonymous"] = member.is_anonymous
    elif member.status == "administrator":
        body.update(can_be_edited=False, is_anonymous=member.is_anonymous)
        body.update({right: member.rights.get(right, False) for right in ADMIN_RIGHTS})
    elif member.status == "restricted":
        body.update(is_member=member.is_member, until_date=member.until_date)
        body.update({p: member.permissions.get(p, False) for p in PERMISSIONS})
    elif member.status == "kicked":
        body["until_date"] = member.until_date
    return body


def message_json(message: Message, world: World, *, with_reply: bool = True) -> dict[str, Any]:
    chat = world.chats[message.chat_id]
    body: dict[str, Any] = {
        "message_id": message.message_id,
        "date": message.date,
        "chat": chat_json(chat, world),
    }
    if message.from_user_id is not None:
        body["from"] = user_json(placeholder_or(world, message.from_user_id))
    if message.sender_chat_id is not None:
        body["sender_chat"] = chat_json(world.chats[message.sender_chat_id], world)
    for field, entities, words in (
        ("text", "entities", message.text),
        ("caption", "caption_entities", message.caption),
    ):
        if words:
            body[field] = words
            if words.startswith("/"):
                command = words.split()[0]
                body[entities] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    body.update(message.content)
    if message.via_bot_id is not None:
        body["via_bot"] = user_json(world.users[message.via_bot_id])
    if message.thread_id is not None:
        body["message_thread_id"] = message.thread_id
        # Only forum topics are topics; a reply thread (a post's comments) is not.
        if chat.is_forum:
            body["is_topic_message"] = True
    if message.is_automatic_forward:
        body["is_automatic_forward"] = True
    if message.new_chat_member_ids:
        members = [user_json(world.users[i]) for i in message.new_chat_member_ids]
        body["new_chat_members"] = members
        body["new_chat_member"] = members[0]
        body["new_chat_participant"] = members[0]
    if message.left_chat_member_id is not None:
        body["left_chat_member"] = user_json(world.users[message.left_chat_member_id])
    if message.chat_shared is not None:
        body["chat_shared"] = dict(message.chat_shared)
    if message.users_shared is not None:
        body["users_shared"] = dict(message.users_shared)
    # Telegram shows only inline keyboards on a message; a reply keyboard is the client's.
    if message.reply_markup is not None and "inline_keyboard" in message.reply_markup:
        body["reply_markup"] = message.reply_markup
    if message.edit_date is not None:
        body["edit_date"] = message.edit_date
    if with_reply and message.reply_to_message_id is not None:
        replied = world.message(message.chat_id, message.reply_to_message_id)
        if replied is not None:
            body["reply_to_message"] = message_json(replied, world, with_reply=False)
    return body
