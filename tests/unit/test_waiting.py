"""tests.support.waiting.eventually: returns with the event, fails naming what it waited for."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.waiting import eventually


async def test_it_returns_as_soon_as_the_check_holds() -> None:
    checks = 0

    async def third_time() -> bool:
        nonlocal checks
        checks += 1
        return checks == 3

    await eventually(third_time, 5, every=0.01)

    assert checks == 3


async def test_it_fails_naming_what_never_happened() -> None:
    async def never() -> bool:
        return False

    with pytest.raises(AssertionError, match=r"the reply did not happen within 0\.1 s"):
        await eventually(never, 0.1, every=0.01, what="the reply")


async def test_a_check_that_hangs_fails_at_three_times_the_wait_on_the_clock() -> None:
    loop = asyncio.get_running_loop()

    async def slow() -> bool:
        await asyncio.sleep(0.2)
        return False

    started = loop.time()
    with pytest.raises(AssertionError):
        await eventually(slow, 0.2, every=0.01)

    # At 0.6 s on the clock, not after the 20 checks of 0.2 s its 0.2 s of sleeps would take.
    assert 0.6 <= loop.time() - started < 3
