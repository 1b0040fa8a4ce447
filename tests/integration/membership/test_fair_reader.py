"""Membership's calls to Telegram, bounded in number, are shared between groups: a quiet group's
one check made while a raid's are queued is the next to go, not the last (issue 22)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from gmbot.membership.outbound.telegram import TelegramReader
from gmbot.runtime.budget.fairness import work_for
from gmbot.sandbox.app import RunningSandbox, running_sandbox
from gmbot.sandbox.limits import LimitConfig
from gmbot.sandbox.telegram import SandboxConfig
from tests.support.sandbox import aiogram_bot, bot_world

RAID_CHECKS = 6
RAIDED, QUIET = -1001, -1002


@pytest.fixture
async def sandbox() -> AsyncIterator[RunningSandbox]:
    async with running_sandbox(config=SandboxConfig(limits=LimitConfig(enabled=False))) as running:
        yield running


async def test_a_quiet_groups_check_goes_next_however_many_a_raid_queued(
    sandbox: RunningSandbox,
) -> None:
    world = await bot_world(sandbox.control)
    users = [int(u["id"]) for u in await sandbox.control.create_users(["U"] * (RAID_CHECKS + 1))]
    await sandbox.control.set_faults(latency=0.2)  # every call takes a while: a queue forms
    bot = aiogram_bot(sandbox.url, world.token)
    reader = TelegramReader(bot, concurrency=1)
    answered: list[str] = []

    async def check(group: int, user: int, name: str) -> None:
        work_for.set(group)  # as the server's interceptor sets it from x-gmbot-group
        await reader.membership(world.channel, user)
        answered.append(name)

    raid = [
        asyncio.create_task(check(RAIDED, user, f"raid {n}"))
        for n, user in enumerate(users[:RAID_CHECKS])
    ]
    for _ in range(5):  # each raid task's first step: the first check goes, the others queue
        await asyncio.sleep(0)
    quiet = asyncio.create_task(check(QUIET, users[-1], "quiet"))
    await asyncio.gather(*raid, quiet)
    await bot.session.close()

    assert answered[:2] == ["raid 0", "quiet"]
    assert answered[2:] == [f"raid {n}" for n in range(1, RAID_CHECKS)]
