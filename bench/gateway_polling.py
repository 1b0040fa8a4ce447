"""Throughput with long polling and Telegram's limits on: GMBot's four processes next to the
floor, a single-process aiogram guard (bench.baseline_bot: aiogram's own polling, its filters, a
warm in-memory cache), and with `--peer` any other bot, all polling the same sandbox (in its own
process) as separate bots with their own groups and channel.

    .venv/bin/python -m bench.gateway_polling [--messages 2000] [--members 50] [--groups 50]
        [--rounds 3] [--redis] [--postgres] [--log-level INFO] [--peer COMMAND]

`--peer COMMAND`: a bot of anyone's, started by this command line (split as a shell would,
run here), reading BOT_TOKEN, TELEGRAM_API_URL and BENCH_WORLD as bench.peer documents; it gets a
world like the others' and the same load, and is reported as "peer" in the same table.

Each bot's world: a public channel and 1 + G supergroups linked to it, M members subscribed to
the channel and in every group, all there before the bot arrived. GMBot protects its groups
with /protect (limits off while the worlds are built, on from then). Then, for each scenario,
each member speaks once (so caches are warm) and N messages from random members are injected in
one control call, once for each bot (alternating which goes first, `--rounds` times):

  1 group   all N messages in one busy protected group
  G groups  the N messages spread evenly over G other protected groups

Measured by the sandbox: from the moment the last message was posted to the moment the bot
confirmed the last update (its getUpdates offset; aiogram's own polling, the floor's and most
peers', confirms a batch as it hands its updates to tasks, GMBot once each is handled or kept);
a scenario's figure is the median of its rounds, the order of the bots reversed from round to
round. Reported per bot: updates/s and the ratios GMBot/baseline and GMBot/peer (target >= 1.0),
Bot API calls per 1,000 messages (from the
sandbox's per-bot counters; target <= 1 once warm, and <= 25 over the first sight of the M
senders: the warm-up plus the first round), and GMBot's gRPC round trips per allowed message
from the gateway's /metrics (a back-end call counter, health checks left out; "n/a" when there
is none).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path

from bench.metrics import backend_calls
from bench.peer import baseline_process, peer_process
from bench.report import Target, by_count, table, targets
from bench.world import (
    BOOKKEEPING,
    Json,
    Sandbox,
    StackOptions,
    World,
    add_people,
    add_stack_arguments,
    build_world,
    confirmed,
    gmbot,
    protect,
    sandbox_process,
    set_limits,
)
from gmbot.sandbox.client import SandboxClient


@dataclass
class Round:
    scenario: str
    bot: str
    messages: int
    confirmed: int
    seconds: float
    calls: dict[str, int]
    errors: int
    grpc_calls: tuple[str, float] | None  # the gateway's metric, and its increase
    timed_out: bool

    @property
    def rate(self) -> float:
        return self.confirmed / self.seconds if self.seconds > 0 else 0.0

    @property
    def calls_total(self) -> int:
        return sum(self.calls.values())


@dataclass(frozen=True)
class Cost:
    """Bot API calls spent over some messages."""

    messages: int
    calls: dict[str, int]
    too_many: int = 0  # of those calls, answered 429

    @property
    def per_thousand(self) -> float:
        return sum(self.calls.values()) / self.messages * 1000 if self.messages else 0.0

    def describe(self) -> str:
        spent = sum(self.calls.values())
        return (
            f"{spent} calls for {self.messages} msgs"
            + (f": {by_count(self.calls)}" if spent else "")
            + (f"; {self.too_many} answered 429" if self.too_many else "")
        )


def too_many(counters: Json) -> int:
    return int(counters["errors"].get("429", 0))


def metered(counters: Json) -> dict[str, int]:
    return {m: int(n) for m, n in counters["methods"].items() if m not in BOOKKEEPING}


def delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {m: n - before.get(m, 0) for m, n in after.items() if n - before.get(m, 0)}


async def inject(
    control: SandboxClient, world: World, plan: list[tuple[int, int]], within: float
) -> tuple[float, int, Json]:
    """Posts the plan's (group index, member index) messages in one call; waits until the bot
    confirmed them all. Seconds from the last post to the last confirmation (to the give-up
    when it timed out), how many of the updates were confirmed by then, and the queue."""
    messages = [
        (world.groups[g], world.subscribed[m], f"message {i}") for i, (g, m) in enumerate(plan)
    ]
    answer = await control.say_many(messages)
    last = int(answer["last_update_ids"][str(world.bot_id)])
    state = await confirmed(control, world.bot_id, last, within)
    posted_at = float(answer["at"])
    if state.get("timed_out"):
        seconds = time.time() - posted_at
    else:
        seconds = float(state["confirmed_at"]) - posted_at
    # The burst's updates are the bot's last len(plan) ones: nothing else pushes meanwhile.
    done = min(len(plan), int(state["confirmed_below"]) - (last - len(plan) + 1))
    return seconds, done, state


async def timed_round(
    sandbox: Sandbox,
    world: World,
    label: str,
    scenario: str,
    plan: list[tuple[int, int]],
    gateway_url: str | None,
    within: float,
) -> Round:
    control = sandbox.control
    before = await control.counters(bot_id=world.bot_id)
    grpc_before = await backend_calls(gateway_url) if gateway_url else None
    seconds, done, state = await inject(control, world, plan, within)
    await asyncio.sleep(0.3)  # a call caused by the last update shows up in the counters
    after = await control.counters(bot_id=world.bot_id)
    grpc_after = await backend_calls(gateway_url) if gateway_url else None
    grpc = None
    if grpc_before is not None and grpc_after is not None:
        grpc = (grpc_after[0], grpc_after[1] - grpc_before[1])
    return Round(
        scenario,
        label,
        len(plan),
        done,
        seconds,
        delta(metered(after), metered(before)),
        too_many(after) - too_many(before),
        grpc,
        bool(state.get("timed_out")),
    )


def plans(
    messages: int, members: int, groups: int, seed: int
) -> tuple[
    list[tuple[int, int]], list[tuple[int, int]], list[tuple[int, int]], list[tuple[int, int]]
]:
    """(group index, member index) lists: warm-up and load for the busy group (index 0), then
    for the G other groups (indices 1..G). The same lists drive both bots."""
    rng = random.Random(seed)
    busy_warm = [(0, m) for m in range(members)]
    busy = [(0, rng.randrange(members)) for _ in range(messages)]
    spread_warm = [(1 + k % groups, k % members) for k in range(max(members, groups))]
    spread = [(1 + k % groups, rng.randrange(members)) for k in range(messages)]
    return busy_warm, busy, spread_warm, spread


async def bench(args: argparse.Namespace) -> None:
    options = StackOptions(redis=args.redis, postgres=args.postgres, log_level=args.log_level)
    with tempfile.TemporaryDirectory() as tmp:
        data = args.keep or Path(tmp)
        async with sandbox_process(data / "logs") as sandbox:
            control = sandbox.control
            await set_limits(control, on=False)
            ours = await build_world(control, "gmbot", 1 + args.groups)
            others = {"baseline": await build_world(control, "floor", 1 + args.groups)}
            if args.peer:
                others["peer"] = await build_world(control, "peer", 1 + args.groups)
            for world in (ours, *others.values()):
                await add_people(control, world, args.members, subscribed=True, groups=world.groups)
            async with (
                gmbot(sandbox, ours, data / "gmbot", options) as stack,
                baseline_process(sandbox, others["baseline"], data),
                AsyncExitStack() as peers,
            ):
                if args.peer:
                    await peers.enter_async_context(
                        peer_process(sandbox, others["peer"], data, args.peer)
                    )
                await protect(control, ours)
                await asyncio.sleep(1)  # what /protect caused settles before the figures start
                await set_limits(control, on=True)
                print(
                    f"gateway_polling: {args.messages} messages from {args.members} subscribed "
                    "members, limits on (30 requests/s, 20 messages/min/group)\n"
                    f"  {options.describe()}\n"
                    "  baseline: one aiogram process (bench.baseline_bot), long polling"
                )
                if args.peer:
                    print(f"  peer: {args.peer}")
                print()
                before = too_many(await control.counters(bot_id=ours.bot_id))
                rounds, cold = await run_scenarios(sandbox, stack.gateway_url, ours, others, args)
                after = too_many(await control.counters(bot_id=ours.bot_id))
                report(rounds, cold, after - before, args)


async def run_scenarios(
    sandbox: Sandbox,
    gateway_url: str,
    ours: World,
    others: dict[str, World],
    args: argparse.Namespace,
) -> tuple[list[Round], dict[str, Cost]]:
    control = sandbox.control
    busy_warm, busy, spread_warm, spread = plans(
        args.messages, args.members, args.groups, args.seed
    )
    rounds: list[Round] = []
    cold: dict[str, Cost] = {}
    for scenario, warm, load in (
        ("1 group", busy_warm, busy),
        (f"{args.groups} groups", spread_warm, spread),
    ):
        first_sight = await control.counters(bot_id=ours.bot_id)
        for world in (*others.values(), ours):
            await inject(control, world, warm, args.timeout)
        for r in range(args.rounds):
            order = [
                *((label, world, None) for label, world in others.items()),
                ("GMBot", ours, gateway_url),
            ]
            for label, world, url in order if r % 2 == 0 else order[::-1]:
                rounds.append(
                    await timed_round(sandbox, world, label, scenario, load, url, args.timeout)
                )
            if r == 0:
                now = await control.counters(bot_id=ours.bot_id)
                cold[scenario] = Cost(
                    len(warm) + len(load),
                    delta(metered(now), metered(first_sight)),
                    too_many(now) - too_many(first_sight),
                )
    return rounds, cold


def report(
    rounds: list[Round], cold: dict[str, Cost], rejected: int, args: argparse.Namespace
) -> None:
    rows = []
    for r in rounds:
        per_msg = "n/a" if r.grpc_calls is None else f"{r.grpc_calls[1] / r.messages:.2f}"
        if r.bot != "GMBot":
            per_msg = "-"
        rows.append(
            [
                r.scenario,
                r.bot,
                f"{r.seconds:.2f}" + (" (timed out)" if r.timed_out else ""),
                f"{r.rate:.0f}",
                f"{r.calls_total / r.messages * 1000:.1f}",
                str(r.errors),
                per_msg,
            ]
        )
    print(table(["scenario", "bot", "wall s", "updates/s", "Bot API/1k", "429s", "gRPC/msg"], rows))
    checks = []
    bots = list(dict.fromkeys(r.bot for r in rounds))
    for scenario in dict.fromkeys(r.scenario for r in rounds):
        rate = {
            bot: statistics.median(
                r.rate for r in rounds if r.scenario == scenario and r.bot == bot
            )
            for bot in bots
        }
        for other in (bot for bot in bots if bot != "GMBot"):
            ratio = rate["GMBot"] / rate[other] if rate[other] else 0.0
            checks.append(
                Target(
                    f"throughput GMBot/{other}, {scenario}",
                    ">= 1.0",
                    f"{ratio:.2f} ({rate['GMBot']:.0f} vs {rate[other]:.0f} updates/s)",
                    ratio >= 1.0,
                )
            )
    for n, cost in enumerate(cold.values()):
        first = f"{args.members} senders" if n == 0 else f"{args.groups} more groups"
        checks.append(
            Target(
                f"Bot API calls/1k messages incl. first sight of {first}",
                "<= 25" if n == 0 else "info",
                f"{cost.per_thousand:.1f} ({cost.describe()})",
                cost.per_thousand <= 25 if n == 0 else None,
            )
        )
    warm = [r for r in rounds if r.bot == "GMBot"]
    spent: Counter[str] = Counter()
    for r in warm:
        spent.update(r.calls)
    once_warm = Cost(sum(r.messages for r in warm), dict(spent), sum(r.errors for r in warm))
    checks.append(
        Target(
            "Bot API calls/1k messages once warm",
            "<= 1",
            f"{once_warm.per_thousand:.2f} ({once_warm.describe()})",
            once_warm.per_thousand <= 1,
        )
    )
    counted = [(r.grpc_calls, r.messages) for r in warm if r.grpc_calls is not None]
    per_message = "n/a"
    if counted:
        median = statistics.median(calls / messages for (_, calls), messages in counted)
        per_message = f"{median:.2f} ({counted[0][0][0]})"
    checks.append(Target("gRPC round trips per allowed message (GMBot)", "info", per_message, None))
    checks.append(
        Target(
            "429s received by GMBot (warm-ups and rounds)",
            "0",
            f"{rejected} ({sum(r.errors for r in warm)} in timed rounds)",
            rejected == 0,
        )
    )
    print()
    print(targets(checks))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--groups", type=int, default=50, help="groups of the spread scenario")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per scenario and bot")
    add_stack_arguments(parser)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds a round may take")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--peer",
        metavar="COMMAND",
        help="another bot's command line, measured alongside (env: see bench.peer)",
    )
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
