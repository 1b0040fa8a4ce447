"""A channel's discussion group as Telegram makes it (TELEGRAM.md, "Discussion groups and
comments"): both sides name each other, each post is forwarded into the group automatically,
comments are replies in the post's thread, and people may comment as the channel or as another
channel."""

from __future__ import annotations

from aiogram.types import Message, ReplyParameters

from tests.support.sandbox import Story, drain

TELEGRAM_SERVICE_USER = 777000
CHANNEL_BOT = 136817688


async def _messages(story: Story) -> list[Message]:
    updates = await story.bot.get_updates(timeout=0)
    await drain(story.bot)
    return [u.message for u in updates if u.message is not None]


async def _discussion(story: Story) -> int:
    """The story's group linked to its channel; returns the id of a post's forward there."""
    await story.control.link(story.group, story.channel)
    await story.control.join(story.group, story.alice)
    posted = await story.control.post_in_channel(story.channel, "news of the day")
    await drain(story.bot)
    return int(posted["automatic_forward"]["message_id"])


async def test_a_discussion_group_and_its_channel_name_each_other_and_a_new_link_ends_the_old(
    story: Story,
) -> None:
    await story.control.link(story.group, story.channel)
    other = (await story.control.create_chat("channel", "Other", creator_id=story.owner))["id"]
    await story.control.promote(other, story.bot_id)

    assert (await story.bot.get_chat(story.group)).linked_chat_id == story.channel
    assert (await story.bot.get_chat(story.channel)).linked_chat_id == story.group

    await story.control.link(story.group, other)

    assert (await story.bot.get_chat(story.group)).linked_chat_id == other
    assert (await story.bot.get_chat(story.channel)).linked_chat_id is None


async def test_each_channel_post_is_forwarded_into_the_discussion_group(story: Story) -> None:
    await story.control.link(story.group, story.channel)

    posted = await story.control.post_in_channel(story.channel, "news of the day")
    [forward] = await _messages(story)

    assert forward.chat.id == story.group
    assert forward.message_id == posted["automatic_forward"]["message_id"]
    assert forward.is_automatic_forward
    assert forward.sender_chat is not None
    assert forward.sender_chat.id == story.channel
    assert forward.from_user is not None
    assert forward.from_user.id == TELEGRAM_SERVICE_USER


async def test_a_comment_is_a_reply_in_the_posts_thread_not_a_topic(story: Story) -> None:
    root = await _discussion(story)

    comment = await story.control.say(story.group, story.alice, "first!", reply_to_message_id=root)
    await story.control.say(
        story.group, story.alice, "and more", reply_to_message_id=comment["message_id"]
    )
    first, second = await _messages(story)

    for message in (first, second):
        assert message.message_thread_id == root
        assert not message.is_topic_message
    assert first.reply_to_message is not None
    assert first.reply_to_message.message_id == root
    assert first.reply_to_message.is_automatic_forward
    assert second.reply_to_message is not None
    assert second.reply_to_message.message_id == comment["message_id"]


async def test_comments_as_the_channel_and_as_another_channel(story: Story) -> None:
    root = await _discussion(story)
    other = (await story.control.create_chat("channel", "Other"))["id"]

    await story.control.say_as_channel(
        story.group, story.owner, story.channel, "thanks all", reply_to_message_id=root
    )
    await story.control.say_as_channel(
        story.group, story.alice, other, "visit us", reply_to_message_id=root
    )
    as_the_channel, as_another = await _messages(story)

    for message, channel in ((as_the_channel, story.channel), (as_another, other)):
        assert message.sender_chat is not None
        assert message.sender_chat.id == channel
        assert message.from_user is not None
        assert message.from_user.id == CHANNEL_BOT
        assert not message.is_automatic_forward
        assert message.message_thread_id == root


async def test_a_bots_reply_to_the_root_joins_the_comments(story: Story) -> None:
    root = await _discussion(story)

    sent = await story.bot.send_message(
        story.group,
        "a warning",
        reply_parameters=ReplyParameters(message_id=root, allow_sending_without_reply=True),
    )
    gone = await story.bot.send_message(
        story.group,
        "the root was deleted",
        reply_parameters=ReplyParameters(message_id=10_000, allow_sending_without_reply=True),
    )

    assert sent.reply_to_message is not None
    assert sent.reply_to_message.message_id == root
    assert sent.message_thread_id == root
    assert not sent.is_topic_message
    assert gone.reply_to_message is None
