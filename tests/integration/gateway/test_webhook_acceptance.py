"""A webhook gateway's group messages answered once kept, handled after: in a file and on a real
Redis (and Redis Cluster). A raid's deliveries are all answered while none of them is handled,
a quiet chat's message goes past them, a replica stopped dead hands what it kept to its restart,
and one that never comes back is taken over by another replica once its alive key lapses."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.types import Update

from gmbot.gateway.intake.accepting import Acceptance
from gmbot.gateway.intake.pipeline import Result
from gmbot.gateway.stores.replica_spools import ReplicaSpool
from gmbot.gateway.stores.spools import FileSpool, Spool
from gmbot.runtime.redis import RedisClient
from tests.support.updates import message
from tests.support.waiting import eventually

RAIDED, QUIET = -100_1, -100_2
RAID = 200
BOUND = 30.0
NewSpool = Callable[[], Spool]


class Pipeline:
    """Handles the quiet chat's updates at once and the raid's only once `raid_goes` is set."""

    def __init__(self) -> None:
        self.raid_goes = asyncio.Event()
        self.handled: list[int] = []

    async def handle(self, update: Update) -> Result:
        assert update.message is not None
        if update.message.chat.id == RAIDED:
            await self.raid_goes.wait()
        self.handled.append(update.update_id)
        return Result.CONFIRM


@pytest.fixture
def bot() -> Bot:
    return Bot("42:TEST")


@pytest.fixture
async def replica_prefix(redis: RedisClient) -> AsyncIterator[str]:
    prefix = f"test:{uuid.uuid4().hex}:"
    yield prefix
    async for key in redis.scan_iter(match=f"{prefix}*"):
        await redis.delete(key)


@pytest.fixture(params=["file", "redis"])
def new_spool(
    request: pytest.FixtureRequest, tmp_path: Path, redis: RedisClient, replica_prefix: str
) -> NewSpool:
    """The spool of one replica, as each of its starts makes it: the same file, or the same
    replica's hash."""
    if request.param == "file":
        return lambda: FileSpool(tmp_path / "webhook-spool.jsonl")
    return lambda: ReplicaSpool(redis, replica_prefix, 42, "gateway-0:8080", kind="webhook")


async def _abandon(acceptance: Acceptance) -> None:
    """Stopped dead, as by SIGKILL: nothing drained, nothing forgotten on the way out."""
    assert acceptance._loop is not None
    acceptance._loop.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await acceptance._loop


@pytest.mark.redis_cluster
async def test_a_raid_is_answered_before_it_is_handled_and_a_restart_loses_none_of_it(
    bot: Bot, new_spool: NewSpool
) -> None:
    first = Pipeline()
    acceptance = Acceptance.over(bot, first, BOUND, new_spool())
    await acceptance.start()

    raid = [message(n, 1_000 + n % 40, RAIDED) for n in range(1, RAID + 1)]
    answered = await asyncio.wait_for(
        asyncio.gather(*(acceptance.accept(update) for update in raid)), 20
    )
    quiet = message(RAID + 1, 7, QUIET)
    assert await acceptance.accept(quiet)

    async def quiet_handled() -> bool:
        return quiet.update_id in first.handled

    await eventually(quiet_handled, 10, what="the quiet chat's message handled")
    assert answered == [True] * RAID
    assert first.handled == [quiet.update_id]  # every raid message answered, none handled yet
    await _abandon(acceptance)

    second = Pipeline()
    second.raid_goes.set()
    restarted = Acceptance.over(bot, second, BOUND, new_spool())
    await restarted.start()

    async def raid_handled() -> bool:
        return len(second.handled) >= RAID

    await eventually(raid_handled, 30, what="the raid handled after the restart")
    await restarted.stop(grace_seconds=5)
    # Each once. The quiet one may come again: the dead replica handled it but had not yet
    # forgotten it (the gateway's de-duplication, above the intake, makes that once).
    assert sorted(set(second.handled) - {quiet.update_id}) == [u.update_id for u in raid]
    assert len(set(second.handled)) == len(second.handled)
    assert await new_spool().load() == []  # all forgotten once handled
    first.raid_goes.set()  # the dead acceptance's tasks end too


@pytest.mark.redis_cluster
async def test_a_replica_that_never_comes_back_is_taken_over_once_it_is_no_longer_alive(
    bot: Bot, redis: RedisClient, replica_prefix: str
) -> None:
    dead_pipeline = Pipeline()
    dead_spool = ReplicaSpool(
        redis, replica_prefix, 42, "gateway-0:8080", kind="webhook", alive_seconds=1
    )
    dead = Acceptance.over(bot, dead_pipeline, BOUND, dead_spool, dead_spool)
    await dead.start()
    raid = [message(n, 1_000 + n, RAIDED) for n in range(1, 21)]
    assert all([await dead.accept(update) for update in raid])
    await _abandon(dead)
    survivor = Pipeline()
    survivor.raid_goes.set()
    spool = ReplicaSpool(
        redis, replica_prefix, 42, "gateway-1:8080", kind="webhook", alive_seconds=1
    )
    taker = Acceptance.over(bot, survivor, BOUND, spool, spool)
    taker.beat_seconds = 0.2
    await taker.start()

    async def taken_over() -> bool:
        return len(survivor.handled) >= len(raid)

    await eventually(taken_over, 20, what="the dead replica's updates handled by the survivor")
    await taker.stop(grace_seconds=5)
    assert sorted(survivor.handled) == [u.update_id for u in raid]
    assert (
        await ReplicaSpool(redis, replica_prefix, 42, "gateway-0:8080", kind="webhook").load() == []
    )
    assert await spool.load() == []
    # The survivor left gracefully with nothing kept: no spool of it is listed any more.
    assert await redis.smembers(f"{replica_prefix}webhook-spools:{{42}}") == set()
    dead_pipeline.raid_goes.set()


async def test_a_spool_that_cannot_keep_has_the_update_handled_before_the_answer(
    bot: Bot, tmp_path: Path
) -> None:
    (tmp_path / "not-a-folder").write_text("")
    pipeline = Pipeline()
    acceptance = Acceptance.over(
        bot, pipeline, BOUND, FileSpool(tmp_path / "not-a-folder" / "spool.jsonl")
    )
    await acceptance.start()

    kept = await acceptance.accept(message(1, 7, QUIET))
    await acceptance.stop(grace_seconds=1)

    assert kept is False
    assert pipeline.handled == []  # not in hand either: the webhook handles it itself
