"""`python -m gmbot.devstack` (`make run`): GMBot on this machine, nothing to install.

With BOT_TOKEN set, the four services run against Telegram (or TELEGRAM_API_URL). Without it,
the Bot API sandbox starts too, seeded with a demo world, and this prints how to play in it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from gmbot.devstack.processes import Child, wait_http
from gmbot.devstack.stack import RunningStack, StackConfig, free_port, running_stack

DATA = Path("data")


def _demo_world() -> Traversable:
    """The sandbox's demo world, read as data (the sandbox runs as a process of its own)."""
    return files("gmbot.sandbox") / "demo.json"


def _load(world: Traversable) -> dict[str, Any]:
    scenario: dict[str, Any] = json.loads(world.read_text())
    return scenario


def _demo_guide(sandbox: str, stack: RunningStack) -> str:
    scenario = _load(_demo_world())
    names = ", ".join(f"{n} ({u['first_name']})" for n, u in scenario["users"].items())
    services = ", ".join(f"{name} {address}" for name, address in stack.addresses.items())
    control = f"{sandbox}/_sandbox"
    return f"""
GMBot is running against the Bot API sandbox (no BOT_TOKEN given).
  gateway:  {stack.gateway_url}/healthz  /readyz  /metrics
  services: {services}
  logs:     {DATA / "logs"}/
The demo world: @gmbot_demo_bot, the supergroup "GMBot Demo Chat", the channels @gmbot_news and
"GMBot VIP" (private), and {names}. Alice follows both channels, Boris only @gmbot_news, Carol
none. Ids are in {DATA / "logs" / "sandbox.log"}; with them (CHAT, NEWS, VIP, OWNER, CAROL …):

  # the owner protects the chat with both channels
  curl -s -XPOST {control}/chats/$CHAT/messages \\
       -d '{{"user_id": '$OWNER', "text": "/protect @gmbot_news '$VIP'"}}'
  # Carol writes without following: deleted, muted, warned with join buttons
  curl -s -XPOST {control}/chats/$CHAT/messages -d '{{"user_id": '$CAROL', "text": "hello"}}'
  # what the bot did, call by call
  curl -s '{control}/journal' | python3 -m json.tool | less
  # Carol joins the channels: she is unmuted without pressing anything
  curl -s -XPOST {control}/chats/$NEWS/join -d '{{"user_id": '$CAROL'}}'
  curl -s -XPOST {control}/chats/$VIP/join -d '{{"user_id": '$CAROL'}}'

sandbox/README.md lists every control call (press buttons, send join requests, demote the bot …).
Ctrl-C stops everything.
"""


async def _run() -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    logs = DATA / "logs"
    sandbox: Child | None = None
    token = os.environ.get("BOT_TOKEN", "")
    api = os.environ.get("TELEGRAM_API_URL", "https://api.telegram.org")
    if not token:
        port = int(os.environ.get("SANDBOX_PORT", "8081") or free_port())
        world = _demo_world()
        token, api = _load(world)["bot"]["token"], f"http://127.0.0.1:{port}"
        sandbox = Child(
            "sandbox", "gmbot.sandbox", {}, ["--port", str(port), "--scenario", str(world)]
        )
        await sandbox.start(logs)
        await wait_http("sandbox", f"{api}/_sandbox/counters", sandbox)
    config = StackConfig(
        data_dir=DATA,
        bot_token=token,
        telegram_api_url=api,
        log_dir=logs,
        redis_url=os.environ.get("REDIS_URL") or None,
        tenancy_database_url=os.environ.get("TENANCY_DATABASE_URL") or None,
        enforcement_database_url=os.environ.get("ENFORCEMENT_DATABASE_URL") or None,
    )
    try:
        async with running_stack(config) as stack:
            if sandbox is not None:
                print(_demo_guide(api, stack), flush=True)
            else:
                print(
                    f"GMBot is running; gateway on {stack.gateway_url}, logs in {logs}/", flush=True
                )
            while not stop.is_set():
                dead = [c.name for c in stack.children.values() if not c.running]
                if dead:
                    print(f"{', '.join(dead)} stopped; see {logs}/", file=sys.stderr)
                    return 1
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
    except RuntimeError as failure:
        print(f"could not start: {failure}; see {logs}/", file=sys.stderr)
        return 1
    finally:
        if sandbox is not None:
            await sandbox.stop()
    return 0


def main() -> None:
    sys.exit(asyncio.run(_run()))


if __name__ == "__main__":
    main()
