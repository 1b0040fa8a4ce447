"""How a join request ends as Telegram tells bots: a decline in the apps tells no bot (an approve
or decline of it then answers HIDE_REQUESTER_MISSING); a ban drops the request with a
chat_member update."""

from __future__ import annotations

import pytest
from aiogram.exceptions import TelegramBadRequest

from tests.support.sandbox import Story, drain


async def test_a_request_declined_in_the_apps_tells_no_bot_and_a_ban_drops_it_loudly(
    story: Story,
) -> None:
    await story.bot.get_updates(allowed_updates=["chat_member", "chat_join_request"], timeout=0)
    bob = (await story.control.create_user("Bob"))["id"]
    carol = (await story.control.create_user("Carol"))["id"]
    await story.control.request_join(story.channel, bob)
    await story.control.request_join(story.channel, carol)
    await drain(story.bot)

    await story.control.decline_join_request(story.channel, bob)
    silent = await story.bot.get_updates(timeout=0)
    with pytest.raises(TelegramBadRequest, match="HIDE_REQUESTER_MISSING"):
        await story.bot.approve_chat_join_request(story.channel, bob)
    await story.control.moderate(story.channel, carol, story.owner, "ban")
    banned = await story.bot.get_updates(timeout=0)

    assert silent == []
    changes = [u.chat_member for u in banned]
    assert [(c.old_chat_member.status, c.new_chat_member.status) for c in changes if c] == [
        ("left", "kicked")
    ]
    assert len(banned) == 1
    assert await story.control.join_requests(story.channel) == []
