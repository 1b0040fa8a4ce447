"""The Bot API methods GMBot reads chats and members with, and moderates them with (restrict,
promote, ban), through aiogram 3 as the client, with Telegram's errors."""

from __future__ import annotations

import time

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import (
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    ChatPermissions,
)

from tests.support.sandbox import Story

MUTED = ChatPermissions(can_send_messages=False)


async def test_get_me(story: Story) -> None:
    me = await story.bot.get_me()

    assert me.id == story.bot_id
    assert me.is_bot
    assert me.username == "guard_bot"


async def test_get_chat_shows_permissions_and_the_linked_channel(story: Story) -> None:
    await story.control.link(story.group, story.channel)

    chat = await story.bot.get_chat(story.group)
    by_name = await story.bot.get_chat("@news_channel")

    assert chat.type == "supergroup"
    assert chat.linked_chat_id == story.channel
    assert chat.permissions is not None
    assert chat.permissions.can_send_messages
    assert by_name.id == story.channel


async def test_get_chat_member_of_every_status(story: Story) -> None:
    control, bot = story.control, story.bot
    restricted_in = (await control.create_user("R1"))["id"]
    restricted_out = (await control.create_user("R2"))["id"]
    banned = (await control.create_user("B"))["id"]
    stranger = (await control.create_user("S"))["id"]
    await control.set_member(story.group, restricted_in, "restricted", is_member=True)
    await control.set_member(story.group, restricted_out, "restricted", is_member=False)
    await control.set_member(story.group, banned, "kicked")

    assert isinstance(await bot.get_chat_member(story.group, story.owner), ChatMemberOwner)
    assert isinstance(await bot.get_chat_member(story.group, story.bot_id), ChatMemberAdministrator)
    assert isinstance(await bot.get_chat_member(story.channel, story.alice), ChatMemberMember)
    member = await bot.get_chat_member(story.group, restricted_in)
    assert isinstance(member, ChatMemberRestricted)
    assert member.is_member
    member = await bot.get_chat_member(story.group, restricted_out)
    assert isinstance(member, ChatMemberRestricted)
    assert not member.is_member
    assert isinstance(await bot.get_chat_member(story.group, banned), ChatMemberBanned)
    assert isinstance(await bot.get_chat_member(story.group, stranger), ChatMemberLeft)


async def test_an_unknown_user_is_not_found(story: Story) -> None:
    with pytest.raises(TelegramBadRequest, match="Bad Request: user not found"):
        await story.bot.get_chat_member(story.group, 999_999_999)


async def test_a_channel_hides_its_members_from_a_bot_that_is_not_its_admin(story: Story) -> None:
    await story.control.set_member(story.channel, story.bot_id, "member")

    with pytest.raises(TelegramBadRequest, match="member list is inaccessible"):
        await story.bot.get_chat_member(story.channel, story.alice)
    await story.control.set_member(story.channel, story.bot_id, "left")
    with pytest.raises(TelegramForbiddenError, match="bot is not a member of the channel chat"):
        await story.bot.get_chat_member(story.channel, story.alice)


async def test_administrators_and_member_count(story: Story) -> None:
    admins = await story.bot.get_chat_administrators(story.group)
    await story.control.join(story.group, story.alice)

    assert {a.user.id for a in admins} == {story.owner, story.bot_id}
    assert await story.bot.get_chat_member_count(story.group) == 3


async def test_restrict_with_independent_permissions_and_a_temporary_until(story: Story) -> None:
    await story.control.join(story.group, story.alice)
    until = int(time.time()) + 3600

    assert await story.bot.restrict_chat_member(
        story.group, story.alice, MUTED, use_independent_chat_permissions=True, until_date=until
    )

    member = await story.bot.get_chat_member(story.group, story.alice)
    assert isinstance(member, ChatMemberRestricted)
    assert member.is_member
    assert not member.can_send_messages
    assert member.until_date is not None
    assert int(member.until_date.timestamp()) == until


