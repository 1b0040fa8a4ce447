"""A back end's database down for minutes under load: every update is delivered again until it
is back, none set aside as a dead letter, none lost. Real aiogram dispatching, the sandbox as
Telegram, tenancy over gRPC on PostgreSQL behind a proxy the test cuts."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from sqlalchemy.engine import make_url
from structlog.testing import capture_logs

from gmbot.gateway.clients.backends import call
from gmbot.gateway.intake.dead_letters import DeadLetters
from gmbot.gateway.intake.dedup import UpdateLedger
from gmbot.gateway.intake.pipeline import Result, UpdatePipeline
from gmbot.sandbox.app import RunningSandbox, running_sandbox
from gmbot.v1 import tenancy_pb2 as pb
from gmbot.v1 import tenancy_pb2_grpc
from tests.support.databases import fresh_postgres
from tests.support.services import channel_to, running_tenancy
from tests.support.tcpproxy import TcpProxy

# Long polling's pauses between deliveries of a failing update (in_hand.MAX_BACKOFF_SECONDS).
PAUSES = [min(2.0**n, 30.0) for n in range(12)]
OUTAGE_SECONDS = 120.0


async def _bot_in_a_group(sandbox: RunningSandbox) -> tuple[Bot, int, int]:
    """A bot administering a supergroup of the sandbox's, and the group's owner."""
    created = await sandbox.control.create_bot("outage_bot")
    owner = int((await sandbox.control.create_user("Owner"))["id"])
    group = int((await sandbox.control.create_chat("supergroup", "G", creator_id=owner))["id"])
    await sandbox.control.promote(group, int(created["user"]["id"]))
    bot = Bot(
        created["token"], session=AiohttpSession(api=TelegramAPIServer.from_base(sandbox.url))
    )
    return bot, group, owner


async def test_a_two_minute_database_outage_makes_no_dead_letters(
    postgres_server_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with fresh_postgres(postgres_server_url) as url:
        target = make_url(url)
        proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
        await proxy.start()
        proxied = target.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False
        )
        async with (
            running_tenancy(proxied) as service,
            channel_to(service.port) as channel,
            running_sandbox() as sandbox,
        ):
            tenancy = tenancy_pb2_grpc.TenancyServiceStub(channel)
            router = Router()
            answered: list[int] = []

            @router.message()
            async def judge(message: Message) -> None:
                await call(
                    "tenancy",
                    tenancy.ListOwnerGroups(pb.ListOwnerGroupsRequest(owner_user_id=1), timeout=5),
                )
                answered.append(message.message_id)

            dispatcher = Dispatcher()
            dispatcher.include_router(router)
            bot, group, owner = await _bot_in_a_group(sandbox)
            letters = DeadLetters(None, "test:", tmp_path / "dead-letters.jsonl", 3600)
            pipeline = UpdatePipeline(dispatcher, bot, UpdateLedger(), letters)
            for n in range(20):
                await sandbox.control.say(group, owner, f"message {n}")
            updates = [u for u in await bot.get_updates(timeout=0) if u.message is not None]

            await proxy.cut()
            clock = time.time()
            monkeypatch.setattr(time, "time", lambda: clock)
            outcomes: set[Result] = set()
            elapsed = 0.0
            with capture_logs():
                for pause in PAUSES:  # every delivery of the outage, each update each time
                    outcomes |= {await pipeline.handle(update) for update in updates}
                    clock += pause
                    elapsed += pause
                    if elapsed >= OUTAGE_SECONDS:
                        break
            await proxy.start()
            back = [await pipeline.handle(update) for update in updates]
            await bot.session.close()

    assert outcomes == {Result.RETRY}
    assert await letters.all() == []
    assert back == [Result.CONFIRM] * len(updates)
    assert len(answered) == len(updates) == 20
