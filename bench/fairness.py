"""Fair between groups (issue 22): while V violators raid group A, one violator writes in quiet
group B. How long B's message stays visible says whether the raid holds B's work back.

    .venv/bin/python -m bench.fairness [--users 300] [--violators 120] [--messages 1500]
        [--quiet-after 2] [--webhook] [--redis] [--postgres]

Both groups protect the same channel (so B's check and A's checks ask about the same channel),
with Telegram's limits on in the sandbox (30 requests/s, 20 messages/min per group), through the
whole of GMBot (long polling, or webhook with `--webhook`). A's burst is built as bench.burst
builds it; B's one message is posted `--quiet-after` seconds later, while A's checks are still
queued. Read from the sandbox:

  quiet group       seconds from B's message to its deletion (target <= 5 s), to the check
                    of its author (where the time went: before the check, the update was
                    not yet handled; after, the budget held B's actions back), and to the mute
  raid              as far as A got meanwhile (its violators' messages deleted, p50 / p95)
  429s              answers "Too Many Requests" to any of the bot's calls (target 0)
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from bench.outcome import Actions, Burst, Goals, deletion_targets, follow, post, timeline
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
    shuffled_writers,
)

QUIET_DELETED_GOAL = 5.0
# Issue 22's goals for the raid itself, as bench.burst judges them: here beside the quiet group,
# so one run prints every target.
RAID_DELETE_CALLS = 30
RAID_DELETED_P95 = 12.0


async def bench(args: argparse.Namespace) -> None:
    options = StackOptions(
        redis=args.redis, postgres=args.postgres, log_level=args.log_level, webhook=args.webhook
    )
    with tempfile.TemporaryDirectory() as tmp:
        data = args.keep or Path(tmp)
        async with sandbox_process(data / "logs") as sandbox:
            control = sandbox.control
            await set_limits(control, on=False)
            world = await build_world(control, "fair", 2)
            raided, quiet = world.groups
            members = await add_people(
                control, world, args.users - args.violators, subscribed=True, groups=[raided]
            )
            violators = await add_people(
                control, world, args.violators, subscribed=False, groups=[raided], prefix="V"
            )
            (lone,) = await add_people(
                control, world, 1, subscribed=False, groups=[quiet], prefix="Q"
            )
            everyone = members + violators
            writers = shuffled_writers(everyone, args.messages, args.seed)
            async with gmbot(sandbox, world, data / "gmbot", options):
                await protect_under_limits(control, world)
                print(
                    f"fairness: {args.violators} of {args.users} users raid group A with "
                    f"{args.messages} messages; {args.quiet_after:g} s later one violator writes "
                    f"in quiet group B; limits on (30 requests/s, 20 messages/min/group)\n"
                    f"  {options.describe()}\n"
                )
                actions = Actions(since=await mark(control))
                raid = await post(
                    control,
                    [(raided, user, f"message {i}") for i, user in enumerate(writers)],
                    {(raided, user) for user in violators},
                )
                await asyncio.sleep(args.quiet_after)
                lone_burst = await post(control, [(quiet, lone, "hello")], {(quiet, lone)})
                both = Burst(
                    raid.posted_at,
                    {**raid.authors, **lone_burst.authors},
                    raid.violators | lone_burst.violators,
                )
                done, last_call = await follow(
                    control,
                    world.bot_id,
                    both,
                    actions,
                    within=args.timeout,
                    idle=args.idle,
                    settle_max=args.settle,
                )
    report(raid, lone_burst, actions, done, last_call)


def report(
    raid: Burst, lone: Burst, actions: Actions, done: float | None, last_call: float
) -> None:
    (message,) = lone.authors
    (violator,) = lone.violators
    deleted = actions.deleted.get(message)
    muted = actions.first_mute.get(violator)
    delay = None if deleted is None else deleted - lone.posted_at
    mute = "never" if muted is None else f"{muted - lone.posted_at:.1f} s"
    checks = [
        float(c["time"])
        for c in actions.calls
        if c["method"] == "getChatMember" and str(c["params"].get("user_id")) == str(violator[1])
    ]
    checked = f"{min(checks) - lone.posted_at:.1f} s" if checks else "never"
    too_many = sum(actions.too_many.values())
    # Both groups handled (or as far as they got): the raid's figures against its floor.
    end = done if done is not None else (actions.last_action_at(raid) or last_call)
    least, binding = least_seconds([c for c in actions.calls if float(c["time"]) <= end])
    print(f"Bot API calls made: {len(actions.calls)} ({by_count(by_method(actions.calls))})")
    print(timeline(raid, actions))
    print(
        f"  quiet group B: its violator checked (getChatMember) after {checked}, muted after {mute}"
    )
    print(
        f"  least time the limits allow for the calls until both were handled: {least:.1f} s "
        f"({binding})"
    )
    print()
    print(
        targets(
            [
                Target(
                    "quiet group's violator's message deleted after (s)",
                    f"<= {QUIET_DELETED_GOAL:g}",
                    "never" if delay is None else f"{delay:.1f}",
                    delay is not None and delay <= QUIET_DELETED_GOAL,
                ),
                *deletion_targets(
                    raid,
                    actions,
                    Goals(delete_calls=RAID_DELETE_CALLS, deleted_p95=RAID_DELETED_P95),
                    wall=end - raid.posted_at,
                    least=least,
                    done=done is not None,
                ),
                Target(
                    "429s received (any method)",
                    "0",
                    f"{too_many}" + (f" {dict(actions.too_many)}" if too_many else ""),
                    too_many == 0,
                ),
            ]
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--violators", type=int, default=120)
    parser.add_argument("--messages", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--quiet-after", type=float, default=2.0, help="seconds after the raid B's message comes"
    )
    parser.add_argument("--webhook", action="store_true", help="updates by webhook, not polling")
    add_stack_arguments(parser)
    add_follow_arguments(parser, "raid")
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
