"""Telegram's refusals as the services meet them (through aiogram, from the sandbox that answers
with Telegram's descriptions), each told apart by gmbot.runtime.telegram_errors."""

from __future__ import annotations

from collections.abc import Awaitable

import pytest
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ReplyParameters

from gmbot.runtime.error_kinds import ErrorKind
from gmbot.runtime.telegram_errors import kind_of
from tests.support.sandbox import Story


async def _kind(call: Awaitable[object]) -> ErrorKind:
    with pytest.raises(TelegramAPIError) as raised:
        await call
    return kind_of(raised.value)


async def test_an_edit_that_changes_nothing_or_finds_nothing(story: Story) -> None:
    bot = story.bot
    sent = await bot.send_message(story.group, "one")

    same = await _kind(
        bot.edit_message_text("one", chat_id=story.group, message_id=sent.message_id)
    )
    gone = await _kind(bot.edit_message_text("two", chat_id=story.group, message_id=999_999))
    deleted = await _kind(bot.delete_message(story.group, 999_999))

    assert (same, gone, deleted) == (
        ErrorKind.NOT_MODIFIED,
        ErrorKind.MESSAGE_GONE,
        ErrorKind.MESSAGE_GONE,
    )


async def test_a_reply_to_a_message_that_is_gone(story: Story) -> None:
    reply = ReplyParameters(message_id=999_999)

    kind = await _kind(story.bot.send_message(story.group, "hi", reply_parameters=reply))

    assert kind is ErrorKind.REPLY_TARGET_GONE


async def test_people_and_chats_the_bot_cannot_reach(story: Story) -> None:
    bot = story.bot

    stranger = await _kind(bot.send_message(story.alice, "hello"))  # never started the bot
    nowhere = await _kind(bot.get_chat(-100_999_999))
    query = await _kind(bot.answer_callback_query("no-such-query"))
    request = await _kind(bot.approve_chat_join_request(story.group, story.alice))

    assert (stranger, nowhere, query, request) == (
        ErrorKind.BOT_BLOCKED,
        ErrorKind.CHAT_GONE,
        ErrorKind.QUERY_TOO_OLD,
        ErrorKind.JOIN_REQUEST_GONE,
    )


async def test_a_bot_removed_or_without_its_rights(story: Story) -> None:
    await story.control.set_member(story.channel, story.bot_id, "member")
    unread = await _kind(story.bot.get_chat_member(story.channel, story.alice))
    await story.control.set_member(story.group, story.bot_id, "kicked")
    kicked = await _kind(story.bot.send_message(story.group, "hi"))

    assert (unread, kicked) == (ErrorKind.NOT_ENOUGH_RIGHTS, ErrorKind.BOT_REMOVED)
