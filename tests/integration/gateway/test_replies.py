"""What the fuzzing of the gateway found: answers Telegram refuses, and updates from chats GMBot
has no business with, are handled quietly instead of failing the update."""

from __future__ import annotations

import itertools
from typing import Any

from tests.support.gateway import RunningGateway, World, updates_failed

_ids = itertools.count(800_000_000)


def _message(world: World, chat: dict[str, Any], sender: int, text: str) -> dict[str, Any]:
    return {
        "update_id": next(_ids),
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": chat,
            "from": {"id": sender, "is_bot": False, "first_name": "Olga"},
            "text": text,
            "entities": [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}],
        },
    }


async def test_a_callback_query_too_old_to_answer_is_not_a_failure(
    world: World, gateway: RunningGateway
) -> None:
    # answerCallbackQuery said "query is too old": the update was logged as failed.
    failed = updates_failed()
    update = {
        "update_id": next(_ids),
        "callback_query": {
            "id": "not-a-query-telegram-has",
            "from": {"id": world.member, "is_bot": False, "first_name": "Mallory"},
            "chat_instance": "1",
            "data": "v1:whatever",
        },
    }

    assert await gateway.post(update) == 200
    assert updates_failed() == failed


async def test_a_reply_the_chat_refuses_is_not_a_failure(
    world: World, gateway: RunningGateway
) -> None:
    # A chat the bot cannot write to (removed, blocked): sendMessage's 400 failed the update.
    failed = updates_failed()
    gone = {"id": -1_009_999_999_999, "type": "supergroup", "title": "Gone"}

    assert await gateway.post(_message(world, gone, world.owner, "/status")) == 200
    assert updates_failed() == failed


async def test_a_member_change_in_a_basic_group_is_not_a_failure(
    world: World, gateway: RunningGateway
) -> None:
    # Membership refused the basic group's id: one failed update per join or leave.
    failed = updates_failed()
    user = {"id": world.member, "is_bot": False, "first_name": "Mallory"}
    update = {
        "update_id": next(_ids),
        "chat_member": {
            "chat": {"id": world.basic_group, "type": "group", "title": "Basic"},
            "from": user,
            "date": 1_700_000_000,
            "old_chat_member": {"status": "left", "user": user},
            "new_chat_member": {"status": "member", "user": user},
        },
    }

    assert await gateway.post(update) == 200
    assert updates_failed() == failed


async def test_ten_long_unknown_channels_in_protect_get_a_reply_that_fits_a_message(
    world: World, gateway: RunningGateway
) -> None:
    # Each unknown reference was quoted whole: ten of them made a reply over 4096 characters.
    failed = updates_failed()
    mark = await gateway.mark()
    references = " ".join(f"#{n}" + "x" * 380 for n in range(10))
    chat = {"id": world.group, "type": "supergroup", "title": "Chat"}

    status = await gateway.post(_message(world, chat, world.owner, f"/protect {references}"))
    replies = await gateway.reply_to(mark, world.group, containing="I cannot find")

    assert status == 200
    assert len(replies[-1]) <= 4096
    assert replies[-1].count("I cannot find") == 10
    assert updates_failed() == failed
