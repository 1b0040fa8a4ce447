"""What the flows read from a Telegram message about where it was said (TELEGRAM.md, "Discussion
groups and comments"): a forum topic, or a reply thread such as a channel post's comments."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram.types import Chat, Message, User

from gmbot.gateway.telegram.facts import group_message

GROUP = -1001000000001
CHANNEL = -1001000000002
ALICE = User(id=22, is_bot=False, first_name="Alice")


def _message(message_id: int, chat: Chat, **fields: object) -> Message:
    return Message.model_validate(
        {"message_id": message_id, "date": datetime.now(UTC), "chat": chat, **fields}
    )


def test_a_comment_under_a_channel_post_is_in_the_posts_thread() -> None:
    group = Chat(id=GROUP, type="supergroup", title="Chat")
    post = _message(
        40,
        group,
        from_user=User(id=777000, is_bot=False, first_name="Telegram"),
        sender_chat=Chat(id=CHANNEL, type="channel", title="News"),
        is_automatic_forward=True,
        text="news",
    )
    comment = _message(
        41, group, from_user=ALICE, message_thread_id=40, reply_to_message=post, text="hi"
    )
    answer = _message(
        42, group, from_user=ALICE, message_thread_id=40, reply_to_message=comment, text="yo"
    )

    first, second = group_message(1, comment), group_message(2, answer)

    assert (first.thread_id, first.thread_root_id, first.answers_a_channel_post) == (None, 40, True)
    assert (second.thread_id, second.thread_root_id, second.answers_a_channel_post) == (
        None,
        40,
        False,
    )


def test_a_forum_topic_is_a_topic_not_a_reply_thread() -> None:
    forum = Chat(id=GROUP, type="supergroup", title="Forum", is_forum=True)

    said = group_message(
        1, _message(5, forum, from_user=ALICE, message_thread_id=3, is_topic_message=True, text="x")
    )

    assert (said.thread_id, said.thread_root_id) == (3, None)
