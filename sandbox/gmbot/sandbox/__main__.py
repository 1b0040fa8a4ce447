"""`python -m gmbot.sandbox [--host H] [--port P] [--scenario FILE]`: a local Bot API server."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from pathlib import Path

from gmbot.runtime.logs import configure_logging
from gmbot.sandbox.app import running_sandbox
from gmbot.sandbox.scenario import DEMO, Seeded, load, seed


def banner(url: str, seeded: Seeded | None) -> str:
    lines = [f"Bot API sandbox on {url}", f"  Bot API:     {url}/bot<token>/<method>"]
    lines.append(f"  control API: {url}/_sandbox/ (see sandbox/README.md)")
    if seeded is not None:
        lines.append(f"  bot @{seeded.bot.user.username}: BOT_TOKEN={seeded.bot.token}")
        lines += [f"  chat {name}: {chat_id}" for name, chat_id in seeded.chats.items()]
        lines += [f"  user {name}: {user_id}" for name, user_id in seeded.users.items()]
    return "\n".join(lines)


async def serve(host: str, port: int, scenario: Path | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with running_sandbox(host, port) as sandbox:
        seeded = seed(sandbox.telegram, load(scenario)) if scenario else None
        print(banner(sandbox.url, seeded), flush=True)  # noqa: T201 - the banner is for people
        with contextlib.suppress(asyncio.CancelledError):
            await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m gmbot.sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument(
        "--scenario", type=Path, nargs="?", const=DEMO, help="seed a world (default: the demo)"
    )
    parser.add_argument("--log-level", default="WARNING")
    args = parser.parse_args()
    configure_logging("sandbox", args.log_level, "console")
    asyncio.run(serve(args.host, args.port, args.scenario))


if __name__ == "__main__":
    main()
