"""The lifecycle every process shares: serving ends on SIGTERM, SIGINT, or the process's own
word, and always through the graceful stop of what was started."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from gmbot.runtime.lifecycle import serve


class Process:
    def __init__(self) -> None:
        self.events: list[str] = []

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        self.events.append("started")
        try:
            yield
        finally:
            self.events.append("stopped")


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_stops_what_was_started(signum: signal.Signals) -> None:
    process = Process()
    serving = asyncio.create_task(serve(process.running(), grace_seconds=1))
    await asyncio.sleep(0.05)
    assert process.events == ["started"]

    os.kill(os.getpid(), signum)
    await asyncio.wait_for(serving, timeout=5)

    assert process.events == ["started", "stopped"]
    # The handlers are gone: the loop (this test session's) has its signals back.
    assert signal.getsignal(signum) in (signal.SIG_DFL, signal.default_int_handler)


async def test_the_process_may_stop_itself() -> None:
    process = Process()
    stop = asyncio.Event()
    serving = asyncio.create_task(serve(process.running(), grace_seconds=1, stop=stop))
    await asyncio.sleep(0.05)

    stop.set()
    await asyncio.wait_for(serving, timeout=5)

    assert process.events == ["started", "stopped"]
