"""Fair slots: a freed slot goes to the group with work waiting served least recently, each
group's work in its order, however much one group queued first."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable

from gmbot.runtime.fair_slots import FairSlots


async def settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


class Work:
    """Jobs that take a slot and hold it until the test lets them go."""

    def __init__(self, slots: FairSlots) -> None:
        self.slots = slots
        self.started: list[str] = []
        self.gates: dict[str, asyncio.Event] = {}
        self.tasks: dict[str, asyncio.Task[None]] = {}

    def submit(self, group: Hashable, name: str) -> None:
        self.gates[name] = asyncio.Event()
        self.tasks[name] = asyncio.create_task(self._run(group, name))

    async def _run(self, group: Hashable, name: str) -> None:
        async with self.slots.hold(group):
            self.started.append(name)
            await self.gates[name].wait()

    async def finish(self, name: str) -> None:
        self.gates[name].set()
        await settle()


async def test_a_quiet_groups_one_job_goes_next_however_many_a_raid_queued_first() -> None:
    work = Work(FairSlots(2))
    for n in range(50):
        work.submit("raid", f"r{n}")
    await settle()
    work.submit("quiet", "q")
    await settle()
    assert work.started == ["r0", "r1"]

    await work.finish("r0")

    assert work.started == ["r0", "r1", "q"]


async def test_groups_take_turns_and_each_groups_jobs_keep_their_order() -> None:
    work = Work(FairSlots(1))
    work.submit("a", "a0")
    await settle()
    for name in ("a1", "a2", "a3"):
        work.submit("a", name)
    for name in ("b1", "b2"):
        work.submit("b", name)
    work.submit("c", "c1")
    await settle()

    for name in ("a0", "b1", "c1", "a1", "b2", "a2"):
        await work.finish(name)

    # The groups not served yet first, then whoever was served least recently.
    assert work.started == ["a0", "b1", "c1", "a1", "b2", "a2", "a3"]


async def test_a_waiter_that_gives_up_hands_its_turn_on() -> None:
    work = Work(FairSlots(1))
    work.submit("a", "a0")
    await settle()
    work.submit("b", "b1")
    work.submit("c", "c1")
    await settle()

    work.tasks["b1"].cancel()
    await settle()
    await work.finish("a0")

    assert work.started == ["a0", "c1"]
    await work.finish("c1")
    work.submit("d", "d1")  # every slot is free again: no wait
    await settle()
    assert work.started == ["a0", "c1", "d1"]


async def test_a_waiter_cancelled_as_its_slot_came_passes_the_slot_on() -> None:
    slots = FairSlots(1)
    work = Work(slots)
    holding = slots.hold("a")
    await holding.__aenter__()
    work.submit("b", "b1")
    work.submit("c", "c1")
    await settle()

    await holding.__aexit__(None, None, None)  # b1 is given the slot but has not run yet
    work.tasks["b1"].cancel()
    await settle()

    assert work.started == ["c1"]
