"""GMBot's stacks started one at a time across pytest-xdist's processes. A start imports four
services at once, seconds of CPU each: six processes reaching the end-to-end layer together
started six stacks on two cores, and the services missed devstack's 60 s to become healthy. One
at a time, each start has the CPU; a running stack mostly waits and holds nothing."""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import pytest

from gmbot.devstack.stack import RunningStack, StackConfig, running_stack


@asynccontextmanager
async def started_alone(
    config: StackConfig, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningStack]:
    """`running_stack(config)`, started while no other process of this pytest run starts one."""
    # The pool's processes share one PostgreSQL (max_connections 100, as on CI): a 4-process run
    # held 82 at its peak, mostly idle in the services' pools, and a CI run's enforcement died at
    # start-up with none left. A stack's tenancy answers a few RPCs at a time: three connections.
    # Not enforcement: its 128 workers claim, finish and put back actions a transaction each,
    # and with 3 (when each action also renewed its own lease) one action ran twice.
    config.env.setdefault("tenancy", {}).setdefault("DATABASE_POOL_SIZE", "3")
    async with AsyncExitStack() as stacks:
        async with _no_other_start(tmp_path_factory):
            stack = await stacks.enter_async_context(running_stack(config))
        yield stack


@asynccontextmanager
async def _no_other_start(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[None]:
    """Holds the run's start lock, in the temporary folder its xdist processes share; alone in
    one process there is nobody to wait for."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        yield
        return
    lock = tmp_path_factory.getbasetemp().parent / "stack-start.lock"
    with lock.open("a") as handle:
        await asyncio.to_thread(fcntl.flock, handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
