"""The second look's queue: the same order as ever, and work per pop or hurry that does not grow
with how many messages wait (counted in bytecodes executed, not in time: this machine is
shared)."""

from __future__ import annotations

import asyncio
import random
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

from gmbot.gateway.flows.second_look import DueQueue, SecondLook

FEW, MANY = 1_000, 50_000
HOUR = 3600.0


@contextmanager
def bytecodes() -> Iterator[list[int]]:
    """Counts the Python bytecodes executed inside the block (every frame, this thread)."""
    counted = [0]

    def tracer(frame: FrameType, event: str, _arg: Any) -> Callable[..., Any]:
        frame.f_trace_opcodes = True
        if event == "opcode":
            counted[0] += 1
        return tracer

    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        yield counted
    finally:
        sys.settrace(previous)


async def _waiting(count: int) -> SecondLook[int]:
    """`count` messages, each from its own sender, due in an hour; then one due at once."""
    second_look: SecondLook[int] = SecondLook(lambda item: item, delays=(HOUR, 0.0), most=MANY + 1)
    for sender in range(count):
        await second_look.schedule(sender)
    return second_look


async def _hurry_cost(count: int) -> int:
    second_look = await _waiting(count)
    with bytecodes() as counted:
        second_look.hurry(count // 2)
    return counted[0]


async def test_second_look_hurry_does_not_walk_every_waiting_key() -> None:
    # Regression: an answer about one sender rebuilt and re-heaped the whole queue, so in a raid
    # (50,000 waiting, thousands of answers a second) the event loop did little else.
    await _hurry_cost(FEW)  # the first hurry also makes its metric's label
    few, many = await _hurry_cost(FEW), await _hurry_cost(MANY)

    assert many <= few + 20, (few, many)


async def _pop_cost(count: int) -> int:
    second_look = await _waiting(count)
    looked = asyncio.Event()

    async def look(_item: int) -> bool:
        looked.set()
        return True

    await second_look.start(look)
    await asyncio.sleep(0.01)  # the worker waits for the first due, an hour away
    with bytecodes() as counted:
        await second_look.schedule(-1, attempt=1)  # due at once: popped and looked at
        await asyncio.wait_for(looked.wait(), timeout=5)
    await second_look.stop()
    return counted[0]


async def test_second_look_pop_does_not_walk_every_waiting_key() -> None:
    # Regression: taking the due message out subtracted from a Counter of every waiting sender,
    # which walks all of them.
    few, many = await _pop_cost(FEW), await _pop_cost(MANY)

    assert many <= few * 1.5, (few, many)


def test_the_queue_keeps_the_order_of_a_plain_sorted_list() -> None:
    """Random pushes, hurries and pops against the obvious model, with enough hurries that the
    heap is rebuilt without its stale entries many times over."""
    rng = random.Random(21)
    queue: DueQueue[int] = DueQueue()
    model: list[list[Any]] = []  # [due, order, key, item]
    now = 0.0
    for order in range(10_000):
        now += rng.random()
        action = rng.random()
        if action < 0.4 or not model:
            # The longest delays leave stale entries deep in the heap once hurried.
            key, due = rng.randrange(50), now + rng.choice((1.0, 15.0, 300.0, 46 * HOUR))
            queue.push(order, key, 0, due)
            model.append([due, order, key, order])
        elif action < 0.75:
            key = rng.randrange(50)
            hurried = queue.hurry(key, now)
            waiting_on = [entry for entry in model if entry[2] == key]
            for entry in waiting_on:
                entry[0] = min(entry[0], now)
            assert hurried == bool(waiting_on)
        else:
            earliest = min(model, key=lambda entry: (entry[0], entry[1]))
            model.remove(earliest)
            assert queue.next_due() == earliest[0]
            assert queue.pop().item == earliest[3]
        assert len(queue) == len(model)
