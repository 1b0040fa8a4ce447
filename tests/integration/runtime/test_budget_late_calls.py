"""Calls granted on time but sent late, against the sandbox with Telegram's limits on: Telegram
counts a call when it arrives, so a late call must not arrive beside the calls granted after it
as one too many. Two processes of one bot token share the budget each way it can be shared: one
LocalBudget (one process), two RedisBudgets on one Redis or the cluster (two replicas), and two
processes leasing from the owner's budget over gRPC (`make run`)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.client.telegram import TelegramAPIServer
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType

from gmbot.runtime.budget.core import Budget, LocalBudget, Priority, Spacing
from gmbot.runtime.budget.leased import LeasedBudget
from gmbot.runtime.budget.shared import RedisBudget, budget_names
from gmbot.runtime.budget.telegram import install
from gmbot.runtime.redis import create_redis
from gmbot.sandbox.app import running_sandbox
from gmbot.sandbox.limits import LimitConfig
from gmbot.sandbox.telegram import SandboxConfig
from gmbot.v1 import budget_pb2_grpc
from tests.support.budget import budget_lessees
from tests.support.membership import forget_keys

SPACING = Spacing.of(per_second=30, group_messages_per_minute=20)
# The fault injected: the first calls of one process go out this long after their grant (its
# event loop was busy), so on a budget that only spaces grants they arrive in the same second
# as the 20-odd calls granted after them.
LATE_CALLS, LATENESS_SECONDS = 20, 0.6
CALLS = 60

# Two processes' budgets over one shared state.
Pair = Callable[[], AbstractAsyncContextManager[tuple[Budget, Budget]]]


class _SentLate(BaseRequestMiddleware):
    """Installed after the budget: holds the first `LATE_CALLS` requests it lets through."""

    def __init__(self) -> None:
        self.held = 0

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        if self.held < LATE_CALLS:
            self.held += 1
            await asyncio.sleep(LATENESS_SECONDS)  # the injected lateness, not a wait for an event
        return await make_request(bot, method)


@asynccontextmanager
async def _one_process() -> AsyncIterator[tuple[Budget, Budget]]:
    budget = LocalBudget(SPACING)
    yield budget, budget


@asynccontextmanager
async def _two_replicas(redis_url: str) -> AsyncIterator[tuple[Budget, Budget]]:
    prefix, _ = budget_names("test:", uuid.uuid4().hex)
    replicas = [create_redis(redis_url) for _ in "ab"]
    try:
        one, two = (RedisBudget(redis, prefix, SPACING) for redis in replicas)
        yield one, two
    finally:
        for redis in replicas:
            await redis.aclose()
        await forget_keys(redis_url, prefix)


@asynccontextmanager
async def _leasing() -> AsyncIterator[tuple[Budget, Budget]]:
    async with budget_lessees(LocalBudget(SPACING), 2) as channels:
        one, two = (LeasedBudget(budget_pb2_grpc.BudgetServiceStub(c)) for c in channels)
        yield one, two


async def _late_calls_draw_no_429(pair: Pair) -> None:
    config = SandboxConfig(limits=LimitConfig(enabled=True, requests_per_second=30))
    async with running_sandbox(config=config) as sandbox, pair() as budgets:
        control = sandbox.control
        created = await control.create_bot("late_bot")
        owner = (await control.create_user("Owner"))["id"]
        user = int((await control.create_user("Member"))["id"])
        channel = int((await control.create_chat("channel", "News", creator_id=owner))["id"])
        await control.promote(channel, int(created["user"]["id"]))
        bots = []
        for budget in budgets:
            session = AiohttpSession(api=TelegramAPIServer.from_base(sandbox.url))
            bot = Bot(created["token"], session=session)
            install(bot, budget, Priority.URGENT)
            bots.append(bot)
        late = _SentLate()
        bots[0].session.middleware(late)
        try:
            answers: list[Any] = await asyncio.gather(
                *(bots[n % 2].get_chat_member(channel, user) for n in range(CALLS))
            )
        finally:
            for bot in bots:
                await bot.session.close()
        counters = await control.counters()

    assert late.held == LATE_CALLS  # the fault did hit
    assert len(answers) == CALLS
    # The sandbox counts as Telegram does, each call in the second it arrives.
    assert counters.get("rejected", 0) == 0


async def test_late_calls_draw_no_429_in_one_process() -> None:
    await _late_calls_draw_no_429(_one_process)


@pytest.mark.redis_cluster
async def test_late_calls_draw_no_429_across_replicas_sharing_redis(redis_url: str) -> None:
    await _late_calls_draw_no_429(lambda: _two_replicas(redis_url))


async def test_late_calls_draw_no_429_across_processes_leasing_the_budget() -> None:
    await _late_calls_draw_no_429(_leasing)
