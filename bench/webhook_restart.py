"""Issue 21 in webhook mode: the burst of bench.burst (U users, V of them not subscribed, M
messages at once in one protected group, Telegram's limits on), the gateway taking updates by
webhook, killed with SIGKILL once K % of the burst was confirmed and started again S seconds
later.

    .venv/bin/python -m bench.webhook_restart [--users 300] [--violators 120] [--messages 1500]
        [--kill-at 0.3] [--down 3] [--redis] [--postgres]

Reads the sandbox's journal and reports, per phase (before the kill, while the gateway was
down, after the restart):

  429s        answers "Too Many Requests", by method and chat (target 0)
  tightest    the least time 31 metered calls took to arrive: under 1 s is a 429 at 30/s; the
              budget itself grants 31 calls no faster than 29.5 intervals (1.0325 s), so what is
              below that is how much arrival jitter ate of the margin
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.outcome import Actions, follow, post
from bench.world import (
    PER_SECOND,
    StackOptions,
    add_follow_arguments,
    add_people,
    add_stack_arguments,
    build_world,
    gmbot,
    mark,
    protect_under_limits,
    sandbox_process,
    set_limits,
    shuffled_writers,
    until,
)
from gmbot.sandbox.client import Json

# Long polling and webhook bookkeeping: outside Telegram's request budget (as the sandbox counts).
BOOKKEEPING = frozenset({"getUpdates", "getWebhookInfo", "setWebhook", "deleteWebhook", "getMe"})


def tightest(calls: list[Json]) -> float | None:
    """The least seconds between a call and the one PER_SECOND calls after it."""
    times = sorted(float(c["time"]) for c in calls if c["method"] not in BOOKKEEPING)
    spans = [times[i + PER_SECOND] - times[i] for i in range(len(times) - PER_SECOND)]
    return min(spans, default=None)


async def bench(args: argparse.Namespace) -> None:
    options = StackOptions(
        redis=args.redis, postgres=args.postgres, log_level=args.log_level, webhook=True
    )
    with tempfile.TemporaryDirectory() as tmp:
        data = args.keep or Path(tmp)
        async with sandbox_process(data / "logs") as sandbox:
            control = sandbox.control
            await set_limits(control, on=False)
            world = await build_world(control, "restart", 1)
            group = world.groups[0]
            members = await add_people(
                control, world, args.users - args.violators, subscribed=True, groups=[group]
            )
            violators = await add_people(
                control, world, args.violators, subscribed=False, groups=[group], prefix="V"
            )
            everyone = members + violators
            writers = shuffled_writers(everyone, args.messages, args.seed)
            async with gmbot(sandbox, world, data / "gmbot", options) as stack:
                # The greeting of the bot's arrival comes by webhook first: not /protect's answer.
                await asyncio.sleep(4)
                await protect_under_limits(control, world)
                print(
                    f"webhook restart: {args.users} users ({args.violators} not subscribed) "
                    f"post {args.messages} messages at once; the gateway killed at "
                    f"{args.kill_at:.0%} of the burst, restarted {args.down:.0f} s later\n"
                    f"  {options.describe()}\n"
                )
                start = await mark(control)
                actions = Actions(since=start)
                first = int((await control.bot_queue(world.bot_id))["last_update_id"])
                posting = asyncio.create_task(
                    post(
                        control,
                        [(group, user, f"message {i}") for i, user in enumerate(writers)],
                        {(group, user) for user in violators},
                    )
                )

                async def far_enough() -> bool:
                    confirmed = int((await control.bot_queue(world.bot_id))["confirmed_below"])
                    return bool(confirmed - first >= args.kill_at * args.messages)

                if not await until(far_enough, args.timeout, every=0.02):
                    raise RuntimeError(f"not {args.kill_at:.0%} of the burst in {args.timeout} s")
                stack.child("gateway").kill()
                killed = await mark(control)
                burst = await posting
                await asyncio.sleep(args.down)
                begun = time.monotonic()
                await stack.restart("gateway")
                restarted = await mark(control)
                print(f"  restarted in {time.monotonic() - begun:.1f} s")
                await follow(
                    control,
                    world.bot_id,
                    burst,
                    actions,
                    within=args.timeout,
                    idle=args.idle,
                    settle_max=args.settle,
                )
                calls = await control.journal(bot_id=world.bot_id, since=start)
    phases = {
        "before the kill": [c for c in calls if int(c["seq"]) <= killed],
        "gateway down": [c for c in calls if killed < int(c["seq"]) <= restarted],
        "after the restart": [c for c in calls if int(c["seq"]) > restarted],
    }
    for name, phase in phases.items():
        too_many = Counter(
            (str(c["method"]), c["params"].get("chat_id")) for c in phase if c["error_code"] == 429
        )
        least = tightest(phase)
        span = "-" if least is None else f"{least:.4f} s"
        print(f"  {name}: {len(phase)} calls, 429s {dict(too_many)}, tightest 31 calls {span}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--violators", type=int, default=120)
    parser.add_argument("--messages", type=int, default=1500)
    parser.add_argument("--kill-at", type=float, default=0.3, help="share of the burst confirmed")
    parser.add_argument("--down", type=float, default=3.0, help="seconds the gateway stays dead")
    parser.add_argument("--seed", type=int, default=11)
    add_stack_arguments(parser)
    add_follow_arguments(parser, "burst")
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
