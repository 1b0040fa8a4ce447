"""The Bot API methods GMBot sends, edits and deletes messages with, answers buttons, join
requests and invite links with, and sets its commands with, through aiogram 3 as the client,
with Telegram's errors."""

from __future__ import annotations

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    ChatMemberLeft,
    ChatMemberMember,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
)

from gmbot.sandbox.client import SandboxError
from tests.support.sandbox import Story


async def test_send_message_with_buttons_topic_and_reply(story: Story) -> None:
    forum = (
        await story.control.create_chat(
            "supergroup", "Forum", is_forum=True, creator_id=story.owner
        )
    )["id"]
    await story.control.promote(forum, story.bot_id)
    first = await story.bot.send_message(story.group, "first")
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="I have joined", callback_data="v1:1:2:x")]]
    )

    reply = await story.bot.send_message(
        story.group,
        "second",
        reply_markup=keyboard,
        reply_parameters=ReplyParameters(message_id=first.message_id),
    )
    topic = await story.bot.send_message(forum, "in a topic", message_thread_id=42)

    assert reply.reply_to_message is not None
    assert reply.reply_to_message.message_id == first.message_id
    assert reply.reply_markup is not None
    assert reply.reply_markup.model_dump(exclude_none=True) == keyboard.model_dump(
        exclude_none=True
    )
    assert topic.message_thread_id == 42


async def test_a_bot_cannot_start_a_private_conversation(story: Story) -> None:
    with pytest.raises(TelegramForbiddenError, match="bot can't initiate conversation with a user"):
        await story.bot.send_message(story.alice, "hello")
    await story.control.say_to_bot(story.bot_id, story.alice, "/start")

    assert (await story.bot.send_message(story.alice, "hello")).chat.id == story.alice


async def test_edit_message_text(story: Story) -> None:
    sent = await story.bot.send_message(story.group, "one")

    edited = await story.bot.edit_message_text(
        "two", chat_id=story.group, message_id=sent.message_id
    )

    assert edited.text == "two"  # type: ignore[union-attr]
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await story.bot.edit_message_text("two", chat_id=story.group, message_id=sent.message_id)


async def test_edit_message_reply_markup_changes_only_the_buttons(story: Story) -> None:
    """GMBot redraws a list's buttons in place (the alerts toggle under /groups)."""
    one = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="a", callback_data="a")]]
    )
    two = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="b", callback_data="b")]]
    )
    sent = await story.bot.send_message(story.group, "list", reply_markup=one)

    edited = await story.bot.edit_message_reply_markup(
        chat_id=story.group, message_id=sent.message_id, reply_markup=two
    )

    assert edited.text == "list"  # type: ignore[union-attr]
    [[button]] = edited.reply_markup.inline_keyboard  # type: ignore[union-attr]
    assert (button.text, button.callback_data) == ("b", "b")
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await story.bot.edit_message_reply_markup(
            chat_id=story.group, message_id=sent.message_id, reply_markup=two
        )


async def test_delete_message_and_its_errors(story: Story) -> None:
    await story.control.join(story.group, story.alice)
    said = await story.control.say(story.group, story.alice, "spam")

    assert await story.bot.delete_message(story.group, said["message_id"])
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await story.bot.delete_message(story.group, said["message_id"])
    old = await story.control.say(story.group, story.alice, "old")
    await story.control.advance_clock(49 * 3600)
    with pytest.raises(TelegramBadRequest, match="message can't be deleted"):
        await story.bot.delete_message(story.group, old["message_id"])


async def test_delete_messages_skips_missing_ids(story: Story) -> None:
    await story.control.join(story.group, story.alice)
    ids = [
        (await story.control.say(story.group, story.alice, f"m{i}"))["message_id"] for i in range(3)
    ]

    assert await story.bot.delete_messages(story.group, [*ids, 9999])

    messages = {m["message_id"]: m["deleted"] for m in await story.control.messages(story.group)}
    assert all(messages[i] for i in ids)


