"""Every Bot API method GMBot uses, through aiogram 3 as the client, with Telegram's errors."""

from __future__ import annotations

import time

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    ChatPermissions,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyParameters,
)

from gmbot.sandbox.client import SandboxError
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
