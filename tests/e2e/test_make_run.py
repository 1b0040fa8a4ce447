"""`make run` as a person uses it: start it, paste the `export` lines it prints, play the story
with the printed commands, then ask the `gmbot` command, which finds the stack by itself."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

Guide = tuple[str, list[str]]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _clean_env() -> dict[str, str]:
    ours = ("AUTH_", "BOT_TOKEN", "TELEGRAM_", "REDIS_URL", "GMBOT_", "CALLER_TOKEN", "_ADDR")
    return {k: v for k, v in os.environ.items() if not any(p in k for p in ours)}


@pytest.fixture(scope="module")
async def make_run(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Path, str]]:
    cwd = tmp_path_factory.mktemp("make-run")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gmbot.devstack",
        cwd=cwd,
        env={**_clean_env(), "SANDBOX_PORT": str(_free_port())},
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
        yield cwd, "".join(lines)
    finally:
        process.send_signal(signal.SIGINT)
        await asyncio.wait_for(process.wait(), 30)


def _steps(guide: str) -> Guide:
    exports = "\n".join(line for line in guide.splitlines() if line.startswith("export "))
    story = guide.split("# 1.", 1)[1].split("# what the bot did", 1)[0]
    commands = re.sub(r"\\\n\s*", "", story).splitlines()
    return exports, [c.split("  #", 1)[0].strip() for c in commands if c.strip().startswith("curl")]


async def _bash(exports: str, command: str, cwd: Path) -> str:
    process = await asyncio.create_subprocess_exec(
        "bash", "-c", f"{exports}\n{command}", cwd=cwd, env=_clean_env(), stdout=subprocess.PIPE
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, command
    return output.decode()


async def _until(exports: str, command: str, cwd: Path, expected: str) -> None:
    for _ in range(120):
        if expected in await _bash(exports, command, cwd):
            return
        await asyncio.sleep(0.25)
    pytest.fail(f"{command} never answered {expected}")


async def test_the_printed_guide_plays_the_story(make_run: tuple[Path, str]) -> None:
    cwd, guide = make_run
    exports, commands = _steps(guide)
    protect, carol_writes, carol_status, join_news, join_vip, carol_again = commands

    assert re.search(r"^export CHAT=-100\d+$", exports, re.M)
    assert re.search(r"^export CAROL=\d+$", exports, re.M)
    await _bash(exports, protect, cwd)
    await asyncio.sleep(1)
    await _bash(exports, carol_writes, cwd)
    await _until(exports, carol_status, cwd, '"status": "restricted"')
    await _bash(exports, join_news, cwd)
    await _bash(exports, join_vip, cwd)
    await _until(exports, carol_again, cwd, '"status": "member"')


async def test_gmbot_finds_the_stack_through_the_file_make_run_wrote(
    make_run: tuple[Path, str],
) -> None:
    cwd, guide = make_run
    exports, _ = _steps(guide)
    chat = re.search(r"^export CHAT=(\S+)$", exports, re.M)
    assert chat is not None
    config = (cwd / "data" / "gmbot.env").read_text()

    from_config = await _bash(exports, f"{sys.executable} -m gmbot.cli group {chat[1]}", cwd)
    # No GMBOT_CONFIG: the file make run wrote under ./data is the default.
    by_default = await _bash("unset GMBOT_CONFIG", f"{sys.executable} -m gmbot.cli groups", cwd)

    assert re.search(r"^AUTH_TOKEN=\S{16,}$", config, re.M)
    assert re.search(r"^MEMBERSHIP_ADDR=127\.0\.0\.1:\d+$", config, re.M)
    assert "GMBot Demo Chat" in from_config
    assert f"{chat[1]}  protected" in by_default
