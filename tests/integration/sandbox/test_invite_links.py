"""Invite links as Telegram keeps them, through aiogram: a revoked link lets nobody in and
cannot be edited (how a bot learns it was revoked); a link that creates join requests turns a
join into a request that names the link, sent to administrators that may invite users, and its
approval into a join that names it."""

from __future__ import annotations

import pytest
from aiogram.exceptions import TelegramAPIError

from gmbot.runtime.error_kinds import ErrorKind
from gmbot.runtime.telegram_errors import kind_of
from gmbot.sandbox.client import SandboxError
from tests.support.sandbox import Story


async def test_a_revoked_link_refuses_joins_and_edits(story: Story) -> None:
    made = await story.bot.create_chat_invite_link(story.channel, name="GMBot · Chat")
    live = await story.bot.edit_chat_invite_link(story.channel, made.invite_link, name="GMBot")
    await story.control.revoke_invite_link(story.channel, made.invite_link)
    newcomer = int((await story.control.create_user("Nadia"))["id"])

    with pytest.raises(TelegramAPIError) as edited:
        await story.bot.edit_chat_invite_link(story.channel, made.invite_link, name="GMBot")
    with pytest.raises(SandboxError, match="no such invite link"):
        await story.control.join(story.channel, newcomer, invite_link=made.invite_link)

    assert (live.is_revoked, live.name) == (False, "GMBot")
    assert kind_of(edited.value) is ErrorKind.INVITE_LINK_GONE


async def test_the_bot_revokes_its_own_link(story: Story) -> None:
    made = await story.bot.create_chat_invite_link(story.channel, name="plain")

    revoked = await story.bot.revoke_chat_invite_link(story.channel, made.invite_link)

    assert revoked.is_revoked
    with pytest.raises(SandboxError):
        await story.control.join(story.channel, 1, invite_link=made.invite_link)


async def test_a_join_by_an_approval_link_is_a_request_and_its_approval_names_the_link(
    story: Story,
) -> None:
    made = await story.bot.create_chat_invite_link(
        story.channel, name="GMBot · Chat", creates_join_request=True
    )
    newcomer = int((await story.control.create_user("Olek"))["id"])
    kinds = ["chat_join_request", "chat_member"]
    await story.bot.get_updates(timeout=0, allowed_updates=kinds)

    asked = await story.control.join(story.channel, newcomer, invite_link=made.invite_link)
    requests = await story.bot.get_updates(timeout=0, allowed_updates=kinds)
    before = (await story.control.member(story.channel, newcomer))["status"]
    await story.bot.approve_chat_join_request(story.channel, newcomer)
    joins = await story.bot.get_updates(
        offset=requests[-1].update_id + 1, timeout=0, allowed_updates=kinds
    )

    (request,) = [u.chat_join_request for u in requests if u.chat_join_request is not None]
    assert asked["invite_link"] == made.invite_link
    assert request.invite_link is not None
    assert (request.invite_link.invite_link, request.invite_link.creates_join_request) == (
        made.invite_link,
        True,
    )
    assert before == "left"
    (joined,) = [u.chat_member for u in joins if u.chat_member is not None]
    assert joined.new_chat_member.status == "member"
    assert joined.invite_link is not None
    assert joined.invite_link.invite_link == made.invite_link
