"""`within`: work bounded in the calling task. Past its bound the log hears where it waits and
Overdue is raised; bounds nest; a caller's own cancellation stays a cancellation."""

from __future__ import annotations

import asyncio

import pytest

from gmbot.runtime.tasks import Overdue, within


class Heard:
    def __init__(self) -> None:
        self.waits_in: list[list[str]] = []

    def __call__(self, waits_in: list[str]) -> None:
        self.waits_in.append(waits_in)


async def _stuck_in_a_backend(unwound: list[str]) -> str:
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        unwound.append("cancelled")
        raise
    return "never"


async def _quick() -> str:
    await asyncio.sleep(0)
    return "done"


async def test_work_done_in_time_is_its_result_and_nothing_is_heard() -> None:
    heard = Heard()

    assert await within(_quick(), 1.0, heard) == "done"
    await asyncio.sleep(0.02)  # past where a forgotten timer would fire
    assert heard.waits_in == []


async def test_work_past_its_bound_is_cancelled_and_says_where_it_waited() -> None:
    heard, unwound = Heard(), list[str]()

    with pytest.raises(Overdue, match=r"not done within 0\.01 s"):
        await within(_stuck_in_a_backend(unwound), 0.01, heard)

    assert unwound == ["cancelled"]
    (waits_in,) = heard.waits_in
    assert any("_stuck_in_a_backend" in frame for frame in waits_in), waits_in
    # The task goes on as uncancelled: later awaits are not cut short.
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]
    await asyncio.sleep(0.01)


async def test_an_inner_bound_that_passes_leaves_the_outer_one_running() -> None:
    heard = Heard()

    async def inner_then_more() -> str:
        with pytest.raises(Overdue):
            await within(_stuck_in_a_backend([]), 0.01, heard)
        await asyncio.sleep(0.02)
        return "outer finished"

    assert await within(inner_then_more(), 5.0, heard) == "outer finished"
    assert len(heard.waits_in) == 1


async def test_an_outer_bound_passing_inside_an_inner_one_is_the_outers() -> None:
    outer, inner = Heard(), Heard()

    async def long_inner() -> str:
        return await within(_stuck_in_a_backend([]), 5.0, inner)

    with pytest.raises(Overdue, match=r"0\.01 s"):
        await within(long_inner(), 0.01, outer)
    assert (len(outer.waits_in), inner.waits_in) == (1, [])


async def test_a_caller_cancelled_cancels_the_work_and_stays_cancelled() -> None:
    heard, unwound = Heard(), list[str]()
    caller = asyncio.create_task(within(_stuck_in_a_backend(unwound), 5.0, heard))
    await asyncio.sleep(0.01)

    caller.cancel()

    with pytest.raises(asyncio.CancelledError):
        await caller
    assert unwound == ["cancelled"]
    assert heard.waits_in == []
