"""The journal read with `wait`: held until the call it asks for is made, empty when none is."""

from __future__ import annotations

import asyncio

from tests.support.sandbox import Story


async def _last_seq(story: Story) -> int:
    return int((await story.control.counters())["last_seq"])


async def test_a_waiting_read_answers_when_the_call_is_made(story: Story) -> None:
    since = await _last_seq(story)
    read = asyncio.create_task(story.control.journal(method="sendMessage", since=since, wait=30))
    await story.bot.get_me()  # another method: the read goes on waiting
    await asyncio.sleep(0.3)  # time for a wrong answer to arrive: none may
    assert not read.done()

    await story.bot.send_message(story.group, "hello")

    [entry] = await asyncio.wait_for(read, 10)
    assert entry["method"] == "sendMessage"
    assert entry["params"]["text"] == "hello"


async def test_a_waiting_read_is_empty_when_nothing_comes_in_time(story: Story) -> None:
    since = await _last_seq(story)
    loop = asyncio.get_running_loop()
    started = loop.time()

    assert await story.control.journal(method="sendMessage", since=since, wait=0.5) == []
    assert loop.time() - started >= 0.5


async def test_a_read_without_wait_answers_at_once(story: Story) -> None:
    await story.bot.send_message(story.group, "earlier")
    since = await _last_seq(story)

    assert await story.control.journal(method="sendMessage", since=since) == []
    assert [e["params"]["text"] for e in await story.control.journal(method="sendMessage")] == [
        "earlier"
    ]
