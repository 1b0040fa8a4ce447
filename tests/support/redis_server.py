"""A Redis server of a test's own, for failures that cannot be made on the shared one (out of
memory, read-only): started on a free port, nothing saved, stopped after the test."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
from collections.abc import AsyncIterator

import pytest

from gmbot.devstack.stack import free_port
from tests.support.waiting import eventually


@contextlib.asynccontextmanager
async def private_redis() -> AsyncIterator[str]:
    """Yields the server's URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        binary,
        "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        stdout=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:

        async def listening() -> bool:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            except OSError:
                return False
            return True

        await eventually(listening, 5, what=f"redis-server listening on {port}")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        await process.wait()
