"""Nothing dropped silently: an update whose handling keeps failing, or fails in a way retrying
cannot fix, becomes a dead letter (in Redis, or in a file) that operators list and replay; the
person whose command failed is told to try again. Real aiogram dispatching, the sandbox as
Telegram, a real Redis."""

from __future__ import annotations

import asyncio
import time
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
from redis.exceptions import ReadOnlyError
from structlog.testing import capture_logs

from gmbot.gateway.clients.backends import BackendUnavailable
from gmbot.gateway.endpoints import DEAD_LETTERS_PATH, DeadLetterDesk, admin_app
from gmbot.gateway.intake.dead_letters import DeadLetters
from gmbot.gateway.intake.dedup import UpdateLedger
from gmbot.gateway.intake.pipeline import Patience, Result, UpdatePipeline
from gmbot.runtime.callers import Callers
from gmbot.runtime.redis import create_redis
from gmbot.sandbox.app import RunningSandbox, running_sandbox
from tests.support.membership import forget_keys
from tests.support.redis_server import private_redis

pytestmark = pytest.mark.redis_cluster

TOKEN = "admin-token-0123456789abcdef"
OPERATOR = "operator-token-0123456789abcdef"
BILLING = "billing-token-0123456789abcdef"
RETENTION = 3600.0
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
        if mood[0] == "readonly":
            raise ReadOnlyError("You can't write against a read only replica.")
        if mood[0] == "stuck":
            await asyncio.Event().wait()
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
        letters = DeadLetters(redis, prefix, tmp_path / "dead-letters.jsonl", RETENTION)
        pipeline = UpdatePipeline(
            dispatcher, bot, UpdateLedger(redis, prefix), letters, Patience(deadline_seconds=2)
        )
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


async def test_an_update_whose_back_end_stays_down_is_set_aside_once_telegram_would_forget_it(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway.mood[0] = "down"
    update = await _command(gateway, "/protect @news")

    results = [await gateway.pipeline.handle(update) for _ in range(20)]
    assert results == [Result.RETRY] * 20  # an outage of any length inside the day: no letter
    assert await gateway.letters.all() == []
    later = time.time() + 23 * 3600
    monkeypatch.setattr(time, "time", lambda: later)
    results.append(await gateway.pipeline.handle(update))

    assert results[-1] is Result.CONFIRM
    (letter,) = await gateway.letters.all()
    assert letter.attempts == 21
    assert "still failing after 21 deliveries" in letter.reason


async def test_an_unclassified_redis_error_does_not_skip_the_update(gateway: Gateway) -> None:
    """A Redis out of memory answers OOM, one failing over READONLY: neither is a connection
    error, and the claim's once escaped the pipeline, which the intake took for "handled"."""
    update = await _command(gateway, "/protect @news")
    async with private_redis() as url:
        full = create_redis(url)
        await full.config_set("maxmemory", 1)  # every write is refused with OOM
        pipeline = UpdatePipeline(
            gateway.pipeline._dispatcher, gateway.bot, UpdateLedger(full), gateway.letters
        )
        with capture_logs():
            assert await pipeline.handle(update) is Result.RETRY
        await full.aclose()

    assert await gateway.letters.all() == []
    assert await gateway.sandbox.control.journal(method="sendMessage") == []
    gateway.mood[0] = "readonly"  # inside a handler: a failure that passes, no dead letter
    assert await gateway.pipeline.handle(update) is Result.RETRY
    assert await gateway.letters.all() == []


async def test_an_unwritable_dead_letter_file_does_not_skip_the_update(
    gateway: Gateway, tmp_path: Path
) -> None:
    gateway.mood[0] = "bug"
    update = await _command(gateway, "/protect @news")
    letters = DeadLetters(None, "test:", tmp_path / "a-file" / "dead-letters.jsonl", RETENTION)
    (tmp_path / "a-file").write_text("a file where the folder should be")
    pipeline = UpdatePipeline(gateway.pipeline._dispatcher, gateway.bot, UpdateLedger(), letters)

    with capture_logs():
        assert await pipeline.handle(update) is Result.RETRY  # not kept, so not confirmed


async def test_an_update_still_in_hand_at_its_deadline_is_retried_and_says_where_it_waits(
    gateway: Gateway,
) -> None:
    gateway.mood[0] = "stuck"
    update = await _command(gateway, "/protect @news")

    with capture_logs() as logs:
        assert await gateway.pipeline.handle(update) is Result.RETRY

    [stuck] = [e for e in logs if e["event"].startswith("update still in hand")]
    assert any("protect" in frame for frame in stuck["waits_in"])
    assert any("Event.wait" in frame for frame in stuck["waits_in"])
    assert await gateway.letters.all() == []


async def test_dead_letters_expire_after_the_retention(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    gateway.mood[0] = "bug"
    await gateway.pipeline.handle(await _command(gateway, "/protect @news"))
    assert len(await gateway.letters.all()) == 1
    later = time.time() + RETENTION + 1
    monkeypatch.setattr(time, "time", lambda: later)

    assert await gateway.letters.all() == []
    monkeypatch.undo()
    assert await gateway.letters.all() == []  # deleted, not only hidden


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


def test_a_dead_letter_file_that_cannot_be_written_stops_the_start_naming_the_setting(
    tmp_path: Path,
) -> None:
    (tmp_path / "read-only-root").write_text("a file where the folder should be")
    letters = DeadLetters(None, "test:", tmp_path / "read-only-root" / "x.jsonl", RETENTION)

    with pytest.raises(SystemExit, match=r"DEAD_LETTER_FILE .* cannot be written"):
        letters.check_writable()
