"""The control API's load endpoints: many users, members and messages in one call, per-bot
counters, and where a bot stands in its updates (what the benchmarks in bench/ read)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram.exceptions import TelegramRetryAfter
from aiohttp import web

from gmbot.sandbox.client import SandboxError
from tests.support.sandbox import Story, aiogram_bot
from tests.support.waiting import eventually


async def test_many_users_join_silently_and_no_bot_hears_of_it(story: Story) -> None:
    users = await story.control.create_users(["U1", "U2", "U3"], language_code="de")
    ids = [int(u["id"]) for u in users]

    await story.control.add_members(story.group, ids, silent=True)
    await story.control.add_members(story.channel, ids[:1], silent=True)

    assert [u["first_name"] for u in users] == ["U1", "U2", "U3"]
    assert all(u["language_code"] == "de" for u in users)
    assert await story.bot.get_updates(timeout=0) == []
    member = await story.bot.get_chat_member(story.channel, ids[0])
    assert member.status == "member"
    assert (await story.control.member(story.group, ids[2]))["status"] == "member"


async def test_members_added_aloud_send_the_updates_of_a_join(story: Story) -> None:
    bob = int((await story.control.create_users(["Bob"]))[0]["id"])

    await story.control.add_members(story.group, [bob])

    # The service message; chat_member goes only to bots that asked for it.
    updates = await story.bot.get_updates(timeout=0)
    assert [u.event_type for u in updates] == ["message"]
    assert updates[0].message is not None
    assert [u.id for u in updates[0].message.new_chat_members or []] == [bob]


async def test_many_messages_in_one_call_arrive_in_order(story: Story) -> None:
    bob = int((await story.control.create_users(["Bob"]))[0]["id"])
    await story.control.add_members(story.group, [story.alice, bob], silent=True)

    answer = await story.control.say_many(
        [(story.group, story.alice, "one"), (story.group, bob, "two"), (story.group, bob, "")]
    )

    updates = await story.bot.get_updates(timeout=0)
    texts = [(u.message.from_user.id, u.message.text) for u in updates if u.message]  # type: ignore[union-attr]
    assert texts == [(story.alice, "one"), (bob, "two"), (bob, "hello")]
    assert [m["message_id"] for m in answer["messages"]] == [
        u.message.message_id for u in updates if u.message
    ]
    assert answer["last_update_ids"] == {str(story.bot_id): updates[-1].update_id}
    assert answer["at"] > 0


async def test_many_messages_are_refused_whole_when_one_cannot_be_written(story: Story) -> None:
    stranger = int((await story.control.create_users(["Stranger"]))[0]["id"])
    await story.control.add_members(story.group, [story.alice], silent=True)

    with pytest.raises(SandboxError) as refused:
        await story.control.say_many(
            [(story.group, story.alice, "fine"), (story.group, stranger, "not a member")]
        )

    assert refused.value.status == 403
    assert await story.bot.get_updates(timeout=0) == []


async def test_the_queue_says_what_the_bot_confirmed_by_polling_and_when(story: Story) -> None:
    await story.control.add_members(story.group, [story.alice], silent=True)
    answer = await story.control.say_many([(story.group, story.alice, str(i)) for i in range(5)])
    last = answer["last_update_ids"][str(story.bot_id)]

    delivered = await story.bot.get_updates(timeout=0)
    before = await story.control.bot_queue(story.bot_id)
    await story.bot.get_updates(offset=delivered[2].update_id + 1, timeout=0)
    partly = await story.control.bot_queue(story.bot_id)
    await story.bot.get_updates(offset=last + 1, timeout=0)
    after = await story.control.bot_queue(story.bot_id)

    assert before["last_update_id"] == last
    assert before["pending"] == 5
    assert before["confirmed_below"] == delivered[0].update_id  # delivered is not confirmed
    assert partly["confirmed_below"] == delivered[3].update_id
    assert partly["confirmed_at"] >= answer["at"]
    assert after == {
        "last_update_id": last,
        "confirmed_below": last + 1,
        "confirmed_at": after["confirmed_at"],
        "pending": 0,
        "polls": before["polls"] + 2,
        "webhook": False,
    }
    assert after["confirmed_at"] >= partly["confirmed_at"]


@pytest.fixture
async def hook() -> AsyncIterator[tuple[str, list[int]]]:
    """A webhook that answers 2xx and remembers the update ids it got."""
    received: list[int] = []

    async def handle(request: web.Request) -> web.Response:
        received.append(int((await request.json())["update_id"]))
        return web.json_response({})

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/hook", received
    await runner.cleanup()


async def test_the_queue_counts_a_webhook_2xx_as_a_confirmation(
    story: Story, hook: tuple[str, list[int]]
) -> None:
    url, received = hook
    await story.control.add_members(story.group, [story.alice], silent=True)
    await story.bot.set_webhook(url)

    answer = await story.control.say_many([(story.group, story.alice, str(i)) for i in range(3)])
    last = answer["last_update_ids"][str(story.bot_id)]
    state: dict[str, Any] = {}

    async def confirmed() -> bool:
        state.update(await story.control.bot_queue(story.bot_id))
        return bool(state["confirmed_below"] > last)

    await eventually(confirmed, every=0.02, what="the webhook's 2xx confirming the updates")

    assert received[-3:] == [last - 2, last - 1, last]
    assert state["webhook"] is True
    assert state["pending"] == 0
    assert state["confirmed_at"] >= answer["at"]


async def test_counters_per_bot_count_calls_and_429s(story: Story) -> None:
    other = await story.control.create_bot("other_bot")
    other_bot = aiogram_bot(story.sandbox.url, other["token"])
    await story.control.set_limits(
        enabled=True, requests_per_second=3, group_messages_per_minute=20
    )
    try:
        for _ in range(3):
            await story.bot.get_chat(story.group)
        with pytest.raises(TelegramRetryAfter):
            await story.bot.get_chat(story.group)
        await other_bot.get_me()
    finally:
        await other_bot.session.close()

    mine = await story.control.counters(bot_id=story.bot_id)
    theirs = await story.control.counters(bot_id=int(other["user"]["id"]))
    everyone = await story.control.counters()

    assert mine["methods"]["getChat"] == 4
    assert mine["errors"] == {"429": 1}
    assert theirs["methods"] == {"getMe": 1}
    assert theirs["errors"] == {}
    assert everyone["errors"]["429"] == 1
    assert everyone["methods"]["getChat"] == 4