async def test_an_until_date_under_30_seconds_means_forever(story: Story) -> None:
    await story.control.join(story.group, story.alice)

    await story.bot.restrict_chat_member(
        story.group, story.alice, MUTED, until_date=int(time.time()) + 10
    )

    member = await story.bot.get_chat_member(story.group, story.alice)
    assert isinstance(member, ChatMemberRestricted)
    assert member.until_date is None or member.until_date.timestamp() == 0


async def test_a_restriction_ends_when_its_time_is_up(story: Story) -> None:
    await story.control.join(story.group, story.alice)
    await story.bot.restrict_chat_member(
        story.group, story.alice, MUTED, until_date=int(time.time()) + 120
    )

    await story.control.advance_clock(121)

    assert isinstance(await story.bot.get_chat_member(story.group, story.alice), ChatMemberMember)


async def test_without_independent_permissions_other_messages_imply_text(story: Story) -> None:
    await story.control.join(story.group, story.alice)

    await story.bot.restrict_chat_member(
        story.group,
        story.alice,
        ChatPermissions(
            can_send_messages=False, can_send_other_messages=True, can_send_polls=False
        ),
    )

    member = await story.bot.get_chat_member(story.group, story.alice)
    assert isinstance(member, ChatMemberRestricted)
    assert member.can_send_messages
    assert member.can_send_photos


async def test_granting_everything_makes_a_plain_member_again(story: Story) -> None:
    await story.control.join(story.group, story.alice)
    await story.bot.restrict_chat_member(story.group, story.alice, MUTED)
    everything = ChatPermissions(**dict.fromkeys(ChatPermissions.model_fields, True))

    await story.bot.restrict_chat_member(
        story.group, story.alice, everything, use_independent_chat_permissions=True
    )

    assert isinstance(await story.bot.get_chat_member(story.group, story.alice), ChatMemberMember)


async def test_restricting_needs_the_right_and_spares_admins(story: Story) -> None:
    await story.control.join(story.group, story.alice)
    with pytest.raises(TelegramBadRequest, match="user is an administrator of the chat"):
        await story.bot.restrict_chat_member(story.group, story.owner, MUTED)
    await story.control.promote(story.group, story.bot_id, {"can_delete_messages": True})
    with pytest.raises(
        TelegramBadRequest, match="not enough rights to restrict/unrestrict chat member"
    ):
        await story.bot.restrict_chat_member(story.group, story.alice, MUTED)


async def test_promote_and_demote(story: Story) -> None:
    await story.control.join(story.group, story.alice)

    await story.bot.promote_chat_member(story.group, story.alice, can_delete_messages=True)
    promoted = await story.bot.get_chat_member(story.group, story.alice)
    await story.bot.promote_chat_member(story.group, story.alice)

    assert isinstance(promoted, ChatMemberAdministrator)
    assert promoted.can_delete_messages
    assert isinstance(await story.bot.get_chat_member(story.group, story.alice), ChatMemberMember)


async def test_ban_unban_and_only_if_banned(story: Story) -> None:
    await story.control.join(story.group, story.alice)
    await story.bot.ban_chat_member(story.group, story.alice)
    banned = await story.bot.get_chat_member(story.group, story.alice)
    await story.bot.unban_chat_member(story.group, story.alice, only_if_banned=True)
    unbanned = await story.bot.get_chat_member(story.group, story.alice)
    await story.control.join(story.group, story.alice)
    await story.bot.unban_chat_member(story.group, story.alice, only_if_banned=True)

    assert isinstance(banned, ChatMemberBanned)
    assert isinstance(unbanned, ChatMemberLeft)
    assert isinstance(await story.bot.get_chat_member(story.group, story.alice), ChatMemberMember)


async def test_ban_chat_sender_chat_stops_the_channel_posting(story: Story) -> None:
    await story.control.join(story.group, story.alice)
    await story.control.say_as_channel(story.group, story.alice, story.channel, "as a channel")

    assert await story.bot.ban_chat_sender_chat(story.group, story.channel)

    with pytest.raises(Exception, match="403"):
        await story.control.say_as_channel(story.group, story.alice, story.channel, "again")
