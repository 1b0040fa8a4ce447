"""The burst from issue 11: U users, V of them not subscribed, post M messages at once in one
protected group, with Telegram's limits on in the sandbox (30 requests/s, 20 messages/min per
group), through the whole of GMBot (long polling, or webhook with `--webhook`).

    .venv/bin/python -m bench.burst [--users 300] [--violators 120] [--messages 1500]
        [--webhook] [--redis] [--postgres]

Everyone was in the group before the bot arrived (GMBot has never heard of them); the U - V
members follow the group's channel. The owner protects the group (limits off while the world is
built, on from then); then the M messages (every user writes M/U of them, shuffled) are posted
in one control call. Read from the sandbox's journal and state:

  undeleted     violators' messages left in the group (target 0)
  muted once    violators with exactly one successful muting restrictChatMember (target all)
  warnings      sendMessage naming a violator, per violator (target <= 1)
  members       subscribed members touched by any action: restricted, banned, a message of
                theirs deleted, named in a warning (target 0)
  429s          answers "Too Many Requests" to any of the bot's calls (target 0)
  wall          from the moment the messages were posted until the last violator was muted and
                the last of their messages deleted; wall / floor, the least time the limits
                allow for the calls made until then (target <= 1.10)
  deletions     delete calls (target <= 30) and the time from posting to the deletion of each
                violator's message, p50 and p95 (target p95 <= 12 s)
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
    shuffled_writers,
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
            world = await build_world(control, "burst", 1)
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
                await protect_under_limits(control, world)
                print(
                    f"burst: {args.users} users ({args.violators} not subscribed) post "
                    f"{args.messages} messages at once in one protected group, limits on "
                    f"(30 requests/s, 20 messages/min/group)\n  {options.describe()}\n"
                )
                actions = Actions(since=await mark(control))
                burst = await post(
                    control,
                    [(group, user, f"message {i}") for i, user in enumerate(writers)],
                    {(group, user) for user in violators},
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
                state = await read_state(control, burst, {(group, u) for u in everyone})
                story = await service_story(stack)
    report(burst, actions, state, done, last_call, set(members))
    print("\nWhat the services counted (their /metrics, whole run):", *story, sep="\n")


def report(
    burst: Burst,
    actions: Actions,
    state: State,
    done: float | None,
    last_call: float,
    members: set[int],
) -> None:
    violators = burst.violators
    messages = burst.violator_messages()
    methods = by_method(actions.calls)
    # Not handled: as far as it got (its last action against a violator).
    end = done if done is not None else (actions.last_action_at(burst) or last_call)
    least, binding = least_seconds([c for c in actions.calls if float(c["time"]) <= end])
    wall = end - burst.posted_at
    once = sum(1 for k in violators if actions.mutes[k] == 1)
    never = sum(1 for k in violators if actions.mutes[k] == 0)
    more = sum(1 for k in violators if actions.mutes[k] > 1)
    warnings = [actions.warnings[u] for _, u in violators]
    touched = {u: sorted(m) for u, m in actions.touched.items() if u in members}
    too_many = sum(actions.too_many.values())
    print(f"Bot API calls made: {len(actions.calls)} ({by_count(methods)})")
    when = (
        f"{wall:.1f} s"
        if done is not None
        else f"not handled; its last action against a violator came after {wall:.1f} s"
    )
    print(f"  wall time until every violator was muted and their messages deleted: {when}")
    print(f"  least time the limits allow for the calls until then: {least:.1f} s ({binding})")
    print(timeline(burst, actions))
    print(f"  last call {last_call - burst.posted_at:.1f} s after the burst was posted")
    print(f"  violators never muted: {never}; still able to write: {len(violators - state.muted)}")
    print()
    print(
        targets(
            [
                Target(
                    "violators' messages left undeleted",
                    "0",
                    f"{len(state.undeleted)} of {len(messages)}",
                    not state.undeleted,
                ),
                Target(
                    "violators muted exactly once",
                    f"all {len(violators)}",
                    f"{once} (never: {never}, more than once: {more})",
                    once == len(violators),
                ),
                Target(
                    "warnings per violator",
                    "<= 1",
                    f"at most {max(warnings, default=0)} "
                    f"({sum(1 for w in warnings if w > 1)} violators warned more than once)",
                    max(warnings, default=0) <= 1,
                ),
                Target(
                    "subscribed members touched by any action",
                    "0",
                    f"{len(touched)}" + (f" e.g. {next(iter(touched.items()))}" if touched else ""),
                    not touched,
                ),
                Target(
                    "429s received (any method)",
                    "0",
                    f"{too_many}" + (f" {dict(actions.too_many)}" if too_many else ""),
                    too_many == 0,
                ),
                *deletion_targets(
                    burst,
                    actions,
                    Goals(delete_calls=30, deleted_p95=12.0),
                    wall=wall,
                    least=least,
                    done=done is not None,
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
    parser.add_argument("--webhook", action="store_true", help="updates by webhook, not polling")
    add_stack_arguments(parser)
    add_follow_arguments(parser, "burst")
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
