"""`make run` as a person uses it, for the tests that play its printed guide: start it, take the
`export` lines and commands it prints, run them with bash until they answer."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from gmbot.devstack.stack import free_port
from tests.support.waiting import eventually

Guide = tuple[str, list[str]]
# The messages the bot sent, as the guide's commands ask the sandbox for them.
JOURNAL_OF_SENT_MESSAGES = "curl -s $SANDBOX/_sandbox/journal?method=sendMessage"


def clean_env() -> dict[str, str]:
    ours = ("AUTH_", "BOT_TOKEN", "TELEGRAM_", "REDIS_URL", "GMBOT_", "CALLER_TOKEN", "_ADDR")
    return {k: v for k, v in os.environ.items() if not any(p in k for p in ours)}


@asynccontextmanager
async def made_run(cwd: Path) -> AsyncIterator[str]:
    """`make run` (python -m gmbot.devstack) started in `cwd`; yields the guide it printed, once
    everything is up; stops it with Ctrl-C."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gmbot.devstack",
        cwd=cwd,
        env={**clean_env(), "SANDBOX_PORT": str(free_port())},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(120):
            while not lines or "Ctrl-C stops everything." not in lines[-1]:
                line = (await process.stdout.readline()).decode()
                if not line:
                    pytest.fail("make run stopped:\n" + "".join(lines))
                lines.append(line)
        yield "".join(lines)
    finally:
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), 30)


def guide_steps(guide: str) -> Guide:
    exports = "\n".join(line for line in guide.splitlines() if line.startswith("export "))
    story = guide.split("# 1.", 1)[1].split("# what the bot did", 1)[0]
    commands = re.sub(r"\\\n\s*", "", story).splitlines()
    return exports, [c.split("  #", 1)[0].strip() for c in commands if c.strip().startswith("curl")]


async def bash(exports: str, command: str, cwd: Path) -> str:
    process = await asyncio.create_subprocess_exec(
        "bash", "-c", f"{exports}\n{command}", cwd=cwd, env=clean_env(), stdout=subprocess.PIPE
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, command
    return output.decode()


async def until_answers(exports: str, command: str, cwd: Path, expected: str) -> None:
    async def answered() -> bool:
        return expected in await bash(exports, command, cwd)

    await eventually(answered, 30, every=0.25, what=f"{command} answering {expected}")
