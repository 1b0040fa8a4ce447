"""The README's "Calling GMBot from your service" example, run as written, with nothing but the
gmbot-contracts distribution installed, against a live membership service that knows the caller
by its own token (membership reads only)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr

from gmbot.sandbox.app import running_sandbox
from tests.support.membership import running_membership

ROOT = Path(__file__).resolve().parents[3]
TOKEN = "billing-token-" + "0123456789abcdef" * 2


@dataclass
class Live:
    address: str
    channel: int
    follower: int
    stranger: int


def readme_example() -> str:
    readme = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- example: membership-check -->\n```python\n(.*?)```", readme, re.S)
    assert match, "the README lost its membership-check example"
    return match[1]


@pytest.fixture(scope="module")
def contracts_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with gmbot-contracts installed from proto/, and nothing else of GMBot."""
    venv = tmp_path_factory.mktemp("contracts") / "venv"
    uv = ROOT / ".tools" / "bin" / "uv"
    subprocess.run([uv, "venv", "--quiet", "--python", "python3.11", venv], check=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        [uv, "pip", "install", "--quiet", "--python", venv / "bin" / "python", ROOT / "proto"],
        check=True,
    )
    return venv / "bin" / "python"


@pytest.fixture
async def live() -> AsyncIterator[Live]:
    async with running_sandbox() as sandbox:
        control = sandbox.control
        bot = await control.create_bot("gmbot_example_bot")
        channel = int((await control.create_chat("channel", "News", username="example_news"))["id"])
        await control.promote(channel, int(bot["user"]["id"]))
        follower = int((await control.create_user("Ann"))["id"])
        stranger = int((await control.create_user("Bob"))["id"])
        await control.join(channel, follower)
        async with running_membership(
            sandbox.url,
            bot["token"],
            None,
            auth_token=None,
            auth_callers=SecretStr(f"billing:membership-read:{TOKEN}"),
            caller_token=SecretStr("membership-own-token-0123456789abcdef"),
        ) as service:
            yield Live(f"127.0.0.1:{service.port}", channel, follower, stranger)


async def _run(python: Path, live: Live, script: Path, *args: int) -> str:
    process = await asyncio.create_subprocess_exec(
        python,
        "-I",
        script,
        *map(str, args),
        env={
            "PATH": os.environ["PATH"],
            "GMBOT_MEMBERSHIP_ADDR": live.address,
            "GMBOT_TOKEN": TOKEN,
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    return output.decode().strip()


async def test_the_readme_example_asks_membership_with_its_own_token(
    contracts_only: Path, live: Live, tmp_path: Path
) -> None:
    script = tmp_path / "example.py"
    script.write_text(readme_example())
    probe = subprocess.run(  # noqa: S603, ASYNC221 - a moment, before the service is asked
        [
            contracts_only,
            "-I",
            "-c",
            "import importlib.util as u; print(u.find_spec('gmbot.runtime'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )

    follows = await _run(contracts_only, live, script, live.follower, live.channel)
    stranger = await _run(contracts_only, live, script, live.stranger, live.channel)

    assert probe.stdout.strip() == "None"  # the stubs alone, none of the services' code
    assert follows == "follows"
    assert stranger == "does not follow"
