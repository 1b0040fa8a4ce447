"""The in-process work queue: urgent work first, and as much as a poller asks for at once."""

from __future__ import annotations

import asyncio

from gmbot.enforcement.domain.work_queue import Lane
from gmbot.enforcement.outbound.queue import LocalQueue


async def test_the_local_queue_hands_out_urgent_work_first() -> None:
    queue = LocalQueue()
    await queue.put("later", Lane.HOUSEKEEPING)
    await queue.put("now", Lane.URGENT)

    first = await queue.take(0.1)
    second = await queue.take(0.1)

    assert [d.action_id for d in first] == ["now"]
    assert [d.action_id for d in second] == ["later"]
    assert await queue.take(0.05) == []
    await asyncio.sleep(0)


async def test_the_local_queue_hands_out_what_it_holds_up_to_the_count_urgent_first() -> None:
    queue = LocalQueue()
    for n in range(3):
        await queue.put(f"digest-{n}", Lane.HOUSEKEEPING)
    for n in range(3):
        await queue.put(f"delete-{n}", Lane.URGENT)

    taken = await queue.take(0.1, count=4)

    assert [d.action_id for d in taken] == ["delete-0", "delete-1", "delete-2", "digest-0"]
    assert [d.action_id for d in await queue.take(0.1, count=4)] == ["digest-1", "digest-2"]
