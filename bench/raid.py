"""A raid through the whole of GMBot: V first-seen users (never seen by GMBot; V/G per group)
post at once in G protected groups, every one of them a violator (not subscribed), with
Telegram's limits on in the sandbox (30 requests/s, 20 messages/min per group).

    .venv/bin/python -m bench.raid [--violators 300] [--groups 3] [--webhook]
        [--redis] [--postgres]

The four services run as `make run` starts them (long polling, or webhook with `--webhook`), the
sandbox in its own process.
The raiders were members of the groups before the bot arrived (GMBot has never heard of them);
the owner protects the groups (limits off while the world is built, on from then), then every
raider's message is posted in one control call. Read from the sandbox's journal and state:

  429s          answers "Too Many Requests" to any of the bot's calls (target 0)
  deleted       raiders' messages deleted (target all)
  muted         raiders muted, and muted exactly once (one successful restrictChatMember each)
  calls         Bot API calls made, by method
  least         the least time the limits allow for the calls made until the raid was handled:
                calls / 30 per second, or the busiest group's sendMessage at 20 a minute
                (its n-th message cannot go before minute (n-1) // 20), whichever binds
  wall          from the moment the messages were posted until the last raider was muted and
                the last message deleted; the ratio wall / least (target <= 1.10)
  deletions     delete calls and the time from posting to each raider's message's deletion,
                p50 and p95
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from bench.metrics import service_story
from bench.outcome import (
    Actions,
    Burst,
    Goals,
    State,
    deletion_targets,
    follow,
    post,
    read_state,
    timeline,
)
from bench.report import Target, by_count, targets
from bench.world import (
    StackOptions,
    add_follow_arguments,
    add_people,
    add_stack_arguments,
    build_world,
    by_method,
    gmbot,
    least_seconds,
    mark,
    protect_under_limits,
    sandbox_process,
    set_limits,
)


async def bench(args: argparse.Namespace) -> None:
    options = StackOptions(
        redis=args.redis, postgres=args.postgres, log_level=args.log_level, webhook=args.webhook
    )
    with tempfile.TemporaryDirectory() as tmp:
        data = args.keep or Path(tmp)
        async with sandbox_process(data / "logs") as sandbox:
            control = sandbox.control
            await set_limits(control, on=False)
            world = await build_world(control, "raid", args.groups)
            per_group = args.violators // args.groups
            raiders = [
                [
                    (group, user)
                    for user in await add_people(
                        control, world, per_group, subscribed=False, groups=[group], prefix="R"
                    )
                ]
                for group in world.groups
            ]
            async with gmbot(sandbox, world, data / "gmbot", options) as stack:
                await protect_under_limits(control, world)
                print(
                    f"raid: {per_group * args.groups} first-seen violators post at once in "
                    f"{args.groups} protected groups, limits on (30 requests/s, "
                    "20 messages/min/group)\n"
                    f"  {options.describe()}\n"
                )
                # Round-robin over the groups, as a raid arrives.
                order = [raider for wave in zip(*raiders, strict=True) for raider in wave]
                actions = Actions(since=await mark(control))
                burst = await post(
                    control, [(g, u, "join my channel!") for g, u in order], set(order)
                )
                done, last_call = await follow(
                    control,
                    world.bot_id,
                    burst,
                    actions,
                    within=args.timeout,
                    idle=args.idle,
                    settle_max=args.settle,
                )
                state = await read_state(control, burst, burst.violators)
                story = await service_story(stack)
    report(burst, actions, state, done, last_call)
    print("\nWhat the services counted (their /metrics, whole run):", *story, sep="\n")


def report(
    burst: Burst, actions: Actions, state: State, done: float | None, last_call: float
) -> None:
    violators = burst.violators
    messages = burst.violator_messages()
    # Not handled: as far as it got (its last action against a violator).
    end = done if done is not None else (actions.last_action_at(burst) or last_call)
    needed = [c for c in actions.calls if float(c["time"]) <= end]
    least, binding = least_seconds(needed)
    wall = end - burst.posted_at
    once = sum(1 for k in violators if actions.mutes[k] == 1)
    twice = sum(1 for k in violators if actions.mutes[k] > 1)
    too_many = sum(actions.too_many.values())
    methods = by_method(actions.calls)
    print(f"Bot API calls made: {len(actions.calls)} ({by_count(methods)})")
    when = (
        f"{wall:.1f} s"
        if done is not None
        else f"not handled; its last action against a violator came after {wall:.1f} s"
    )
    print(f"  wall time until every raider was muted and every message deleted: {when}")
    print(f"  calls up to then: {len(needed)}; after: {len(actions.calls) - len(needed)}")
    print(f"  least time the limits allow for the calls up to then: {least:.1f} s ({binding})")
    print(timeline(burst, actions))
    print(f"  last call {last_call - burst.posted_at:.1f} s after the raid was posted")
    warned = sum(1 for _, u in violators if actions.warnings[u] >= 1)
    most = max((actions.warnings[u] for _, u in violators), default=0)
    print(
        f"  warnings: {methods.get('sendMessage', 0)} sendMessage; raiders named in one: "
        f"{warned}/{len(violators)}, at most {most} times"
    )
    print()
    print(
        targets(
            [
                Target(
                    "429s received (any method)",
                    "0",
                    f"{too_many} {dict(actions.too_many) or ''}".strip(),
                    too_many == 0,
                ),
                Target(
                    "raiders' messages deleted",
                    f"all {len(messages)}",
                    str(len(messages) - len(state.undeleted)),
                    not state.undeleted,
                ),
                Target(
                    "raiders muted",
                    f"all {len(violators)}",
                    str(len(state.muted & violators)),
                    violators <= state.muted,
                ),
                Target(
                    "raiders muted exactly once",
                    f"all {len(violators)}",
                    f"{once} (more than once: {twice})",
                    once == len(violators),
                ),
                *deletion_targets(
                    burst, actions, Goals(), wall=wall, least=least, done=done is not None
                ),
            ]
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--violators", type=int, default=300)
    parser.add_argument("--groups", type=int, default=3)
    parser.add_argument("--webhook", action="store_true", help="updates by webhook, not polling")
    add_stack_arguments(parser)
    add_follow_arguments(parser, "raid")
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
