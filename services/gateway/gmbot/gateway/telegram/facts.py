"""aiogram objects reduced to the facts the flows decide on."""

from __future__ import annotations

from aiogram.types import Message, User

from gmbot.gateway.flows.context import GroupMessage, Person

# Message content types that are not something a member said.
_SERVICE_FIELDS = (
    "new_chat_members",
    "left_chat_member",
    "new_chat_title",
    "new_chat_photo",
    "delete_chat_photo",
    "group_chat_created",
    "supergroup_chat_created",
    "migrate_to_chat_id",
    "migrate_from_chat_id",
    "pinned_message",
    "forum_topic_created",
    "forum_topic_edited",
    "forum_topic_closed",
    "forum_topic_reopened",
    "video_chat_started",
    "video_chat_ended",
    "video_chat_scheduled",
    "video_chat_participants_invited",
    "message_auto_delete_timer_changed",
    "chat_shared",
    "users_shared",
    "boost_added",
)


def person(user: User) -> Person:
    name = " ".join(part for part in (user.first_name, user.last_name) if part)
    return Person(
        user_id=user.id,
        display_name=name or (user.username or str(user.id)),
        is_bot=user.is_bot,
        language_code=user.language_code,
        username=user.username,
    )


def group_message(update_id: int, message: Message) -> GroupMessage:
    sender = message.from_user
    return GroupMessage(
        update_id=update_id,
        chat_id=message.chat.id,
        chat_title=message.chat.title or "",
        message_id=message.message_id,
        sender=person(sender) if sender else Person(0, "", is_bot=True),
        sender_chat_id=message.sender_chat.id if message.sender_chat else None,
        is_automatic_forward=bool(message.is_automatic_forward),
        is_service=any(getattr(message, name, None) for name in _SERVICE_FIELDS),
        thread_id=message.message_thread_id if message.is_topic_message else None,
        # Outside forums every reply chain has a message_thread_id: its root.
        thread_root_id=None if message.chat.is_forum else message.message_thread_id,
        answers_a_channel_post=bool(
            message.reply_to_message and message.reply_to_message.is_automatic_forward
        ),
    )
