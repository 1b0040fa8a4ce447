"""A budget on a clock the test holds, and the budget's owner (enforcement without Redis) served
alone on port 0, with lessees of it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import grpc
from pydantic import SecretStr

from gmbot.runtime.budget.core import Grant, LocalBudget, Priority, Spacing
from gmbot.runtime.budget.leased import SERVICE_NAME, BudgetServicer
from gmbot.runtime.client import open_channel
from gmbot.runtime.server import Service, started
from gmbot.runtime.settings import ServiceSettings
from gmbot.v1 import budget_pb2_grpc
from tests.support.services import TEST_TOKEN, client_settings


def local_budget(per_second: float = 10, group_per_minute: float = 60) -> LocalBudget:
    return LocalBudget(Spacing.of(per_second, group_per_minute))


def ask_at(
    limits: LocalBudget,
    chat_id: int | None,
    priority: Priority,
    message: bool,
    now: float,
    group: int | None = None,
) -> float:
    """`decide` for a call answered the moment it is granted."""
    grant = Grant(uuid.uuid4().hex, chat_id, message)
    wait = limits.decide(chat_id, priority, message, now, group, call=grant.call)
    if wait == 0:
        limits.answered_at(grant, now)
    return wait


@asynccontextmanager
async def budget_lessees(budget: LocalBudget, count: int) -> AsyncIterator[list[grpc.aio.Channel]]:
    """`budget` served as its owner serves it, and a channel to it for each of `count` lessees."""
    owner = Service(
        name="budget",
        registrations=[
            lambda server: budget_pb2_grpc.add_BudgetServiceServicer_to_server(
                BudgetServicer(budget), server
            )
        ],
        service_names=[SERVICE_NAME],
    )
    settings = ServiceSettings(auth_token=SecretStr(TEST_TOKEN), grpc_port=0, metrics_enabled=False)
    async with started(owner, settings) as running:
        channels = [
            open_channel(f"127.0.0.1:{running.port}", client_settings()) for _ in range(count)
        ]
        try:
            yield channels
        finally:
            for channel in channels:
                await channel.close(None)
