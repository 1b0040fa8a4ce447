"""A process's callers waiting for the same turn wait in line (runtime.budget.lines): only the
first of each line asks the budget, the others go after it in the order they came, and a line
holds back nobody outside it."""

from __future__ import annotations

import asyncio

from gmbot.runtime.budget.core import LocalBudget, Priority, Spacing
from gmbot.runtime.budget.fairness import work_for

GROUP = -1001234567890
OTHER_GROUP = -1009876543210
CHANNEL = -1001111111111


class CountedBudget(LocalBudget):
    """LocalBudget, counting how often it is asked."""

    def __init__(self, per_second: float) -> None:
        super().__init__(Spacing.of(per_second, 20))
        self.asked = 0

    async def try_acquire(
        self, chat_id: int | None, priority: Priority, message: bool, call: str
    ) -> float:
        self.asked += 1
        return await super().try_acquire(chat_id, priority, message, call)


async def test_a_raids_waiting_calls_ask_about_once_each_and_go_in_the_order_they_came() -> None:
    budget = CountedBudget(per_second=200)  # a slot every 5 ms: 40 calls wait up to 0.2 s
    granted: list[int] = []

    async def check(n: int) -> None:
        work_for.set(GROUP)  # each task its own context: the membership checks for GROUP
        await budget.acquire(CHANNEL, Priority.CHECK)
        granted.append(n)

    await asyncio.gather(*(check(n) for n in range(40)))

    assert granted == list(range(40))
    # Each asks once when its turn comes, and again when told to wait for the next slot: about
    # two asks a call, where every waiting call asking at every slot made hundreds.
    assert budget.asked <= 3 * 40
    assert len(budget.lines) == 0


async def test_a_line_holds_back_nobody_outside_it() -> None:
    budget = CountedBudget(per_second=1000)
    await budget.pause(GROUP, 30)  # a 429 for the group: its mutes wait half a minute
    muting = [asyncio.create_task(budget.acquire(GROUP, Priority.PUNISH)) for _ in range(5)]
    await asyncio.sleep(0.01)

    # Another group's mute, and the same group's check on its channel, go at once.
    await asyncio.wait_for(budget.acquire(OTHER_GROUP, Priority.PUNISH), timeout=1)
    work_for.set(GROUP)
    await asyncio.wait_for(budget.acquire(CHANNEL, Priority.PUNISH), timeout=1)

    assert not any(task.done() for task in muting)
    assert budget.asked <= 1 + 2 + 2  # the paused line's first asked, not its five
    for task in muting:
        task.cancel()
    await asyncio.gather(*muting, return_exceptions=True)
    assert len(budget.lines) == 0
