"""Idle memory of every service, and where it goes.

    .venv/bin/python -m bench.idle_memory [--settle 5] [--before]

1. The whole stack as `make run` starts it (each service its own process, SQLite and in-process
   caches, the sandbox as Telegram), left idle for a few seconds: each process's resident set
   (VmRSS) and peak (VmHWM), next to a bare `python -c pass` measured in the same run, and the
   ceiling each service is held to (`CEILINGS_MIB`; tests/integration/bench/test_idle_memory.py
   measures again and fails above it).
   `--before` also starts the stack as it ran before issue 22, side by side: aiogram imported
   with all its types built, sentry_sdk imported, each database migrated by its serving process.
2. Where it goes: the resident set of a fresh interpreter after importing each heavy library a
   service loads, one at a time, minus the bare interpreter's. A library a service does not need
   while serving (alembic: only `migrate`; aiogram in `check-config`; sentry_sdk without a DSN;
   redis-py without REDIS_URL in enforcement; PostgreSQL's SQLAlchemy dialect beside SQLite;
   OpenTelemetry's SDK while tracing is off) is imported lazily, and aiogram's types are built
   when first used (gmbot.runtime.aiogram_types).
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
from pathlib import Path

from gmbot.devstack.stack import BACKENDS, StackConfig, running_stack
from gmbot.sandbox.app import running_sandbox

# What each service may hold idle, in MiB (README, "Memory").
CEILINGS_MIB = {"tenancy": 120, "membership": 120, "enforcement": 120, "gateway": 120}
# Before issue 22, at start-up: Sentry's SDK loaded without a DSN; in the services that call the
# Bot API, every aiogram type built (tenancy does not carry aiogram).
_BEFORE_IMPORTS = {"tenancy": "import sentry_sdk"}
_BEFORE_TELEGRAM = "import aiogram, sentry_sdk"

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
    "aiogram, every type built": "import aiogram, aiogram.client.session.aiohttp",
    "aiogram, types built when used": (
        "from gmbot.runtime.aiogram_types import import_aiogram\nimport_aiogram()"
    ),
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


def _as_before(data: Path) -> dict[str, dict[str, str]]:
    """Each service's environment to start as it did before issue 22: the imports it then made
    at start-up (a sitecustomize module runs them first) and its database migrated in-process."""
    env = {}
    for name in (*BACKENDS, "gateway"):
        site = data / "before-site" / name
        site.mkdir(parents=True)
        (site / "sitecustomize.py").write_text(_BEFORE_IMPORTS.get(name, _BEFORE_TELEGRAM) + "\n")
        env[name] = {"PYTHONPATH": str(site), "MIGRATE_ON_START": "true"}
    return env


async def services(settle: float, *, before: bool = False) -> dict[str, dict[str, int]]:
    async with running_sandbox() as sandbox:
        bot = await sandbox.control.create_bot("idle_bot")
        with tempfile.TemporaryDirectory() as data:
            config = StackConfig(
                data_dir=Path(data),
                bot_token=bot["token"],
                telegram_api_url=sandbox.url,
                log_dir=Path(data) / "logs",
                env=_as_before(Path(data)) if before else {},
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
    parser.add_argument(
        "--before", action="store_true", help="also the stack as it ran before issue 22"
    )
    args = parser.parse_args()
    bare = _rss_after("pass")
    measured = asyncio.run(services(args.settle))
    was = asyncio.run(services(args.settle, before=True)) if args.before else {}
    print(f"idle services (make run's defaults), bare python: {bare / 1024:.1f} MiB")
    for name, fields in measured.items():
        rss, peak = fields["VmRSS"], fields["VmHWM"]
        verdict = "ok" if rss <= CEILINGS_MIB[name] * 1024 else "OVER"
        before = f"   before {was[name]['VmRSS'] / 1024:6.1f} MiB" if name in was else ""
        print(
            f"  {name:<12} RSS {rss / 1024:6.1f} MiB ({rss / bare:4.1f}x bare)"
            f"   peak {peak / 1024:6.1f} MiB   ceiling {CEILINGS_MIB[name]} MiB: {verdict}{before}"
        )
    print("where it goes: RSS a fresh interpreter adds by importing, on its own")
    for label, imports in LIBRARIES.items():
        print(f"  {label:<30} +{(_rss_after(imports) - bare) / 1024:5.1f} MiB")


if __name__ == "__main__":
    main()
