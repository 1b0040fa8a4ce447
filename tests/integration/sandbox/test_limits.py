"""Telegram's limits and injected faults."""

from __future__ import annotations

import pytest
from aiogram.exceptions import TelegramRetryAfter, TelegramServerError

from tests.support.sandbox import Story


async def test_over_30_requests_a_second_answers_429_with_retry_after(story: Story) -> None:
    await story.control.set_limits(
        enabled=True, requests_per_second=30, group_messages_per_minute=1000
    )

    for _ in range(30):
        await story.bot.get_chat_member(story.channel, story.alice)
    with pytest.raises(TelegramRetryAfter) as caught:
        await story.bot.get_chat_member(story.channel, story.alice)

    assert caught.value.retry_after >= 1
    rejected = await story.control.journal(method="getChatMember")
    assert sum(1 for e in rejected if e["ok"]) == 30
    assert rejected[-1]["error_code"] == 429
    assert rejected[-1]["description"].startswith("Too Many Requests: retry after ")


async def test_over_20_messages_a_minute_to_one_group_answers_429(story: Story) -> None:
    await story.control.set_limits(
        enabled=True, requests_per_second=1000, group_messages_per_minute=20
    )
    for i in range(20):
        await story.bot.send_message(story.group, f"message {i}")

    with pytest.raises(TelegramRetryAfter) as caught:
        await story.bot.send_message(story.group, "one too many")

    assert 1 <= caught.value.retry_after <= 60
    await story.control.say_to_bot(story.bot_id, story.alice, "/start")
    assert await story.bot.send_message(
        story.alice, "private chats are not limited by the group rule"
    )


async def test_a_429_storm_and_recovery(story: Story) -> None:
    await story.control.set_faults(
        storm_seconds=30, storm_retry_after=7, storm_methods=["restrictChatMember"]
    )

    with pytest.raises(TelegramRetryAfter) as caught:
        await story.bot.restrict_chat_member(story.group, story.alice, {"can_send_messages": False})  # type: ignore[arg-type]
    assert await story.bot.get_me()  # other methods pass
    await story.control.set_faults()

    assert caught.value.retry_after == 7
    assert await story.bot.get_chat_member_count(story.group) >= 2


async def test_a_share_of_server_errors(story: Story) -> None:
    await story.control.set_faults(error_rate=0.5, seed=3)

    failures = 0
    for _ in range(40):
        try:
            await story.bot.get_chat(story.group)
        except TelegramServerError:
            failures += 1

    assert 10 <= failures <= 30
