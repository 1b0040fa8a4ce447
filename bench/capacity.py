"""What one update costs each service, and what GMBot holds per member and per group: the
figures docs/capacity.md scales to 200,000 groups, 50 million members and 5,000 updates/s.

    .venv/bin/python -m bench.capacity [--groups 4] [--members 20] [--rounds 2]
        [--violators 8] [--joins 8] [--idle 10] [--redis] [--postgres] [--json PATH]

The four services run as the other benches start them, against the sandbox with Telegram's
limits on. First they are left idle a few seconds; then the load, one kind at a time
(bench.capacity_load): every member writes in every group (the first round finds them, the
others know them), every violator writes once, people join (half follow the channel). Measured
from outside the services, between marks before and after each:

  CPU           user + system seconds of each service's process (/proc/<pid>/stat) per update
                delivered to the bot, next to the machine's load average (it is shared); also
                net of what the services spend idle (health checks, polls) for as long
  Redis         with --redis, a Redis server of this run's own: commands per update (INFO
                commandstats), also net of the idle ones; the bytes its keys hold (MEMORY
                USAGE) per member, per group and per update (keys that name neither:
                de-duplication, queues)
  PostgreSQL    with --postgres, each fresh database's transactions and rows written per update
                (pg_stat_database), and its tables' rows and bytes (pg_total_relation_size, and
                the rows' own bytes)
  Bot API       calls per member's message, per violator, per join (the sandbox's journal)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from dataclasses import asdict
from pathlib import Path
from typing import Any

from redis.asyncio import Redis

from bench.capacity_load import People, Sizes, build_people, join, members_write, violators_write
from bench.capacity_probes import (
    command_calls,
    cpu_seconds,
    database_work,
    key_usage,
    table_sizes,
)
from bench.capacity_report import figures, figures_table
from bench.world import (
    POSTGRES_URL,
    SERVICES,
    StackOptions,
    add_stack_arguments,
    gmbot,
    protect,
    sandbox_process,
    set_limits,
)
from gmbot.devstack.stack import RunningStack
from gmbot.sandbox.client import SandboxClient
from tests.support.redis_server import private_redis

Json = dict[str, Any]
WITHIN = 120.0  # seconds any phase may take


def _databases(stack: RunningStack) -> dict[str, str]:
    """The run's fresh PostgreSQL databases by service (none on SQLite)."""
    config = stack.config
    urls = {"tenancy": config.tenancy_database_url, "enforcement": config.enforcement_database_url}
    return {name: url for name, url in urls.items() if url is not None}


async def _snapshot(stack: RunningStack, redis: Redis | None, bot_queue: Json) -> Json:
    return {
        "at": time.monotonic(),
        "load": os.getloadavg(),
        "updates": int(bot_queue["last_update_id"]),
        "cpu": {s: cpu_seconds(_pid(stack, s)) for s in SERVICES},
        "redis": await command_calls(redis) if redis is not None else {},
        "postgres": {
            name: asdict(await database_work(POSTGRES_URL, url))
            for name, url in _databases(stack).items()
        },
    }


def _pid(stack: RunningStack, service: str) -> int:
    process = stack.child(service).process
    if process is None:
        raise RuntimeError(f"{service} is not running")
    return int(process.pid)


async def _flushed(
    stack: RunningStack, redis: Redis | None, bot_id: int, control: SandboxClient
) -> Json:
    """A snapshot once PostgreSQL's figures stop moving: an idle backend reports its work
    within ten seconds, a busy one within one."""
    last = await _snapshot(stack, redis, await control.bot_queue(bot_id))
    for _ in range(12 if _databases(stack) else 0):
        await asyncio.sleep(1.0)
        now = await _snapshot(stack, redis, await control.bot_queue(bot_id))
        if now["postgres"] == last["postgres"]:
            return last
        last = now
    return last


async def _held(stack: RunningStack, redis: Redis | None, people: People) -> Json:
    """What the run's state holds at its end: Redis keys and PostgreSQL tables."""
    held: Json = {}
    if redis is not None:
        prefix = stack.config.env["gateway"]["REDIS_PREFIX"].removesuffix("gateway:")
        groups = set(people.world.groups) | {people.world.channel}
        usage = await key_usage(redis, prefix, people.users, groups)
        held["redis"] = asdict(usage)
    for name, url in _databases(stack).items():
        held.setdefault("postgres", {})[name] = [asdict(t) for t in await table_sizes(url)]
    return held


async def measure(sizes: Sizes, options: StackOptions, data: Path) -> Json:
    """One run: the load of `sizes` through a stack of `options`; the raw figures."""
    async with AsyncExitStack() as context:
        redis: Redis | None = None
        if options.redis:
            url = await context.enter_async_context(private_redis())
            options = StackOptions(**{**asdict(options), "redis_url": url})
            redis = Redis.from_url(url)
            context.push_async_callback(redis.aclose)
        sandbox = await context.enter_async_context(sandbox_process(data / "logs"))
        control = sandbox.control
        await set_limits(control, on=False)
        people = await build_people(control, sizes)
        stack = await context.enter_async_context(gmbot(sandbox, people.world, data, options))
        await protect(control, people.world)
        await set_limits(control, on=True)
        bot_id = people.world.bot_id
        before = await _flushed(stack, redis, bot_id, control)
        await asyncio.sleep(sizes.idle)
        idle = await _snapshot(stack, redis, await control.bot_queue(bot_id))
        phases = [
            await members_write(control, people, range(1), WITHIN),
            await members_write(control, people, range(1, sizes.rounds), WITHIN),
            await violators_write(control, people, WITHIN),
            await join(control, people, True, WITHIN),
            await join(control, people, False, WITHIN),
        ]
        after = await _flushed(stack, redis, bot_id, control)
        return {
            "sizes": asdict(sizes),
            "stack": options.describe(),
            "users": len(people.users),
            "groups": sizes.groups,
            "before": before,
            "idle": idle,
            "after": after,
            "phases": {p.name: p.per_subject() for p in phases if p.subjects},
            "held": await _held(stack, redis, people),
        }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    defaults = Sizes()
    for name, value in asdict(defaults).items():
        parser.add_argument(f"--{name}", type=int, default=value)
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    add_stack_arguments(parser)
    args = parser.parse_args()
    sizes = Sizes(**{name: getattr(args, name) for name in asdict(defaults)})
    options = StackOptions(redis=args.redis, postgres=args.postgres, log_level=args.log_level)
    with tempfile.TemporaryDirectory() as tmp:
        raw = asyncio.run(measure(sizes, options, args.keep or Path(tmp)))
    found = figures(raw, command=" ".join(["python -m bench.capacity", *sys.argv[1:]]))
    print(figures_table(found))
    if args.json:
        args.json.write_text(json.dumps(found, indent=2) + "\n")


if __name__ == "__main__":
    main()
