"""Telegram's people picker (KeyboardButtonRequestUsers): people picked arrive as `users_shared`
with the names and usernames the button asked for; the app's limits hold (how many, no bots)."""

from __future__ import annotations

import pytest
from aiogram.types import KeyboardButton, KeyboardButtonRequestUsers, ReplyKeyboardMarkup

from gmbot.sandbox.client import SandboxError
from tests.support.sandbox import Story, drain


async def _offer(story: Story, *, most: int, names: bool) -> None:
    await story.control.say_to_bot(story.bot_id, story.owner, "/settings")
    button = KeyboardButton(
        text="Pick",
        request_users=KeyboardButtonRequestUsers(
            request_id=23,
            user_is_bot=False,
            max_quantity=most,
            request_name=names,
            request_username=names,
        ),
    )
    await story.bot.send_message(
        story.owner, "Pick people", reply_markup=ReplyKeyboardMarkup(keyboard=[[button]])
    )
    await drain(story.bot)


async def test_people_picked_arrive_as_users_shared_with_what_was_asked(story: Story) -> None:
    boris = (await story.control.create_user("Boris", username="boris_b"))["id"]
    await _offer(story, most=2, names=True)

    await story.control.share_users(story.bot_id, story.owner, 23, [boris])
    updates = await story.bot.get_updates(timeout=0)

    shared = updates[-1].message.users_shared if updates[-1].message else None
    assert shared is not None
    assert shared.request_id == 23
    [user] = shared.users
    assert (user.user_id, user.first_name, user.username) == (boris, "Boris", "boris_b")


async def test_no_names_unless_asked_and_the_limits_hold(story: Story) -> None:
    boris = (await story.control.create_user("Boris", username="boris_b"))["id"]
    olga = (await story.control.create_user("Olga"))["id"]
    await _offer(story, most=1, names=False)

    with pytest.raises(SandboxError):
        await story.control.share_users(story.bot_id, story.owner, 23, [boris, olga])
    with pytest.raises(SandboxError):
        await story.control.share_users(story.bot_id, story.owner, 23, [story.bot_id])
    with pytest.raises(SandboxError):
        await story.control.share_users(story.bot_id, story.owner, 24, [boris])
    await story.control.share_users(story.bot_id, story.owner, 23, [boris])
    updates = await story.bot.get_updates(timeout=0)

    shared = updates[-1].message.users_shared if updates[-1].message else None
    assert shared is not None
    assert (shared.users[0].first_name, shared.users[0].username) == (None, None)