async def test_delete_messages_skips_messages_past_48_hours_in_one_call(story: Story) -> None:
    await story.control.join(story.group, story.alice)
    old = (await story.control.say(story.group, story.alice, "old"))["message_id"]
    await story.control.advance_clock(49 * 3600)
    new = (await story.control.say(story.group, story.alice, "new"))["message_id"]

    assert await story.bot.delete_messages(story.group, [old, new]) is True

    messages = {m["message_id"]: m["deleted"] for m in await story.control.messages(story.group)}
    assert (messages[old], messages[new]) == (False, True)
    assert len(await story.control.journal(method="deleteMessages")) == 1
    with pytest.raises(TelegramBadRequest, match="1-100"):
        await story.bot.delete_messages(story.group, list(range(1, 102)))


async def test_answer_callback_query(story: Story) -> None:
    sent = await story.bot.send_message(
        story.group,
        "press",
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="ok", callback_data="data")]]
        ),
    )
    query_id = await story.control.press(story.group, sent.message_id, story.alice, "data")

    assert await story.bot.answer_callback_query(query_id, "Thanks", show_alert=True)
    assert await story.control.callback_answer(query_id) == {
        "text": "Thanks",
        "show_alert": True,
        "url": "",
    }
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await story.bot.answer_callback_query(query_id, "again")


async def test_join_requests_approve_and_decline(story: Story) -> None:
    bob = (await story.control.create_user("Bob"))["id"]
    await story.control.request_join(story.group, story.alice)
    await story.control.request_join(story.group, bob)

    assert await story.bot.approve_chat_join_request(story.group, story.alice)
    assert await story.bot.decline_chat_join_request(story.group, bob)

    assert isinstance(await story.bot.get_chat_member(story.group, story.alice), ChatMemberMember)
    assert isinstance(await story.bot.get_chat_member(story.group, bob), ChatMemberLeft)
    with pytest.raises(TelegramBadRequest, match="HIDE_REQUESTER_MISSING"):
        await story.bot.approve_chat_join_request(story.group, bob)


async def test_a_join_request_lets_the_bot_write_to_the_requester(story: Story) -> None:
    await story.control.request_join(story.group, story.alice)

    assert (
        await story.bot.send_message(story.alice, "Join @news_channel first")
    ).chat.id == story.alice


async def test_invite_links_create_and_export(story: Story) -> None:
    created = await story.bot.create_chat_invite_link(story.channel, name="for Chat")
    primary = await story.bot.export_chat_invite_link(story.channel)
    again = await story.bot.export_chat_invite_link(story.channel)

    links = {link["link"]: link for link in await story.control.invite_links(story.channel)}
    assert created.invite_link.startswith("https://t.me/+")
    assert not created.is_primary
    assert links[primary]["is_revoked"]
    assert not links[again]["is_revoked"]
    assert not links[created.invite_link]["is_revoked"]


async def test_invite_links_need_the_right(story: Story) -> None:
    await story.control.promote(story.channel, story.bot_id, {"can_post_messages": True})

    with pytest.raises(TelegramBadRequest, match="not enough rights"):
        await story.bot.create_chat_invite_link(story.channel)


async def test_commands_per_scope(story: Story) -> None:
    commands = [
        BotCommand(command="start", description="Start"),
        BotCommand(command="help", description="Help"),
    ]

    await story.bot.set_my_commands(commands, scope=BotCommandScopeAllPrivateChats())

    listed = await story.bot.get_my_commands(scope=BotCommandScopeAllPrivateChats())
    assert [(c.command, c.description) for c in listed] == [("start", "Start"), ("help", "Help")]
    assert await story.bot.get_my_commands() == []


async def test_a_join_by_an_invite_link_names_the_link_in_its_chat_member_update(
    story: Story,
) -> None:
    created = await story.bot.create_chat_invite_link(story.channel, name="GMBot · Chat")
    newcomer = int((await story.control.create_user("Nadia"))["id"])
    await story.bot.get_updates(timeout=0, allowed_updates=["chat_member"])

    await story.control.join(story.channel, newcomer, invite_link=created.invite_link)
    updates = await story.bot.get_updates(timeout=0, allowed_updates=["chat_member"])

    joined = [u.chat_member for u in updates if u.chat_member is not None]
    assert len(joined) == 1
    assert joined[0].new_chat_member.status == "member"
    assert joined[0].invite_link is not None
    assert (joined[0].invite_link.invite_link, joined[0].invite_link.name) == (
        created.invite_link,
        "GMBot · Chat",
    )
    with pytest.raises(SandboxError, match="no such invite link"):
        await story.control.join(story.channel, newcomer, invite_link="https://t.me/+nope")
