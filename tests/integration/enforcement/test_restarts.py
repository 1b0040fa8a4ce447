"""The service killed with SIGKILL mid-burst and while a batch of deletions gathers, and two
replicas sharing one budget: every action applied once, within Telegram's limits."""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from gmbot.devstack.stack import free_port
from gmbot.sandbox.app import running_sandbox
from gmbot.sandbox.client import SandboxClient
from gmbot.sandbox.limits import LimitConfig
from gmbot.sandbox.telegram import SandboxConfig
from gmbot.v1 import enforcement_pb2 as pb
from gmbot.v1 import enforcement_pb2_grpc
from tests.integration.enforcement.calls import done, enforce
from tests.support.databases import fresh_postgres
from tests.support.enforcement import (
    SIGNING_KEY,
    Group,
    claimed,
    enforcement_settings,
    running_enforcement,
)
from tests.support.membership import forget_keys
from tests.support.services import TEST_TOKEN, channel_to
from tests.support.waiting import eventually

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub as Stub


@pytest.fixture
async def postgres_url(postgres_server_url: str) -> AsyncIterator[str]:
    async with fresh_postgres(postgres_server_url) as url:
        yield url


async def _start_process(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("ab") as output:
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "gmbot.enforcement",
            env={**os.environ, **env},
            stdout=output,
            stderr=output,
        )


def _env(world: Group, database_url: str, redis_url: str, prefix: str) -> dict[str, str]:
    return {
        "AUTH_TOKEN": TEST_TOKEN,
        "GRPC_PORT": str(free_port()),
        "METRICS_ENABLED": "false",
        "BOT_TOKEN": world.token,
        "TELEGRAM_API_URL": world.sandbox.url,
        "DATABASE_URL": database_url,
        "MIGRATE_ON_START": "true",
        "REDIS_URL": redis_url,
        "REDIS_PREFIX": prefix,
        "CALLBACK_SIGNING_KEY": SIGNING_KEY,
        "LEASE_SECONDS": "2",
        "WORKERS": "8",
        "WARNING_COALESCE_SECONDS": "0.2",
        "LOG_LEVEL": "WARNING",
        # Durability is under test here, not the budget (the next test covers that).
        "REQUESTS_PER_SECOND": "200",
        "GROUP_MESSAGES_PER_MINUTE": "1000",
    }


