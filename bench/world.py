"""What the end-to-end benchmarks share: the sandbox in its own process, worlds of bots, groups,
channels and people built in a few control calls, GMBot's four services (the `make run`
configuration, or Redis and PostgreSQL on request), waiting for conditions with a deadline, and
reading what each bot did from the sandbox. The other bots (the floor, a peer) are bench.peer's.

Times are the sandbox's (Unix time of the one machine): when a burst was posted, when a bot
confirmed its updates, when each Bot API call arrived. Nothing here is timed by the client.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gmbot.devstack.processes import Child, wait_http
from gmbot.devstack.stack import RunningStack, StackConfig, free_port, running_stack
from gmbot.sandbox.client import SandboxClient
from tests.support.databases import fresh_postgres
from tests.support.membership import forget_keys

Json = dict[str, Any]

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
# Telegram's limits as the sandbox applies them (and GMBot's default budget).
PER_SECOND = 30
GROUP_PER_MINUTE = 20
# How a bot gets its updates: not part of the request budget, not "calls" in these figures.
BOOKKEEPING = frozenset({"getUpdates", "getWebhookInfo", "setWebhook", "deleteWebhook", "getMe"})
SERVICES = ("tenancy", "membership", "enforcement", "gateway")
# How long an owner told to try /protect again waits before they do.
PROTECT_AGAIN_SECONDS = 5.0


# -- the sandbox, in its own process
@dataclass
class Sandbox:
    url: str
    control: SandboxClient
    child: Child


@asynccontextmanager
async def sandbox_process(log_dir: Path) -> AsyncIterator[Sandbox]:
    """`python -m gmbot.sandbox` on a free port (limits on, as it starts by default)."""
    port = free_port()
    child = Child("sandbox", "gmbot.sandbox", {}, args=["--port", str(port)])
    await child.start(log_dir)
    url = f"http://127.0.0.1:{port}"
    control = SandboxClient(url)
    try:
        await wait_http("sandbox", f"{url}/_sandbox/counters", child)
        yield Sandbox(url, control, child)
    finally:
        await control.close()
        await child.stop()


async def set_limits(control: SandboxClient, *, on: bool) -> None:
    """Telegram's limits as GMBot budgets for them; setting up a world is done without them."""
    await control.set_limits(
        enabled=on, requests_per_second=PER_SECOND, group_messages_per_minute=GROUP_PER_MINUTE
    )


# -- worlds
@dataclass
class World:
    """One bot's world: an owner's public channel and supergroups where the bot is an admin."""

    name: str
    bot_id: int
    token: str
    owner: int
    channel: int
    channel_username: str
    groups: list[int]
    subscribed: list[int] = field(default_factory=list)
    unsubscribed: list[int] = field(default_factory=list)


async def build_world(control: SandboxClient, name: str, groups: int) -> World:
    bot = await control.create_bot(f"{name}_{uuid.uuid4().hex[:6]}_bot")
    bot_id = int(bot["user"]["id"])
    owner = int((await control.create_user(f"{name} owner", language_code="en"))["id"])
    username = f"{name}_news_{uuid.uuid4().hex[:6]}"
    channel = int(
        (await control.create_chat("channel", f"{name} news", username=username, creator_id=owner))[
            "id"
        ]
    )
    await control.promote(channel, bot_id)
    chats = []
    for g in range(groups):
        chat = int((await control.create_chat("supergroup", f"{name} {g}", creator_id=owner))["id"])
        await control.promote(chat, bot_id)
        chats.append(chat)
    return World(name, bot_id, str(bot["token"]), owner, channel, username, chats)


async def add_people(
    control: SandboxClient,
    world: World,
    count: int,
    *,
    subscribed: bool,
    groups: Iterable[int],
    prefix: str = "P",
) -> list[int]:
    """People who were in the groups (and, if subscribed, the channel) before the bot arrived:
    the bot has never heard of them."""
    users = await control.create_users([f"{prefix}{i}" for i in range(count)])
    ids = [int(u["id"]) for u in users]
    if subscribed:
        await control.add_members(world.channel, ids, silent=True)
        world.subscribed += ids
    else:
        world.unsubscribed += ids
    for group in groups:
        await control.add_members(group, ids, silent=True)
    return ids


