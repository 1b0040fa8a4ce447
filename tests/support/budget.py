"""The budget's owner (enforcement without Redis) served alone on port 0, with lessees of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import grpc
from pydantic import SecretStr

from gmbot.runtime.budget.core import LocalBudget
from gmbot.runtime.budget.leased import SERVICE_NAME, BudgetServicer
from gmbot.runtime.client import open_channel
from gmbot.runtime.server import Service, started
from gmbot.runtime.settings import ServiceSettings
from gmbot.v1 import budget_pb2_grpc
from tests.support.services import TEST_TOKEN, client_settings


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
