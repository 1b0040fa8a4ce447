"""Waiting for an event instead of sleeping a fixed time: the one polling loop of the tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def eventually(
    check: Callable[[], Awaitable[bool]],
    seconds: float = 10.0,
    *,
    every: float = 0.05,
    what: str = "the expected condition",
) -> None:
    """Awaits `check` until it returns true, fails naming `what` once it has slept `seconds`.

    Sleeps are counted, not the clock: on a loaded machine a slow `check` extends the wait instead
    of eating into it, so a busy CI fails no test that merely ran slowly. Up to three times
    `seconds` on the clock, though: a check slow enough to pass that is stuck, not slow (and a
    test timeout's exception can land in another task of the loop, the sandbox's, and be lost)."""
    loop = asyncio.get_running_loop()
    give_up = loop.time() + 3 * seconds
    slept = 0.0
    while not await check():
        if slept >= seconds or loop.time() >= give_up:
            raise AssertionError(f"{what} did not happen within {seconds:g} s")
        await asyncio.sleep(every)
        slept += every
