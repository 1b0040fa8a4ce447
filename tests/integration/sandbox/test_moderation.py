"""Other administrators at work: a person or another bot bans, removes or restricts a member, and
the bot hears it as Telegram tells it, with `from` = whoever did it."""

from __future__ import annotations

import pytest
from aiogram.types import ChatMemberUpdated

from gmbot.sandbox.client import SandboxError
from gmbot.sandbox.world import PERMISSIONS
from tests.support.sandbox import Story, drain

ALLOWED = ["chat_member", "message"]


async def _member_updates(story: Story) -> list[ChatMemberUpdated]:
    updates = await story.bot.get_updates(allowed_updates=ALLOWED, timeout=0)
    if updates:
        await story.bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    return [u.chat_member for u in updates if u.chat_member is not None]


async def _joined(story: Story) -> None:
    await story.bot.get_updates(allowed_updates=ALLOWED, timeout=0)
    await story.control.join(story.group, story.alice)
    await drain(story.bot)


async def test_an_admins_ban_is_a_chat_member_update_from_the_admin(story: Story) -> None:
    await _joined(story)

    await story.control.moderate(story.group, story.alice, story.owner, "ban")

    (update,) = await _member_updates(story)
    assert update.from_user.id == story.owner
    assert (update.old_chat_member.status, update.new_chat_member.status) == ("member", "kicked")
    assert (await story.control.member(story.group, story.alice))["status"] == "kicked"


async def test_an_admins_kick_is_a_ban_then_an_unban(story: Story) -> None:
    await _joined(story)

    await story.control.moderate(story.group, story.alice, story.owner, "kick")

    updates = await _member_updates(story)
    assert [(u.old_chat_member.status, u.new_chat_member.status) for u in updates] == [
        ("member", "kicked"),
        ("kicked", "left"),
    ]
    assert {u.from_user.id for u in updates} == {story.owner}


async def test_another_bot_restricts_and_unrestricts(story: Story) -> None:
    other = await story.control.create_bot("captcha_bot")
    await story.control.promote(story.group, other["user"]["id"])
    await _joined(story)

    await story.control.moderate(story.group, story.alice, other["user"]["id"], "restrict")
    await story.control.moderate(
        story.group,
        story.alice,
        other["user"]["id"],
        "restrict",
        permissions=dict.fromkeys(PERMISSIONS, True),
    )

    muted, unmuted = await _member_updates(story)
    assert muted.from_user.id == unmuted.from_user.id == other["user"]["id"]
    assert muted.from_user.is_bot
    assert muted.new_chat_member.status == "restricted"
    assert muted.new_chat_member.can_send_messages is False  # type: ignore[union-attr]
    assert unmuted.new_chat_member.status == "member"


async def test_someone_who_may_not_restrict_is_refused(story: Story) -> None:
    await _joined(story)
    bob = (await story.control.create_user("Bob"))["id"]
    await story.control.join(story.group, bob)

    with pytest.raises(SandboxError) as refused:
        await story.control.moderate(story.group, story.alice, bob, "ban")

    assert refused.value.status == 400
    assert "not enough rights" in str(refused.value)
    assert (await story.control.member(story.group, story.alice))["status"] == "member"
