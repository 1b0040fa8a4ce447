"""Long polling with its spool, in a file and on a real Redis, against the sandbox: a quiet chat's
update is handled while a raid's 300 wait, and a poller stopped dead hands everything it had
taken to the next one, which gets every update once."""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiogram.types import Update

from gmbot.gateway.intake.pipeline import Result
from gmbot.gateway.intake.polling import poll
from gmbot.gateway.stores.spools import FileSpool, RedisSpool, Spool
from gmbot.runtime.redis import create_redis
from tests.support.gateway import World
from tests.support.sandbox import aiogram_bot, drain
from tests.support.waiting import eventually

RAID = 300
NewSpool = Callable[[], Spool]


@pytest.fixture(params=["file", "redis"])
async def new_spool(
    request: pytest.FixtureRequest, redis_url: str, tmp_path: Path
) -> AsyncIterator[NewSpool]:
    """Makes the spool as each new process would: over the same file, or the same Redis key."""
    if request.param == "file":
        yield lambda: FileSpool(tmp_path / "spool.jsonl")
        return
    redis = create_redis(redis_url)
    prefix = f"test:{uuid.uuid4().hex}:"
    yield lambda: RedisSpool(redis, f"{prefix}poll-spool:42")
    await redis.delete(f"{prefix}poll-spool:42")
    await redis.aclose()


def _raw(update_id: int) -> dict[str, Any]:
    return {"update_id": update_id, "message": {"message_id": update_id, "date": 0}}


def _kept(*update_ids: int) -> dict[int, str]:
    """As the poller hands them to the spool: each update in JSON, by its id."""
    return {update_id: json.dumps(_raw(update_id)) for update_id in update_ids}


async def test_what_is_kept_and_not_forgotten_comes_back_in_order(new_spool: NewSpool) -> None:
    first = new_spool()
    assert await first.load() == []
    await first.keep(_kept(3, 1))
    await first.keep(_kept(2))
    await first.forget([1])

    assert [raw["update_id"] for raw in await new_spool().load()] == [2, 3]


async def test_a_line_cut_short_by_a_kill_costs_nothing_kept(tmp_path: Path) -> None:
    file = tmp_path / "spool.jsonl"
    spool = FileSpool(file)
    await spool.keep(_kept(1))
    with file.open("a", encoding="utf-8") as out:
        out.write('{"keep": {"update_id": 2, "mess')  # killed while writing; never fsynced

    again = FileSpool(file)
    assert [raw["update_id"] for raw in await again.load()] == [1]
    await again.keep(_kept(3))  # the cut line is gone: what follows is read whole
    assert [raw["update_id"] for raw in await FileSpool(file).load()] == [1, 3]


class Pipeline:
    """Handles the quiet chat's updates at once and the raid's only once `raid_goes` is set."""

    def __init__(self, raided: int) -> None:
        self.raided = raided
        self.raid_goes = asyncio.Event()
        self.handled: list[tuple[int, int]] = []

    async def handle(self, update: Update) -> Result:
        assert update.message is not None
        if update.message.chat.id == self.raided:
            await self.raid_goes.wait()
        self.handled.append((update.message.chat.id, update.message.message_id))
        return Result.CONFIRM


async def test_a_quiet_chat_goes_past_a_raids_backlog_and_a_dead_poller_loses_nothing(
    world: World, new_spool: NewSpool
) -> None:
    control = world.sandbox.control
    bot = aiogram_bot(world.sandbox.url, world.token)
    await drain(bot)
    raid = await control.say_many([(world.group, world.member, f"m{n}") for n in range(RAID)])
    quiet = await control.say(world.basic_group, world.member, "hello")
    first, stop = Pipeline(world.group), asyncio.Event()
    poller = asyncio.create_task(poll(bot, first, new_spool(), ["message"], stop))

    async def quiet_handled() -> bool:
        return (world.basic_group, int(quiet["message_id"])) in first.handled

    await eventually(quiet_handled, 30, what="the quiet chat's update handled")
    assert all(chat != world.group for chat, _ in first.handled)  # the raid's all wait
    poller.cancel()  # stopped dead: nothing drained, nothing confirmed on the way out
    with contextlib.suppress(asyncio.CancelledError):
        await poller

    second = Pipeline(world.group)
    second.raid_goes.set()
    poller = asyncio.create_task(poll(bot, second, new_spool(), ["message"], stop))

    async def all_handled() -> bool:
        raided = len([c for c, _ in second.handled if c == world.group]) >= RAID
        return raided and (await control.bot_queue(world.bot_id))["pending"] == 0

    # The quiet update comes again when the dead poller handled it but had not yet confirmed it
    # (the gateway's de-duplication, above the intake, makes that once): unless a getUpdates it
    # sent after handling it reached Telegram first, which confirms it even if its answer never
    # comes back. Either way nothing stays pending.
    await eventually(all_handled, 60, what="the raid handled by the next, nothing pending")
    stop.set()
    await poller
    raid_ids = sorted(m for c, m in second.handled if c == world.group)
    assert raid_ids == sorted(int(m["message_id"]) for m in raid["messages"])  # each once
    assert second.handled.count((world.basic_group, int(quiet["message_id"]))) <= 1
    first.raid_goes.set()  # the dead poller's tasks end too
    await bot.session.close()
