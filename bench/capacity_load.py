"""The load bench.capacity measures: a world of groups and people, then, one kind at a time,
members' messages (first seen, then known), violators' messages, and joins of people who follow
the channel and of people who do not. Each phase returns the Bot API calls it caused, read from
the sandbox's journal as bench.raid and bench.burst read them."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from bench.outcome import Actions, Burst, follow, post
from bench.world import World, add_people, build_world, confirmed, mark
from gmbot.sandbox.client import SandboxClient


@dataclass(frozen=True)
class Sizes:
    groups: int = 4
    members: int = 20  # follow the channel, write in every group
    rounds: int = 2  # messages per member per group: the first round finds them, the rest know
    violators: int = 8  # follow nothing, one message each, spread over the groups
    joins: int = 8  # half follow the channel, half do not
    idle: int = 10  # seconds without updates first: what the services spend on their own


@dataclass
class People:
    world: World
    members: list[int]
    violators: list[tuple[int, int]]  # (group, user)
    joiners: list[tuple[int, int, bool]]  # (group, user, follows the channel)

    @property
    def users(self) -> set[int]:
        joiners = {user for _, user, _ in self.joiners}
        return set(self.members) | {user for _, user in self.violators} | joiners


async def build_people(control: SandboxClient, sizes: Sizes) -> People:
    """Members and violators were in the groups before the bot came; joiners are not yet."""
    world = await build_world(control, "capacity", sizes.groups)
    members = await add_people(control, world, sizes.members, subscribed=True, groups=world.groups)
    violators = []
    for i, group in enumerate(world.groups):
        count = len(range(i, sizes.violators, sizes.groups))
        found = await add_people(
            control, world, count, subscribed=False, groups=[group], prefix=f"V{i}-"
        )
        violators += [(group, user) for user in found]
    following = await add_people(
        control, world, sizes.joins // 2, subscribed=True, groups=[], prefix="J"
    )
    strangers = await add_people(
        control, world, sizes.joins - sizes.joins // 2, subscribed=False, groups=[], prefix="S"
    )
    joiners = [
        (world.groups[i % len(world.groups)], user, user in following)
        for i, user in enumerate(following + strangers)
    ]
    return People(world, members, violators, joiners)


@dataclass(frozen=True)
class Phase:
    name: str
    subjects: int  # what the calls are per: messages, violators, joins
    calls: Counter[str]  # Bot API calls by method

    def per_subject(self) -> dict[str, float]:
        per = {m: round(n / self.subjects, 3) for m, n in sorted(self.calls.items())}
        return {"total": round(sum(self.calls.values()) / self.subjects, 3), **per}


async def _settled(
    control: SandboxClient, bot_id: int, burst: Burst, since: int, within: float
) -> Counter[str]:
    """Waits until the bot confirmed every update so far and the violators of `burst` are
    handled, then until it has been quiet a while; its calls since the journal's `since`."""
    last = int((await control.bot_queue(bot_id))["last_update_id"])
    if (await confirmed(control, bot_id, last, within)).get("timed_out"):
        raise RuntimeError(f"the bot did not confirm its updates within {within:.0f} s")
    actions = Actions(since=since)
    done, _ = await follow(
        control, bot_id, burst, actions, within=within, idle=within, quiet=3.0, settle_max=30.0
    )
    if done is None:
        raise RuntimeError("violators were not all muted and their messages deleted in time")
    return Counter(str(c["method"]) for c in actions.calls)


async def members_write(
    control: SandboxClient, people: People, rounds: range, within: float
) -> Phase:
    """Every member writes once in every group per round: nobody here is to be punished."""
    since = await mark(control)
    messages = [
        (group, user, f"round {r}")
        for r in rounds
        for group in people.world.groups
        for user in people.members
    ]
    burst = await post(control, messages, set())
    calls = await _settled(control, people.world.bot_id, burst, since, within)
    return Phase(
        f"member message, {'first seen' if rounds.start == 0 else 'known'}", len(messages), calls
    )


async def violators_write(control: SandboxClient, people: People, within: float) -> Phase:
    """Every violator writes one message: found, deleted, muted and warned."""
    since = await mark(control)
    messages = [(group, user, "buy my course") for group, user in people.violators]
    burst = await post(control, messages, set(people.violators))
    calls = await _settled(control, people.world.bot_id, burst, since, within)
    return Phase("violator", len(messages), calls)


async def join(control: SandboxClient, people: People, follows: bool, within: float) -> Phase:
    """The joiners who follow the channel (or who do not) join their group, one after another:
    each join is a service message and a chat_member update."""
    since = await mark(control)
    joiners = [(group, user) for group, user, f in people.joiners if f == follows]
    for group, user in joiners:
        await control.join(group, user)
    violators = set() if follows else set(joiners)
    burst = Burst(time.time(), {}, violators)
    calls = await _settled(control, people.world.bot_id, burst, since, within)
    return Phase("join, following" if follows else "join, not following", len(joiners), calls)