async def test_killed_mid_burst_and_restarted_every_action_is_applied_once(
    world: Group, postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    env = _env(world, postgres_url, redis_url, prefix)
    users = [await world.member(f"U{i}") for i in range(40)]
    messages = {u: await world.said(u) for u in users}
    await world.control.set_faults(latency=0.03)
    process = await _start_process(env, tmp_path / "enforcement.log")
    try:
        async with channel_to(int(env["GRPC_PORT"])) as channel:
            stub = enforcement_pb2_grpc.EnforcementServiceStub(channel)
            await eventually(lambda: _serving(stub, world), seconds=30)
            accepted = [await enforce(stub, world, u, f"burst:{u}", messages[u]) for u in users]
            await eventually(lambda: _some_restricted(world), seconds=30)
            process.send_signal(signal.SIGKILL)
            await process.wait()
            restricted_at_kill = len(await world.calls("restrictChatMember"))
            process = await _start_process(env, tmp_path / "enforcement.log")
            await eventually(lambda: _serving(stub, world), seconds=30)
            for response in accepted:
                await done(stub, world, response.action_id, seconds=60)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await process.wait()
        await forget_keys(redis_url, prefix)

    assert restricted_at_kill < len(users)  # the kill did land mid-burst
    for user in users:
        assert (await world.control.member(world.group, user))["status"] == "restricted"
    assert {m for ids in await world.deletions() for m in ids} == set(messages.values())
    restricts = collections.Counter(
        c["params"]["user_id"] for c in await world.calls("restrictChatMember")
    )
    # A call in flight at the kill may be repeated (Telegram has no idempotency keys); the
    # ledger makes every other step happen once.
    assert sum(n - 1 for n in restricts.values()) <= int(env["WORKERS"])
    warned: collections.Counter[int] = collections.Counter()
    for call in await world.calls("sendMessage"):
        for user in users:
            warned[user] += f'tg://user?id={user}"' in call["params"]["text"]
    assert min(warned.values()) == 1
    assert sum(n - 1 for n in warned.values()) <= int(env["WORKERS"])


@pytest.mark.parametrize("database", ["postgres", "sqlite"])
async def test_killed_while_a_batch_of_deletions_gathers_nothing_is_lost_or_deleted_twice(
    world: Group, database: str, postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    """The ids waiting in a chat's batch live only in the process; the actions they belong to
    are in the ledger. Killed before the batch's call, the restarted service deletes every
    message (in batches again) and mutes every member once."""
    prefix = f"test:{uuid.uuid4().hex}:"
    database_url = (
        postgres_url if database == "postgres" else f"sqlite+aiosqlite:///{tmp_path}/e.db"
    )
    # A lease long enough that a renewal slowed by a loaded machine (SQLite's one writer, 20
    # claims) still lands in time: a lost lease hands an action to a second worker, whose batch
    # deletes its message again (harmless in Telegram, but "twice" here).
    env = {**_env(world, database_url, redis_url, prefix), "LEASE_SECONDS": "6"}
    if database == "sqlite":
        del env["REDIS_URL"]  # the in-process queue: the ledger alone brings the actions back
    users = [await world.member(f"U{i}") for i in range(20)]
    messages = {u: await world.said(u) for u in users}
    process = await _start_process({**env, "DELETE_BATCH_SECONDS": "10"}, tmp_path / "e.log")
    try:
        async with channel_to(int(env["GRPC_PORT"])) as channel:
            stub = enforcement_pb2_grpc.EnforcementServiceStub(channel)
            await eventually(lambda: _serving(stub, world), seconds=30)
            accepted = [await enforce(stub, world, u, f"batch:{u}", messages[u]) for u in users]

            async def all_claimed() -> bool:  # each message then waits in the chat's batch
                return await claimed(database_url, world.group) == len(users)

            await eventually(all_claimed, what="every action claimed")
            process.send_signal(signal.SIGKILL)
            await process.wait()
            assert await world.deletions() == []  # the kill did land mid-batch
            process = await _start_process(env, tmp_path / "e.log")
            await eventually(lambda: _serving(stub, world), seconds=30)
            for response in accepted:
                await done(stub, world, response.action_id, seconds=60)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await process.wait()
        await forget_keys(redis_url, prefix)

    deletions = await world.deletions()
    assert sorted(m for ids in deletions for m in ids) == sorted(messages.values())
    assert len(deletions) <= 3
    restricts = collections.Counter(
        c["params"]["user_id"] for c in await world.calls("restrictChatMember") if c["ok"]
    )
    assert sorted(restricts.values()) == [1] * len(users)


async def _serving(stub: Stub, world: Group) -> bool:
    try:
        await stub.ListRecentActions(pb.ListRecentActionsRequest(group_id=world.group))
    except Exception:
        return False
    return True


async def _some_restricted(world: Group) -> bool:
    return len(await world.calls("restrictChatMember")) >= 8


async def _bot_administering(
    control: SandboxClient, count: int
) -> tuple[dict[str, Any], list[int]]:
    """A bot, and `count` supergroups of one owner where it is an administrator."""
    bot = await control.create_bot("guard_bot")
    owner = (await control.create_user("Owner"))["id"]
    groups = [
        (await control.create_chat("supergroup", f"G{i}", creator_id=owner))["id"]
        for i in range(count)
    ]
    for group in groups:
        await control.promote(group, bot["user"]["id"])
    return bot, groups


# A rate measured on the clock: alone (make test runs the serial tests after the pool), so the
# three servers in this loop get the CPU they are timed on.
@pytest.mark.serial
async def test_two_replicas_together_stay_within_telegrams_limits(
    postgres_url: str, redis_url: str
) -> None:
    config = SandboxConfig(
        limits=LimitConfig(enabled=True, requests_per_second=30, group_messages_per_minute=20)
    )
    async with running_sandbox(config=config) as sandbox:
        control = sandbox.control
        bot, groups = await _bot_administering(control, 3)
        # 20 a second for both together: were the budget not shared, the pair would send 40 a
        # second and the sandbox (Telegram's 30) would answer 429. The gap to 30 absorbs the
        # scheduling jitter of three servers sharing this test's event loop.
        settings = enforcement_settings(
            sandbox.url, bot["token"], postgres_url, redis_url, workers=16, requests_per_second=20
        )
        shared = settings.model_copy(update={"redis_prefix": settings.redis_prefix})
        async with (
            running_enforcement(settings) as first,
            running_enforcement(shared) as second,
            channel_to(first.port) as one,
            channel_to(second.port) as other,
        ):
            stubs = [enforcement_pb2_grpc.EnforcementServiceStub(c) for c in (one, other)]
            requests = []
            for i in range(60):
                user = (await control.create_user(f"U{i}"))["id"]
                group = groups[i % 3]
                await control.join(group, user)
                requests.append(
                    stubs[i % 2].Enforce(
                        pb.EnforceRequest(
                            idempotency_key=f"pair:{i}",
                            group_id=group,
                            user_id=user,
                            action=pb.MEMBER_ACTION_MUTE,
                        )
                    )
                )
            await asyncio.gather(*requests)

            async def all_muted() -> bool:
                return (
                    len([c for c in await control.journal(method="restrictChatMember") if c["ok"]])
                    == 60
                )

            await eventually(all_muted, seconds=60)
        journal = await control.journal()
    # The sandbox counts exactly as Telegram does (every call against the last second, every
    # message against the group's last minute) and answers 429 past it: none means the two
    # replicas together never went over, although they had work for twice the budget.
    assert all(e["error_code"] != 429 for e in journal)
    restricts = sorted(e["time"] for e in journal if e["method"] == "restrictChatMember")
    rate = (len(restricts) - 1) / (restricts[-1] - restricts[0])
    assert 15 <= rate <= 21  # one shared budget of 20/s, used
