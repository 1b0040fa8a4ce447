"""`python -m gmbot.devstack` (`make run`): GMBot on this machine, nothing to install.

With BOT_TOKEN set, the four services run against Telegram (or TELEGRAM_API_URL). Without it,
the Bot API sandbox starts too, seeded with a demo world, and this prints how to play in it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
import time
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from gmbot.devstack.processes import Child, wait_http
from gmbot.devstack.stack import RunningStack, StackConfig, free_port, running_stack
from gmbot.runtime.webapp import sign_init_data

DATA = Path("data")
# Telegram's light theme, as a client passes it to a Mini App (tgWebAppThemeParams).
THEME = {
    "bg_color": "#ffffff",
    "text_color": "#000000",
    "hint_color": "#707579",
    "link_color": "#3390ec",
    "button_color": "#3390ec",
    "button_text_color": "#ffffff",
    "secondary_bg_color": "#f4f4f5",
}


def _demo_world() -> Traversable:
    """The sandbox's demo world, read as data (the sandbox runs as a process of its own)."""
    return files("gmbot.sandbox") / "demo.json"


def _load(world: Traversable) -> dict[str, Any]:
    scenario: dict[str, Any] = json.loads(world.read_text())
    return scenario


def connection_file(stack: RunningStack, token: str, api: str) -> Path:
    """Writes what the `gmbot` command (and a shell, for grpcurl) needs to reach this stack."""
    path = DATA / "gmbot.env"
    lines = {
        "AUTH_TOKEN": stack.auth_token,
        **{f"{name.upper()}_ADDR": address for name, address in stack.addresses.items()},
        "BOT_TOKEN": token,
        "TELEGRAM_API_URL": api,
    }
    path.write_text("".join(f"{k}={v}\n" for k, v in lines.items()))
    path.chmod(0o600)
    return path


async def _sandbox_ids(log: Path, within: float = 10.0) -> dict[str, int]:
    """The demo world's ids, as the sandbox's banner in its log names them."""
    deadline = time.monotonic() + within
    while True:
        text = await asyncio.to_thread(lambda: log.read_text() if log.exists() else "")
        ids = {
            m[1]: int(m[2]) for m in re.finditer(r"^\s+(?:chat|user) (\w+): (-?\d+)$", text, re.M)
        }
        if ids or time.monotonic() > deadline:
            return ids
        await asyncio.sleep(0.1)


def export_lines(sandbox: str, ids: dict[str, int], config: Path) -> str:
    names = {name.upper(): value for name, value in ids.items()}
    exports = [f"export SANDBOX={sandbox}", f"export GMBOT_CONFIG={config.resolve()}"]
    exports += [f"export {name}={value}" for name, value in names.items()]
    return "\n".join(exports)


def launch_url(miniapp_url: str, token: str, user: dict[str, object]) -> str:
    """The Mini App as Telegram opens it for `user`: its launch parameters, signed with the bot's
    token, in the URL's fragment (never sent to the server, as in Telegram)."""
    init_data = sign_init_data(token, user, int(time.time()))
    launch = {
        "tgWebAppData": init_data,
        "tgWebAppVersion": "8.0",
        "tgWebAppPlatform": "web",
        "tgWebAppThemeParams": json.dumps(THEME, separators=(",", ":")),
    }
    return f"{miniapp_url}#{urlencode(launch)}"


def owner_launch_url(stack: RunningStack, token: str, ids: dict[str, int]) -> str:
    """The demo world's owner's Mini App, or an empty string when none is served."""
    owner = _load(_demo_world())["users"]["owner"]
    if stack.miniapp_url is None or "owner" not in ids:
        return ""
    user = {"id": ids["owner"], "first_name": owner["first_name"], "language_code": "en"}
    return launch_url(stack.miniapp_url, token, user)


def demo_guide(
    sandbox: str, stack: RunningStack, ids: dict[str, int], config: Path, dashboard: str
) -> str:
    scenario = _load(_demo_world())
    names = ", ".join(f"{n} ({u['first_name']})" for n, u in scenario["users"].items())
    services = ", ".join(f"{name} {address}" for name, address in stack.addresses.items())
    return f"""
GMBot is running against the Bot API sandbox (no BOT_TOKEN given).
  gateway:  {stack.gateway_url}/healthz  /readyz  /metrics
  services: {services}
  logs:     {DATA / "logs"}/
  the token and the addresses, for `gmbot` and grpcurl: {config}
The demo world: @gmbot_demo_bot, the supergroup "GMBot Demo Chat", the channels @gmbot_news and
"GMBot VIP" (private), and {names}. Alice follows both channels, Boris only @gmbot_news, Carol
none. In another shell, paste these, then play the story:

{export_lines(sandbox, ids, config)}

  # 1. the owner protects the chat with both channels
  curl -s -XPOST $SANDBOX/_sandbox/chats/$CHAT/messages \\
       -d '{{"user_id": '$OWNER', "text": "/protect @gmbot_news '$VIP'"}}'
  # 2. Carol writes without following: deleted, muted, warned with join buttons
  curl -s -XPOST $SANDBOX/_sandbox/chats/$CHAT/messages \\
       -d '{{"user_id": '$CAROL', "text": "hello"}}'
  curl -s $SANDBOX/_sandbox/chats/$CHAT/members/$CAROL        # "restricted"
  # 3. Carol joins the channels: she is unmuted without pressing anything
  curl -s -XPOST $SANDBOX/_sandbox/chats/$NEWS/join -d '{{"user_id": '$CAROL'}}'
  curl -s -XPOST $SANDBOX/_sandbox/chats/$VIP/join -d '{{"user_id": '$CAROL'}}'
  curl -s $SANDBOX/_sandbox/chats/$CHAT/members/$CAROL        # "member" again
  # what the bot did, call by call
  curl -s $SANDBOX/_sandbox/journal | python3 -m json.tool | less
  # the owners' dashboard (a Mini App), as Olga opens it in Telegram; open it in a browser,
  # then watch the story in its charts (the link is good for a day):
  #   {dashboard}
  # the operator's view (.venv/bin/gmbot reads $GMBOT_CONFIG)
  .venv/bin/gmbot groups
  .venv/bin/gmbot group $CHAT
  # grpcurl, with reflection and the token
  set -a; . $GMBOT_CONFIG; set +a
  grpcurl -plaintext -H "authorization: Bearer $AUTH_TOKEN" $MEMBERSHIP_ADDR list

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
        miniapp_port=None if sandbox is None else int(os.environ.get("MINIAPP_PORT") or 0),
    )
    try:
        async with running_stack(config) as stack:
            connections = connection_file(stack, token, api)
            if sandbox is not None:
                ids = await _sandbox_ids(logs / "sandbox.log")
                dashboard = owner_launch_url(stack, token, ids)
                print(demo_guide(api, stack, ids, connections, dashboard), flush=True)
            else:
                print(
                    f"GMBot is running; gateway on {stack.gateway_url}, logs in {logs}/; the "
                    f"token and addresses for `gmbot` and grpcurl: {connections}",
                    flush=True,
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
