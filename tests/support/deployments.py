"""Deployments of their own beside the session's end-to-end stack: another bot on the same
sandbox, its own databases, its own Redis prefix, polling or by webhook."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from gmbot.devstack.stack import StackConfig
from tests.support.e2e import E2E
from tests.support.membership import forget_keys
from tests.support.migrated_databases import stack_databases
from tests.support.stack_starts import started_alone


@asynccontextmanager
async def own_deployment(
    e2e: E2E,
    bot_username: str,
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server_url: str,
    redis_url: str | None,
    *,
    webhook: bool,
) -> AsyncIterator[E2E]:
    """The session's `e2e`, for a deployment of its own: on PostgreSQL and Redis, or without
    `redis_url` on SQLite and the gateway's files, as `make run` starts it."""
    bot = await e2e.control.create_bot(bot_username)
    prefix = f"test:{uuid.uuid4().hex}:"
    env = {"REDIS_PREFIX": prefix} if redis_url else {}
    data = tmp_path_factory.mktemp(bot_username)
    kind = "postgres" if redis_url else "sqlite"
    async with stack_databases(postgres_server_url, data, kind) as (tenancy_db, enforcement_db):
        config = StackConfig(
            data_dir=data,
            bot_token=bot["token"],
            telegram_api_url=e2e.sandbox.url,
            tenancy_database_url=tenancy_db,
            enforcement_database_url=enforcement_db,
            migrated=True,
            redis_url=redis_url,
            webhook=webhook,
            log_dir=data / "logs",
            env={"gateway": env, "membership": env, "enforcement": env},
        )
        try:
            async with started_alone(config, tmp_path_factory) as stack:
                yield dataclasses.replace(
                    e2e, stack=stack, bot_id=int(bot["user"]["id"]), prefix=prefix, _read=[]
                )
        finally:
            if redis_url:
                await forget_keys(redis_url, prefix)
