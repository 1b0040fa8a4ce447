"""The gateway through the lifecycle every process shares: long polling that cannot go on ends
the process, with its error."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramUnauthorizedError
from aiogram.methods import DeleteWebhook, GetUpdates
from aiohttp import web
from pydantic import SecretStr

from gmbot.gateway.app import Gateway, started
from gmbot.gateway.intake.dead_letters import DeadLetters
from gmbot.gateway.intake.dedup import UpdateLedger
from gmbot.gateway.intake.pipeline import UpdatePipeline
from gmbot.gateway.settings import GatewaySettings
from gmbot.gateway.stores.spools import FileSpool
from gmbot.runtime.lifecycle import serve
from tests.support.services import TEST_TOKEN
from tests.unit.gateway.fakes import BOT_ID, RecordingSession


def _polling_gateway(session: RecordingSession, tmp_path: Path) -> Gateway:
    """A gateway taking updates by long polling from `session`; nothing behind its pipeline."""
    settings = GatewaySettings.model_validate(
        {
            "auth_token": SecretStr(TEST_TOKEN),
            "bot_token": SecretStr(f"{BOT_ID}:TEST"),
            "callback_signing_key": SecretStr("k" * 32 + "-signing-key"),
            "admin_port": 0,
            "shutdown_grace_seconds": 1,
        }
    )
    bot = Bot(f"{BOT_ID}:TEST", session=session)
    letters = DeadLetters(None, "test:", tmp_path / "dead-letters.jsonl", 3600)
    pipeline = UpdatePipeline(Dispatcher(), bot, UpdateLedger(), letters)
    return Gateway(
        settings,
        bot,
        "guard_bot",
        pipeline,
        FileSpool(tmp_path / "spool.jsonl"),
        ["message"],
        web.Application(),
        None,
        asyncio.Event(),
        AsyncExitStack(),
    )


async def test_long_polling_refused_by_telegram_stops_the_gateway_with_its_error(
    tmp_path: Path,
) -> None:
    refused = TelegramUnauthorizedError(method=GetUpdates(), message="Unauthorized")
    session = RecordingSession(failures={GetUpdates: refused})
    stop = asyncio.Event()
    gateway = _polling_gateway(session, tmp_path)

    serving = asyncio.create_task(serve(started(gateway, stop), grace_seconds=1, stop=stop))
    done, _ = await asyncio.wait({serving}, timeout=5)
    stop.set()  # lets it end, had the poller's failure not stopped it

    with pytest.raises(TelegramUnauthorizedError):
        await serving
    assert done == {serving}
    assert {DeleteWebhook, GetUpdates} <= {type(request) for request in session.requests}