async def protect(control: SandboxClient, world: World, within: float = 120.0) -> None:
    """The owner sends /protect @channel in every group; returns when GMBot said "Done." in all,
    fails with GMBot's own words when it did not. Other words in the meantime (the greeting of
    a bot just made administrator, sent as the stack starts) are no answer to /protect. Told to
    try again (a back end too slow to answer on a machine this busy), the owner does, a few
    seconds later, as a person would."""
    since = int((await control.counters())["last_seq"])
    command = f"/protect @{world.channel_username}"
    for group in world.groups:
        await control.say(group, world.owner, command)
    done: set[int] = set()
    said: dict[int, str] = {}
    again: dict[int, float] = {}  # group -> when the owner sends /protect there again
    deadline = time.monotonic() + within
    while len(done) < len(world.groups) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        for entry in await control.journal(method="sendMessage", bot_id=world.bot_id, since=since):
            since = max(since, int(entry["seq"]))
            group, text = int(entry["params"]["chat_id"]), str(entry["params"].get("text", ""))
            said[group] = text
            if text.startswith("Done."):
                done.add(group)
            elif "try again" in text:
                again[group] = time.monotonic() + PROTECT_AGAIN_SECONDS
        for group, at in list(again.items()):
            if at <= time.monotonic():
                del again[group]
                if group not in done:
                    await control.say(group, world.owner, command)
    if len(done) < len(world.groups):
        refusals = [t for g, t in said.items() if g not in done]
        raise RuntimeError(
            f"/protect did not succeed in {len(world.groups) - len(done)} groups within "
            f"{within:.0f} s; GMBot said: {refusals[:3]}"
        )


async def protect_under_limits(control: SandboxClient, world: World) -> None:
    """Every group protected while Telegram's limits are off, a second for the stack to settle,
    then the limits on: the load meets them, the set-up does not."""
    await protect(control, world)
    await asyncio.sleep(1)
    await set_limits(control, on=True)


def shuffled_writers(people: list[int], messages: int, seed: int) -> list[int]:
    """Who writes each of `messages`: everyone in turn, in an order fixed by `seed`."""
    writers = [people[i % len(people)] for i in range(messages)]
    random.Random(seed).shuffle(writers)
    return writers


# -- GMBot


def add_stack_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of every bench that runs the whole stack: where GMBot keeps its state, how
    much it logs, and where its logs and data go."""
    parser.add_argument(
        "--redis", action="store_true", help="GMBot with REDIS_URL (a prefix per run)"
    )
    parser.add_argument("--postgres", action="store_true", help="GMBot's databases in PostgreSQL")
    parser.add_argument("--log-level", default="INFO", help="GMBot's LOG_LEVEL (make run: INFO)")
    parser.add_argument("--keep", type=Path, help="keep the services' logs and data here")


def add_follow_arguments(parser: argparse.ArgumentParser, what: str) -> None:
    """How long a bench that follows violators' fate (bench.outcome.follow) waits."""
    parser.add_argument("--timeout", type=float, default=600.0, help=f"seconds the {what} may take")
    parser.add_argument(
        "--idle",
        type=float,
        default=90.0,
        help="give up after this long without a violator muted or a message deleted",
    )
    parser.add_argument(
        "--settle", type=float, default=120.0, help="at most this long for trailing calls"
    )


@dataclass(frozen=True)
class StackOptions:
    redis: bool = False
    postgres: bool = False
    log_level: str = "INFO"
    webhook: bool = False
    # The gateway serves the owners' Mini App too (on a free port).
    miniapp: bool = False
    # Extra environment per service.
    env: dict[str, dict[str, str]] = field(default_factory=dict)
    # Which Redis server, with `redis` (bench.capacity brings one of its own to count on).
    redis_url: str = REDIS_URL

    def describe(self) -> str:
        storage = "PostgreSQL" if self.postgres else "SQLite"
        cache = "Redis" if self.redis else "in-process caches and queue"
        mode = "webhook" if self.webhook else "long polling"
        return f"GMBot: 4 processes, {storage}, {cache}, {mode}, LOG_LEVEL={self.log_level}"


