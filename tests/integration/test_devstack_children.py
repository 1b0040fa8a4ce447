"""gmbot.devstack's services die with the process that started them, SIGKILL included (no atexit
runs then): an interrupted pytest-xdist run had left a whole stack behind."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from tests.support.waiting import eventually

# A process that starts one child the devstack way, says its pid, and waits to be killed.
PARENT = """
import asyncio, pathlib, sys
from gmbot.devstack.processes import Child

async def main():
    child = Child("server", "http.server", {}, ["0", "--bind", "127.0.0.1"])
    await child.start(pathlib.Path(sys.argv[1]))
    print(child.process.pid, flush=True)
    await asyncio.sleep(600)

asyncio.run(main())
"""


def _running(pid: int) -> bool:
    """Alive and not a zombie waiting for whoever adopted it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.skipif(sys.platform != "linux", reason="PR_SET_PDEATHSIG is Linux's")
async def test_a_service_dies_with_the_process_that_started_it_even_by_sigkill(
    tmp_path: Path,
) -> None:
    parent = await asyncio.create_subprocess_exec(
        sys.executable, "-c", PARENT, str(tmp_path), stdout=asyncio.subprocess.PIPE
    )
    assert parent.stdout is not None
    child = int(await asyncio.wait_for(parent.stdout.readline(), 60))
    assert _running(child)

    parent.kill()
    await parent.wait()

    async def gone() -> bool:
        return not _running(child)

    await eventually(gone, 10, what="the service's end with its parent")
