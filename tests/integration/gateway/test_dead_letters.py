"""Nothing dropped silently: an update whose handling keeps failing, or fails in a way retrying
cannot fix, becomes a dead letter (in Redis, or in a file) that operators list and replay; the
person whose command failed is told to try again. Real aiogram dispatching, the sandbox as
Telegram, a real Redis."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import Command
from aiogram.types import Message, Update
from aiohttp.test_utils import TestClient, TestServer

from gmbot.gateway.backends import BackendUnavailable
from gmbot.gateway.dead_letters import DeadLetters
from gmbot.gateway.dedup import UpdateLedger
from gmbot.gateway.endpoints import DEAD_LETTERS_PATH, DeadLetterDesk, admin_app
from gmbot.gateway.intake.pipeline import Result, UpdatePipeline
from gmbot.runtime.callers import Callers
from gmbot.runtime.redis import create_redis
from gmbot.sandbox.app import RunningSandbox, running_sandbox
from tests.support.membership import forget_keys

TOKEN = "admin-token-0123456789abcdef"
OPERATOR = "operator-token-0123456789abcdef"
BILLING = "billing-token-0123456789abcdef"
CALLERS = Callers.build(TOKEN, f"ops:operator:{OPERATOR};billing:membership-read:{BILLING}")


@dataclass
class Gateway:
    sandbox: RunningSandbox
    bot: Bot
    pipeline: UpdatePipeline
    letters: DeadLetters
    desk: DeadLetterDesk
    group: int
    owner: int
    # What the handlers do next: "bug", "down" or "fine".
    mood: list[str]


def _router(mood: list[str]) -> Router:
    router = Router()

    @router.message(Command("protect"))
    async def protect(message: Message) -> None:
        if mood[0] == "bug":
            raise grpc.aio.AioRpcError(
                grpc.StatusCode.INTERNAL, grpc.aio.Metadata(), grpc.aio.Metadata(), "boom", None
            )
        if mood[0] == "down":
            raise BackendUnavailable("tenancy", "UNAVAILABLE", "connection refused")
        await message.answer("protected")

    return router


@pytest.fixture(params=["redis", "file"])
async def gateway(
    request: pytest.FixtureRequest, redis_url: str, tmp_path: Path
) -> AsyncIterator[Gateway]:
    redis = create_redis(redis_url) if request.param == "redis" else None
    prefix = f"test:{uuid.uuid4().hex}:"
    async with running_sandbox() as sandbox:
        control = sandbox.control
        created = await control.create_bot("dead_letter_bot")
        owner = int((await control.create_user("Owner", language_code="ru"))["id"])
        group = int((await control.create_chat("supergroup", "G", creator_id=owner))["id"])
        await control.promote(group, int(created["user"]["id"]))
        bot = Bot(
            created["token"], session=AiohttpSession(api=TelegramAPIServer.from_base(sandbox.url))
        )
        mood = ["fine"]
        dispatcher = Dispatcher()
        dispatcher.include_router(_router(mood))
        letters = DeadLetters(redis, prefix, tmp_path / "dead-letters.jsonl")
        pipeline = UpdatePipeline(dispatcher, bot, UpdateLedger(redis, prefix), letters, 3)
        desk = DeadLetterDesk(letters, pipeline, bot, CALLERS)
        yield Gateway(sandbox, bot, pipeline, letters, desk, group, owner, mood)
        await bot.session.close()
    if redis is not None:
        await forget_keys(redis_url, prefix)
        await redis.aclose()


async def _command(gateway: Gateway, text: str) -> Update:
    said = await gateway.sandbox.control.say(gateway.group, gateway.owner, text)
    updates = await gateway.bot.get_updates(timeout=0)
    found = next(u for u in updates if u.message and u.message.message_id == said["message_id"])
    await gateway.bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    return found


async def _apologies(gateway: Gateway) -> list[str]:
    calls = await gateway.sandbox.control.journal(method="sendMessage")
    return [c["params"]["text"] for c in calls if "минуту" in c["params"]["text"]]


async def test_a_failure_retrying_cannot_fix_is_set_aside_and_its_sender_told(
    gateway: Gateway,
) -> None:
    gateway.mood[0] = "bug"
    update = await _command(gateway, "/protect @news")

    result = await gateway.pipeline.handle(update)

    assert result is Result.CONFIRM  # it cannot block the updates behind it...
    (letter,) = await gateway.letters.all()  # ...and it is not forgotten
    assert letter.update_id == update.update_id
    assert "INTERNAL" in letter.reason or "boom" in letter.reason
    assert letter.update["message"]["text"] == "/protect @news"
    assert len(await _apologies(gateway)) == 1  # in the sender's language


async def test_an_update_whose_back_end_stays_down_is_set_aside_after_its_deliveries(
    gateway: Gateway,
) -> None:
    gateway.mood[0] = "down"
    update = await _command(gateway, "/protect @news")

    results = [await gateway.pipeline.handle(update) for _ in range(3)]

    assert results == [Result.RETRY, Result.RETRY, Result.CONFIRM]
    (letter,) = await gateway.letters.all()
    assert letter.attempts == 3
    assert "still failing after 3 deliveries" in letter.reason


async def test_operators_list_and_replay_dead_letters_with_the_token(gateway: Gateway) -> None:
    gateway.mood[0] = "bug"
    await gateway.pipeline.handle(await _command(gateway, "/protect @news"))
    (letter,) = await gateway.letters.all()
    gateway.mood[0] = "fine"  # the bug is fixed, the operator replays
    auth = {"Authorization": f"Bearer {TOKEN}"}

    async with TestClient(TestServer(admin_app(_ready, gateway.desk))) as client:
        refused = await client.get(DEAD_LETTERS_PATH)
        listed = await (await client.get(DEAD_LETTERS_PATH, headers=auth)).json()
        replayed = await client.post(f"{DEAD_LETTERS_PATH}/{letter.id}/replay", headers=auth)
        missing = await client.post(f"{DEAD_LETTERS_PATH}/{letter.id}/replay", headers=auth)

    assert refused.status == 401
    assert [item["id"] for item in listed] == [letter.id]
    assert replayed.status == 200
    assert missing.status == 404
    assert await gateway.letters.all() == []
    answers = await gateway.sandbox.control.journal(method="sendMessage")
    assert any(c["params"]["text"] == "protected" for c in answers)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_an_operators_own_token_may_list_and_another_callers_may_not(
    gateway: Gateway,
) -> None:
    async with TestClient(TestServer(admin_app(_ready, gateway.desk))) as client:
        operator = await client.get(DEAD_LETTERS_PATH, headers=bearer(OPERATOR))
        listed = await operator.json()
        billing = await client.get(DEAD_LETTERS_PATH, headers=bearer(BILLING))
        refusal = await billing.text()
        replay = await client.post(f"{DEAD_LETTERS_PATH}/nothing/replay", headers=bearer(BILLING))
        strange = await client.get(DEAD_LETTERS_PATH, headers={"Authorization": "Bearer tökén"})
        basic = await client.get(DEAD_LETTERS_PATH, headers={"Authorization": f"Basic {TOKEN}"})

    assert (operator.status, listed) == (200, [])
    assert (billing.status, replay.status) == (403, 403)
    assert "'billing' may not call /gmbot.gateway.DeadLetters/List" in refusal
    assert (strange.status, basic.status) == (401, 401)


async def _ready() -> dict[str, bool]:
    return {"test": True}
