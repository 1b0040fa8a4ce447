"""The messages waiting for a second look, kept in Redis per gateway replica (and on a Redis
Cluster): a replica restarted under its name takes its own back, one stopped gracefully is taken
over at another's next beat, one that died once its alive key lapses, and never by two."""

from __future__ import annotations

import asyncio
import time

import pytest

from gmbot.gateway.flows.second_look import Keeping, SecondLook
from gmbot.gateway.stores.replica_spools import ReplicaSpool
from gmbot.gateway.stores.waiting_looks import KeptLook, WaitingLooks
from gmbot.runtime.redis import RedisClient
from tests.support.waiting import eventually

BOT = 42


def _replica(redis: RedisClient, prefix: str, name: str, alive_seconds: int = 30) -> WaitingLooks:
    spool = ReplicaSpool(redis, prefix, BOT, name, kind="second-look", alive_seconds=alive_seconds)
    return WaitingLooks(spool, spool)


def _look(update_id: int, due: float = 0.0) -> KeptLook:
    return KeptLook(update_id, 1, due or time.time(), {"sender": update_id % 7, "text": "hi"})


@pytest.mark.redis_cluster
async def test_a_replica_restarted_under_its_name_takes_its_own_back(
    redis: RedisClient, prefix: str
) -> None:
    before = _replica(redis, prefix, "gateway-0:8080")
    await before.beat()
    looks = [_look(n) for n in range(1, 6)]
    await asyncio.gather(*(before.keep(look) for look in looks))
    await before.forget(3)

    after = _replica(redis, prefix, "gateway-0:8080")
    assert await after.load() == [look for look in looks if look.update_id != 3]


@pytest.mark.redis_cluster
async def test_a_replica_stopped_gracefully_is_taken_over_at_the_next_beat(
    redis: RedisClient, prefix: str
) -> None:
    leaving = _replica(redis, prefix, "gateway-0:8080")
    staying = _replica(redis, prefix, "gateway-1:8080")
    await leaving.beat()
    await staying.beat()
    kept = _look(11)
    await leaving.keep(kept)
    assert await staying.beat() == []  # alive: its looks are its own

    await leaving.leave()

    assert await staying.beat() == [kept]
    assert await staying.load() == [kept]  # now the taker's own
    assert await _replica(redis, prefix, "gateway-0:8080").load() == []


@pytest.mark.redis_cluster
async def test_a_replica_that_died_is_taken_over_once_by_one_replica(
    redis: RedisClient, prefix: str
) -> None:
    dead = _replica(redis, prefix, "gateway-0:8080", alive_seconds=1)
    await dead.beat()
    await asyncio.gather(*(dead.keep(_look(n)) for n in range(20, 30)))
    takers = [_replica(redis, prefix, f"gateway-{n}:8080", alive_seconds=1) for n in (1, 2)]
    taken: list[KeptLook] = []

    async def all_taken() -> bool:
        for taker in takers:
            taken.extend(await taker.beat())
        return len(taken) >= 10

    await eventually(all_taken, 10, what="the dead replica's looks taken over")
    assert sorted(look.update_id for look in taken) == list(range(20, 30))  # each once


async def test_a_second_look_a_stopped_replica_left_is_looked_at_by_another(
    redis: RedisClient, prefix: str
) -> None:
    def second_look(name: str) -> SecondLook[dict[str, int]]:
        keeping: Keeping[dict[str, int]] = Keeping(
            _replica(redis, prefix, name), lambda m: m["update_id"], dict, dict
        )
        return SecondLook(lambda m: m["sender"], delays=(0.3,), keeping=keeping)

    async def never(_message: dict[str, int]) -> bool:
        raise AssertionError("looked at by the replica that stopped")

    stopping = second_look("gateway-0:8080")
    await stopping.start(never)
    await stopping.schedule({"update_id": 77, "sender": 5})
    await stopping.stop()

    looked: list[dict[str, int]] = []

    async def look(message: dict[str, int]) -> bool:
        looked.append(message)
        return True

    taker = second_look("gateway-1:8080")
    await taker.start(look)  # its first beat takes over at once
    await eventually(lambda: _any(looked), 5, what="the left look taken over and looked at")
    await taker.stop()
    assert looked == [{"update_id": 77, "sender": 5}]


async def _any(looked: list[dict[str, int]]) -> bool:
    return bool(looked)
