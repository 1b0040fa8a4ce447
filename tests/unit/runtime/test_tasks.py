"""Ending a background task on purpose."""

from __future__ import annotations

import asyncio

import pytest

from gmbot.runtime.tasks import Overdue, cancel_and_wait, where_it_waits, within


async def test_a_running_task_is_cancelled_and_has_ended_when_it_returns() -> None:
    cleaned: list[str] = []

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            cleaned.append("cleaned up")

    task = asyncio.create_task(forever())
    await asyncio.sleep(0)

    await cancel_and_wait(task)

    assert task.cancelled()
    assert cleaned == ["cleaned up"]


async def test_nothing_to_end_is_fine() -> None:
    await cancel_and_wait(None)
    finished = asyncio.create_task(asyncio.sleep(0))
    await finished

    await cancel_and_wait(finished)  # already over: nothing happens

    assert finished.done()
    assert not finished.cancelled()


async def test_a_stuck_task_says_where_it_waits() -> None:
    async def inner() -> None:
        await asyncio.Event().wait()

    async def outer() -> None:
        await inner()

    task = asyncio.create_task(outer())
    await asyncio.sleep(0)

    chain = where_it_waits(task)
    await cancel_and_wait(task)

    assert [frame.split(" ")[0] for frame in chain[:3]] == [
        "test_a_stuck_task_says_where_it_waits.<locals>.outer",
        "test_a_stuck_task_says_where_it_waits.<locals>.inner",
        "Event.wait",
    ]


async def _stuck(cleaned: list[str]) -> None:
    try:
        await asyncio.Event().wait()
    finally:
        cleaned.append("cleaned up")


async def test_work_done_in_time_gives_its_result_and_nothing_is_late() -> None:
    heard: list[list[str]] = []

    async def quick() -> int:
        await asyncio.sleep(0)
        return 7

    assert await within(quick(), 5, heard.append) == 7
    await asyncio.sleep(0)
    assert heard == []


async def test_work_past_its_bound_is_cancelled_says_where_it_waited_and_is_overdue() -> None:
    heard: list[list[str]] = []
    cleaned: list[str] = []

    with pytest.raises(Overdue, match=r"not done within 0\.05 s"):
        await within(_stuck(cleaned), 0.05, heard.append)

    assert cleaned == ["cleaned up"]  # unwound in the caller's task before Overdue
    [chain] = heard
    assert [frame.split(" ")[0] for frame in chain[:2]] == ["_stuck", "Event.wait"]
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


async def test_a_caller_cancelled_meanwhile_cancels_the_work_and_is_not_overdue() -> None:
    cleaned: list[str] = []
    heard: list[list[str]] = []
    caller = asyncio.create_task(within(_stuck(cleaned), 30, heard.append))
    await asyncio.sleep(0.01)

    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller

    assert cleaned == ["cleaned up"]
    assert heard == []


async def test_the_tighter_of_two_nested_bounds_is_the_one_overdue() -> None:
    heard: list[str] = []
    cleaned: list[str] = []

    async def inner_bounded() -> None:
        await within(_stuck(cleaned), 0.05, lambda _: heard.append("inner"))

    with pytest.raises(Overdue, match=r"0\.05 s"):
        await within(inner_bounded(), 30, lambda _: heard.append("outer"))

    assert heard == ["inner"]
    assert cleaned == ["cleaned up"]


async def test_a_cancellation_at_the_outer_bound_passes_through_the_inner_one() -> None:
    heard: list[str] = []
    cleaned: list[str] = []

    async def inner_bounded() -> None:
        await within(_stuck(cleaned), 30, lambda _: heard.append("inner"))

    with pytest.raises(Overdue, match=r"0\.05 s"):
        await within(inner_bounded(), 0.05, lambda _: heard.append("outer"))

    assert heard == ["outer"]
    assert cleaned == ["cleaned up"]
