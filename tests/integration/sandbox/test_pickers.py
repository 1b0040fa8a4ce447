"""Telegram's chat pickers: a keyboard button the bot sent, a chat picked, `chat_shared` in the
next message; the app's conditions hold, and the bot is added where it asked for rights."""

from __future__ import annotations

import pytest
from aiogram.types import (
    ChatAdministratorRights,
    KeyboardButton,
    KeyboardButtonRequestChat,
    ReplyKeyboardMarkup,
)

from gmbot.sandbox.client import SandboxError
from tests.support.sandbox import Story, drain


def _rights(**granted: bool) -> ChatAdministratorRights:
    required = [n for n, f in ChatAdministratorRights.model_fields.items() if f.is_required()]
    return ChatAdministratorRights(**{name: granted.get(name, False) for name in required})


async def _offer(story: Story, request_id: int, *, channel: bool) -> None:
    await story.control.say_to_bot(story.bot_id, story.owner, "/protect")
    button = KeyboardButton(
        text="Pick",
        request_chat=KeyboardButtonRequestChat(
            request_id=request_id,
            chat_is_channel=channel,
            user_administrator_rights=_rights(),
            bot_administrator_rights=_rights(can_delete_messages=True, can_restrict_members=True),
        ),
    )
    await story.bot.send_message(
        story.owner, "Pick a chat", reply_markup=ReplyKeyboardMarkup(keyboard=[[button]])
    )
    await drain(story.bot)


async def test_a_picked_group_arrives_as_chat_shared(story: Story) -> None:
    await _offer(story, 7, channel=False)

    await story.control.share_chat(story.bot_id, story.owner, 7, story.group)
    updates = await story.bot.get_updates(timeout=0)

    shared = updates[-1].message.chat_shared if updates[-1].message else None
    assert shared is not None
    assert shared.request_id == 7
    assert shared.chat_id == story.group


async def test_the_bot_is_made_an_administrator_with_the_rights_it_asked_for(
    story: Story,
) -> None:
    group = (await story.control.create_chat("supergroup", "New", creator_id=story.owner))["id"]
    await _offer(story, 1, channel=False)

    await story.control.share_chat(story.bot_id, story.owner, 1, group)
    updates = await story.bot.get_updates(timeout=0)
    me = await story.bot.get_chat_member(group, story.bot_id)

    assert me.status == "administrator"
    assert getattr(me, "can_restrict_members", False)
    assert not getattr(me, "can_invite_users", True)
    assert [u.my_chat_member is not None for u in updates] == [True, False]


async def test_a_chat_the_button_does_not_allow_cannot_be_picked(story: Story) -> None:
    foreign = (await story.control.create_chat("channel", "Not hers", creator_id=story.alice))["id"]
    await _offer(story, 2, channel=True)

    with pytest.raises(SandboxError, match="kind"):
        await story.control.share_chat(story.bot_id, story.owner, 2, story.group)
    with pytest.raises(SandboxError, match="administer"):
        await story.control.share_chat(story.bot_id, story.owner, 2, foreign)
    with pytest.raises(SandboxError, match="no chat picker"):
        await story.control.share_chat(story.bot_id, story.owner, 99, story.channel)


async def test_get_chat_shows_the_primary_invite_link_to_an_administrator_who_may_invite(
    story: Story,
) -> None:
    first = await story.bot.get_chat(story.channel)
    again = await story.bot.get_chat(story.channel)
    exported = await story.bot.export_chat_invite_link(story.channel)

    assert first.invite_link is not None
    assert first.invite_link.startswith("https://t.me/+")
    assert again.invite_link == first.invite_link
    assert (await story.bot.get_chat(story.channel)).invite_link == exported
