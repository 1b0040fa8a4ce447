"""python-telegram-bot, a second and independent client: the wire format is Telegram's, not one
tuned to aiogram."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from tests.support.sandbox import Story


@pytest.fixture
async def ptb(story: Story) -> AsyncIterator[telegram.Bot]:
    bot = telegram.Bot(story.token, base_url=f"{story.sandbox.url}/bot")
    async with bot:
        yield bot


async def test_get_me(ptb: telegram.Bot, story: Story) -> None:
    me = await ptb.get_me()

    assert me.id == story.bot_id
    assert me.username == "guard_bot"


async def test_send_message_with_an_inline_keyboard(ptb: telegram.Bot, story: Story) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("I have joined", callback_data="v1:x")]])

    message = await ptb.send_message(story.group, "join first", reply_markup=keyboard)

    assert message.text == "join first"
    assert message.reply_markup == keyboard
    assert message.chat.id == story.group


async def test_chat_member_statuses(ptb: telegram.Bot, story: Story) -> None:
    stranger = (await story.control.create_user("S"))["id"]
    await story.control.set_member(story.group, stranger, "kicked")

    assert (await ptb.get_chat_member(story.channel, story.alice)).status == "member"
    assert (await ptb.get_chat_member(story.group, story.owner)).status == "creator"
    assert (await ptb.get_chat_member(story.group, story.bot_id)).status == "administrator"
    assert (await ptb.get_chat_member(story.group, stranger)).status == "kicked"


async def test_restrict_chat_member(ptb: telegram.Bot, story: Story) -> None:
    await story.control.join(story.group, story.alice)

    await ptb.restrict_chat_member(
        story.group,
        story.alice,
        telegram.ChatPermissions(can_send_messages=False),
        use_independent_chat_permissions=True,
    )

    member = await ptb.get_chat_member(story.group, story.alice)
    assert isinstance(member, telegram.ChatMemberRestricted)
    assert member.is_member
    assert not member.can_send_messages


async def test_updates_with_a_message_and_a_callback_query(ptb: telegram.Bot, story: Story) -> None:
    await story.control.join(story.group, story.alice)
    sent = await ptb.send_message(
        story.group,
        "press",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="data")]]),
    )
    await story.control.say(story.group, story.alice, "hello")
    await story.control.press(story.group, sent.message_id, story.alice, "data")

    updates = await ptb.get_updates(timeout=0)

    assert updates[-2].message is not None
    assert updates[-2].message.text == "hello"
    assert updates[-1].callback_query is not None
    assert updates[-1].callback_query.data == "data"


async def test_an_error(ptb: telegram.Bot, story: Story) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await ptb.get_chat(-1009999999999)
