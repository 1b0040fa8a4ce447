"""A log chat's lines survive a kill: the service killed with SIGKILL while the lines of a raid
wait in their coalescing window, then two replicas started on the same ledger; the lines go
out in one message, sent once. On SQLite (in-process queues) and PostgreSQL + Redis."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from gmbot.devstack.stack import free_port
from gmbot.enforcement.domain.actions import State
from gmbot.enforcement.storage.ledger import Ledger
from gmbot.runtime.database import create_engine
from gmbot.v1 import enforcement_pb2 as pb
from gmbot.v1 import enforcement_pb2_grpc
from tests.integration.enforcement.calls import done, enforce
from tests.support.databases import fresh_database
from tests.support.enforcement import SIGNING_KEY, Group, warning
from tests.support.membership import forget_keys
from tests.support.services import TEST_TOKEN, channel_to
from tests.support.waiting import eventually

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub as Stub

# Long enough that the raid's lines still wait when the kill lands, on a loaded machine.
WINDOW_SECONDS = 8


@asynccontextmanager
async def _replica(
    world: Group, database_url: str, redis_url: str | None, log: Path
) -> AsyncIterator[tuple[Stub, asyncio.subprocess.Process]]:
    """An enforcement process (killed, or stopped when the block ends) and a stub to it."""
    port = free_port()
    env = {
        **os.environ,
        "AUTH_TOKEN": TEST_TOKEN,
        "GRPC_PORT": str(port),
        "METRICS_ENABLED": "false",
        "BOT_TOKEN": world.token,
        "TELEGRAM_API_URL": world.sandbox.url,
        "DATABASE_URL": database_url,
        "MIGRATE_ON_START": "true",
        "CALLBACK_SIGNING_KEY": SIGNING_KEY,
        "LEASE_SECONDS": "2",
        "LOG_COALESCE_SECONDS": str(WINDOW_SECONDS),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    if redis_url is not None:
        env |= {"REDIS_URL": redis_url, "REDIS_PREFIX": f"test:{uuid.uuid4().hex}:"}
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "gmbot.enforcement", env=env, stdout=output, stderr=output
        )
    try:
        async with channel_to(port) as channel:
            stub = enforcement_pb2_grpc.EnforcementServiceStub(channel)

            async def serving() -> bool:
                try:
                    await stub.ListRecentActions(pb.ListRecentActionsRequest(group_id=world.group))
                except Exception:
                    return False
                return True

            await eventually(serving, 90, what="enforcement serving")
            yield stub, process
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            await process.wait()
        if redis_url is not None:
            await forget_keys(redis_url, env["REDIS_PREFIX"])


async def _log_messages(world: Group, chat: int) -> list[dict[str, object]]:
    calls = await world.calls("sendMessage")
    return [c for c in calls if c["params"]["chat_id"] == str(chat) and c["ok"]]


async def _recorded(database_url: str, world: Group, chat: int) -> bool:
    """The log message was sent and the ledger says so: once it does, no replica takes the
    message again."""
    sent = await _log_messages(world, chat)
    if not sent:
        return False
    message_id = int(sent[0]["result"]["message_id"])  # type: ignore[index]
    engine = create_engine(database_url, pool_size=1)
    try:
        message = await Ledger(engine, patience=0).step(
            lambda stores: stores.log.sent(chat, message_id)
        )
    finally:
        await engine.dispose()
    return message is not None and message.state == State.DONE


@pytest.mark.parametrize("backend", ["postgres+redis", "sqlite+local"])
async def test_lines_waiting_at_a_kill_are_sent_once_by_the_replicas_after_it(
    world: Group, backend: str, postgres_server_url: str, redis_url: str, tmp_path: Path
) -> None:
    database, queue = backend.split("+")
    shared_redis = redis_url if queue == "redis" else None
    chat = int((await world.control.create_chat("channel", "Log", creator_id=world.owner))["id"])
    await world.control.promote(chat, world.bot_id, {"can_post_messages": True})
    users = [await world.member(f"Raider{i}") for i in range(4)]
    output = tmp_path / "enforcement.log"

    async with fresh_database(database, postgres_server_url, tmp_path) as url:
        async with _replica(world, url, shared_redis, output) as (stub, process):
            for i, user in enumerate(users):
                spec = warning(user_display_name=f"Raider{i}", log_chat_id=chat)
                response = await enforce(stub, world, user, f"raid:{user}", warning=spec)
                await done(stub, world, response.action_id)
            process.send_signal(signal.SIGKILL)
            await process.wait()
        assert await _log_messages(world, chat) == []  # the kill landed inside the window

        async with AsyncExitStack() as replicas:
            for _ in range(2):
                await replicas.enter_async_context(_replica(world, url, shared_redis, output))

            await eventually(
                lambda: _recorded(url, world, chat), 4 * WINDOW_SECONDS, what="the log message"
            )

    (message,) = await _log_messages(world, chat)
    rows = json.loads(str(message["params"]["reply_markup"]))["inline_keyboard"]  # type: ignore[index]
    assert len(rows) == len(users)
    text = str(message["params"]["text"])  # type: ignore[index]
    assert all(f"Raider{i}</a> muted" in text for i in range(len(users)))
