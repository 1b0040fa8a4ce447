"""Idle memory of every service, and where it goes.

    .venv/bin/python -m bench.idle_memory [--settle 5]

1. The whole stack as `make run` starts it (each service its own process, SQLite and in-process
   caches, the sandbox as Telegram), left idle for a few seconds: each process's resident set
   (VmRSS) and peak (VmHWM), next to a bare `python -c pass` measured in the same run.
2. Where it goes: the resident set of a fresh interpreter after importing each heavy library a
   service loads, one at a time, minus the bare interpreter's. A library a service does not need
   while serving (alembic: only `migrate`; aiogram in `check-config`) is imported lazily.
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

from gmbot.devstack.stack import StackConfig, running_stack
from gmbot.sandbox.app import running_sandbox

# What each service imports at start-up, heaviest first (measured on its own below).
LIBRARIES = {
    "grpc (+health, reflection)": (
        "import grpc, grpc_health.v1.health, grpc_reflection.v1alpha.reflection"
    ),
    "pydantic + settings": "import pydantic, pydantic_settings",
    "sentry_sdk": "import sentry_sdk",
    "prometheus_client": "import prometheus_client",
    "structlog": "import structlog",
    "sqlalchemy (async) + asyncpg": "import sqlalchemy.ext.asyncio, asyncpg, aiosqlite",
    "alembic": "import alembic.command",
    "redis": "import redis.asyncio",
    "aiogram": "import aiogram, aiogram.client.session.aiohttp",
    "aiohttp": "import aiohttp.web",
    "gmbot.v1 (the contracts)": (
        "import gmbot.v1.tenancy_pb2_grpc, gmbot.v1.membership_pb2_grpc, "
        "gmbot.v1.enforcement_pb2_grpc"
    ),
}
_MEASURE = (
    "{imports}\nimport re\n"
    "status = open('/proc/self/status').read()\n"
    "print(re.search(r'VmRSS:\\s+(\\d+)', status)[1])"
)


def _status(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def _rss_after(imports: str) -> int:
    output = subprocess.run(  # noqa: S603 - this interpreter, our own imports
        [sys.executable, "-c", _MEASURE.format(imports=imports)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(output)


async def services(settle: float) -> dict[str, dict[str, int]]:
    async with running_sandbox() as sandbox:
        bot = await sandbox.control.create_bot("idle_bot")
        with tempfile.TemporaryDirectory() as data:
            config = StackConfig(
                data_dir=Path(data),
                bot_token=bot["token"],
                telegram_api_url=sandbox.url,
                log_dir=Path(data) / "logs",
            )
            async with running_stack(config) as stack:
                await asyncio.sleep(settle)
                return {
                    name: _status(child.process.pid)
                    for name, child in stack.children.items()
                    if child.process is not None
                }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--settle", type=float, default=5.0, help="idle seconds before measuring")
    args = parser.parse_args()
    bare = _rss_after("pass")
    measured = asyncio.run(services(args.settle))
    print(f"idle services (make run's defaults), bare python: {bare / 1024:.1f} MiB")
    for name, fields in measured.items():
        rss, peak = fields["VmRSS"], fields["VmHWM"]
        print(
            f"  {name:<12} RSS {rss / 1024:6.1f} MiB ({rss / bare:4.1f}x bare)"
            f"   peak {peak / 1024:6.1f} MiB"
        )
    print("where it goes: RSS a fresh interpreter adds by importing, on its own")
    for label, imports in LIBRARIES.items():
        print(f"  {label:<30} +{(_rss_after(imports) - bare) / 1024:5.1f} MiB")


if __name__ == "__main__":
    main()