@asynccontextmanager
async def gmbot(
    sandbox: Sandbox, world: World, data_dir: Path, options: StackOptions
) -> AsyncIterator[RunningStack]:
    """The four services against the sandbox as `make run` starts them; with `redis`, a shared
    Redis under a prefix of this run only (removed after); with `postgres`, fresh databases."""
    async with AsyncExitStack() as stack:
        tenancy_db = enforcement_db = None
        if options.postgres:
            tenancy_db = await stack.enter_async_context(fresh_postgres(POSTGRES_URL))
            enforcement_db = await stack.enter_async_context(fresh_postgres(POSTGRES_URL))
        prefix = f"bench:{uuid.uuid4().hex}:"
        env: dict[str, dict[str, str]] = {}
        for service in SERVICES:
            env[service] = {"LOG_LEVEL": options.log_level, **options.env.get(service, {})}
            if options.redis and service != "tenancy":
                env[service]["REDIS_PREFIX"] = f"{prefix}{service}:"
        if options.redis:
            stack.push_async_callback(forget_keys, options.redis_url, prefix)
        config = StackConfig(
            data_dir=data_dir,
            bot_token=world.token,
            telegram_api_url=sandbox.url,
            tenancy_database_url=tenancy_db,
            enforcement_database_url=enforcement_db,
            redis_url=options.redis_url if options.redis else None,
            webhook=options.webhook,
            log_dir=data_dir / "logs",
            env=env,
            miniapp_port=0 if options.miniapp else None,
        )
        yield await stack.enter_async_context(running_stack(config))


# -- waiting and reading
async def until(
    condition: Callable[[], Awaitable[bool]], within: float, every: float = 0.05
) -> bool:
    """True as soon as `condition()` holds; False when `within` seconds passed first."""
    deadline = time.monotonic() + within
    while True:
        if await condition():
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(every)


async def confirmed(
    control: SandboxClient, bot_id: int, last_update_id: int, within: float
) -> Json:
    """Waits until the bot confirmed every update up to `last_update_id`; its queue state then
    (`confirmed_at` says when), or with "timed_out" when it did not in time."""
    state: Json = {}

    async def done() -> bool:
        state.update(await control.bot_queue(bot_id))
        return int(state["confirmed_below"]) > last_update_id

    if not await until(done, within, every=0.02):
        state["timed_out"] = True
    return state


async def mark(control: SandboxClient) -> int:
    return int((await control.counters())["last_seq"])


def by_method(calls: Iterable[Json]) -> Counter[str]:
    return Counter(str(c["method"]) for c in calls)


def params_json(value: Any) -> Any:
    """A parameter as the bot sent it: objects arrive JSON-encoded inside form fields."""
    if isinstance(value, str) and value[:1] in "[{":
        return json.loads(value)
    return value


def least_seconds(calls: list[Json]) -> tuple[float, str]:
    """The least time the sandbox's limits allow for these calls, and which limit binds: 30
    requests a second (calls / 30), or 20 messages a minute in one group (a group's n-th
    message cannot go before minute (n-1) // 20 of the run)."""
    requests = len(calls) / PER_SECOND
    per_group = Counter(
        str(c["params"].get("chat_id")) for c in calls if c["method"] == "sendMessage"
    )
    busiest = max(per_group.values(), default=0)
    messages = (busiest - 1) // GROUP_PER_MINUTE * 60.0 if busiest else 0.0
    if messages > requests:
        return messages, f"{busiest} sendMessage in one group at {GROUP_PER_MINUTE}/min"
    return requests, f"{len(calls)} calls at {PER_SECOND}/s"
