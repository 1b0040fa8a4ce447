"""Enforcement's composition root: settings in, a runnable service out."""

from __future__ import annotations

import os
import socket
import uuid
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from gmbot.enforcement.domain.action_log import ActionLog
from gmbot.enforcement.domain.deletions import DeletionBatches
from gmbot.enforcement.domain.handlers import ActionHandlers
from gmbot.enforcement.domain.intake import ActionIntake, Backlog
from gmbot.enforcement.domain.invite_links import InviteLinks
from gmbot.enforcement.domain.live_warnings import LiveWarnings
from gmbot.enforcement.domain.retention import LedgerRetention
from gmbot.enforcement.domain.work_queue import Queue
from gmbot.enforcement.inbound.servicer import EnforcementServicer
from gmbot.enforcement.outbound.keys import Keys
from gmbot.enforcement.outbound.queue import LocalQueue
from gmbot.enforcement.outbound.telegram import TelegramActions, count_call
from gmbot.enforcement.settings import EnforcementSettings
from gmbot.enforcement.storage.ledger import Ledger
from gmbot.enforcement.workers.pool import WorkerPool
from gmbot.enforcement.workers.supervision import WorkerHealth
from gmbot.runtime.budget.core import PollingBudget, Priority
from gmbot.runtime.budget.leased import SERVICE_NAME as BUDGET_SERVICE
from gmbot.runtime.budget.leased import BudgetServicer
from gmbot.runtime.budget.telegram import install, observe_calls, own_budget, shared_budget
from gmbot.runtime.database import alembic_config, create_engine, migrate, wait_for_database
from gmbot.runtime.lifecycle import start_up
from gmbot.runtime.server import Service
from gmbot.runtime.telegram import create_bot
from gmbot.v1 import budget_pb2_grpc, enforcement_pb2, enforcement_pb2_grpc

if TYPE_CHECKING:
    # Alembic is imported only to migrate (runtime.database): serving does without it.
    from alembic.config import Config
    from sqlalchemy.ext.asyncio import AsyncEngine

    from gmbot.runtime.redis import RedisClient

SERVICE_NAME = enforcement_pb2.DESCRIPTOR.services_by_name["EnforcementService"].full_name
MIGRATIONS = Path(__file__).parent / "storage" / "migrations"
VERSION_TABLE = "enforcement_alembic_version"


def migrations_config(database_url: str) -> Config:
    return alembic_config(MIGRATIONS, database_url, VERSION_TABLE)


async def _ledger_database(settings: EnforcementSettings, resources: AsyncExitStack) -> AsyncEngine:
    database = create_engine(settings.database_url, pool_size=settings.database_pool_size)
    resources.push_async_callback(database.dispose)
    await wait_for_database(database, settings.database_wait_seconds)
    if settings.migrate_on_start:
        await migrate(database, migrations_config(settings.database_url))
    return database


async def _redis(settings: EnforcementSettings, resources: AsyncExitStack) -> RedisClient | None:
    if settings.redis_url is None:
        return None
    # redis-py (about 8 MiB) is loaded only when configured: here, while the service starts.
    from gmbot.runtime.redis import open_redis

    return await open_redis(
        settings.redis_url,
        resources,
        name="gmbot-enforcement",
        socket_timeout=5.0,
        wait_seconds=settings.redis_wait_seconds,
    )


async def _queue(settings: EnforcementSettings, redis: RedisClient | None) -> Queue:
    if redis is None:
        return LocalQueue()
    from gmbot.enforcement.outbound.streams import RedisStreamQueue

    consumer = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    queue = RedisStreamQueue(
        redis, Keys(settings.redis_prefix), consumer, reclaim_after=settings.lease_seconds
    )
    await queue.setup()
    return queue


def _budget(
    settings: EnforcementSettings, redis: RedisClient | None, service: Service
) -> PollingBudget:
    """Without Redis, enforcement owns Telegram's budget and the other services lease from it."""
    if redis is not None:
        return shared_budget(settings, redis, settings.as_client(), service.resources)
    owner = own_budget(settings)
    service.service_names = [*service.service_names, BUDGET_SERVICE]
    service.registrations = [
        *service.registrations,
        lambda server: budget_pb2_grpc.add_BudgetServiceServicer_to_server(
            BudgetServicer(owner), server
        ),
    ]
    return owner


async def build(settings: EnforcementSettings) -> Service:
    service = Service(name="enforcement", registrations=[], service_names=[SERVICE_NAME])
    async with start_up(service.resources) as resources:
        database = await _ledger_database(settings, resources)
        bot = create_bot(settings)
        resources.push_async_callback(bot.session.close)
        redis = await _redis(settings, resources)
        queue = await _queue(settings, redis)
        # Enforcement's own messages are warnings: they wait behind punishing and checking.
        install(bot, _budget(settings, redis, service), Priority.LATER)
        # Each action's Bot API calls are counted into the ledger (the owners' /stats).
        observe_calls(bot, count_call)
        # A worker's step waits out a database outage as long as its lease holds the action.
        ledger = Ledger(database, patience=settings.lease_seconds)
        telegram = TelegramActions(bot, settings.max_attempts, settings.retry_base_seconds)
        signing_key = settings.callback_signing_key.get_secret_value().encode()
        links = InviteLinks(ledger, telegram, timedelta(seconds=settings.invite_link_check_seconds))
        warnings = LiveWarnings(
            telegram, ledger, signing_key, settings.warning_coalesce_seconds, links
        )
        deletions = DeletionBatches(telegram, settings.delete_batch_seconds)
        action_log = ActionLog(telegram, ledger, signing_key, settings.log_coalesce_seconds)
        handlers = ActionHandlers(
            telegram,
            ledger,
            warnings,
            deletions,
            settings.mute_days * 86400,
            signing_key,
            action_log,
        )
        backlog = Backlog(settings.queue_bound)
        workers = WorkerPool(
            ledger,
            queue,
            handlers,
            backlog,
            WorkerHealth(service.health, [SERVICE_NAME]),
            LedgerRetention(ledger, settings.ledger_retention_days),
            settings.workers,
            settings.lease_seconds,
        )
        intake = ActionIntake(ledger, queue, backlog, settings.observe_digest_seconds)
        servicer = EnforcementServicer(intake, ledger, links, action_log)
        service.registrations = [
            lambda server: enforcement_pb2_grpc.add_EnforcementServiceServicer_to_server(
                servicer, server
            ),
            *service.registrations,
        ]
        service.on_started.append(workers.start)
        resources.push_async_callback(warnings.close)
        # Closed after the workers stopped: the actions still in hand wait for their batches.
        resources.push_async_callback(deletions.close)
        resources.push_async_callback(lambda: workers.stop(settings.drain_seconds))
        return service
