"""Other bots in a bench's sandbox: the floor (bench.baseline_bot), or any bot given as a
command line (`--peer`), each with a world of its own, in a process of its own.

The bot learns where it runs from its environment:

  BOT_TOKEN         its token in the sandbox
  TELEGRAM_API_URL  the Bot API server's base URL (aiogram: TelegramAPIServer.from_base(url))
  BENCH_WORLD       a JSON file of its world, for a bot that keeps a warm cache of who may write:
                    {"bot_id": ..., "channel": ..., "groups": [...], "subscribed": [user ids]}

A command runs where the bench runs (`sh -c 'cd DIR && ...'` runs it elsewhere), its output in
the run's logs/peer.log. It is ready once it asked the sandbox for updates; it is stopped with
SIGTERM. A bot that takes its server from elsewhere
(aiogram's `Bot(token)` alone talks to api.telegram.org) needs a line that reads
TELEGRAM_API_URL, or a launcher that sets it.

    python -m bench.peer COMMAND   (how a bench starts a command: split as a shell would, exec'd)
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from bench.world import Sandbox, World, until
from gmbot.devstack.processes import Child, wait_http

# aiogram alone took 26 s to import on this machine while others' benches ran (load average 19).
READY_SECONDS = 180


def environment(sandbox: Sandbox, world: World, data_dir: Path) -> dict[str, str]:
    """What the bot of `world` is told: its token, the server, its world (written here)."""
    spec = data_dir / f"{world.name}-world.json"
    spec.write_text(
        json.dumps(
            {
                "bot_id": world.bot_id,
                "channel": world.channel,
                "groups": world.groups,
                "subscribed": world.subscribed,
            }
        )
    )
    return {"BOT_TOKEN": world.token, "TELEGRAM_API_URL": sandbox.url, "BENCH_WORLD": str(spec)}


@asynccontextmanager
async def running(
    sandbox: Sandbox, world: World, child: Child, data_dir: Path, webhook_port: int | None
) -> AsyncIterator[Child]:
    """The child, started; ready when it polls (or, with a webhook port, answers /healthz)."""
    await child.start(data_dir / "logs")
    try:
        if webhook_port is not None:
            await wait_http(child.name, f"http://127.0.0.1:{webhook_port}/healthz", child)
        else:

            async def polling() -> bool:
                if not child.running:
                    raise RuntimeError(f"the {child.name} bot exited (see its log)")
                return int((await sandbox.control.bot_queue(world.bot_id))["polls"]) > 0

            if not await until(polling, READY_SECONDS):
                raise RuntimeError(f"the {child.name} bot did not poll within {READY_SECONDS} s")
        yield child
    finally:
        await child.stop()


@asynccontextmanager
async def baseline_process(
    sandbox: Sandbox, world: World, data_dir: Path, webhook_port: int | None = None
) -> AsyncIterator[Child]:
    """bench.baseline_bot for this world."""
    args = [] if webhook_port is None else ["--webhook-port", str(webhook_port)]
    env = environment(sandbox, world, data_dir)
    child = Child("baseline", "bench.baseline_bot", env, args=args)
    async with running(sandbox, world, child, data_dir, webhook_port) as started:
        yield started


@asynccontextmanager
async def peer_process(
    sandbox: Sandbox, world: World, data_dir: Path, command: str
) -> AsyncIterator[Child]:
    """`command` (a shell-quoted command line) for this world, polling."""
    env = environment(sandbox, world, data_dir)
    child = Child("peer", "bench.peer", env, args=[command])
    async with running(sandbox, world, child, data_dir, None) as started:
        yield started


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.peer", description=__doc__)
    parser.add_argument("command", help="the bot's command line, shell-quoted")
    args = parser.parse_args()
    argv = shlex.split(args.command)
    if not argv:
        sys.exit("bench.peer: an empty command")
    # exec: the bot is the process the bench stops and whose log it keeps.
    os.execvp(argv[0], argv)  # noqa: S606 - the operator's own command line, on purpose


if __name__ == "__main__":
    main()
