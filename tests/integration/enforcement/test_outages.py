"""The workers outlive their databases: PostgreSQL and Redis cut mid-burst (Redis coming back
empty, as after a restart without persistence), then restored. Health says NOT_SERVING while
the workers cannot work and SERVING again after, and every accepted action is carried out
exactly once."""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from prometheus_client import REGISTRY
from sqlalchemy.engine import make_url

from gmbot.v1 import enforcement_pb2 as pb
from gmbot.v1 import enforcement_pb2_grpc
from tests.integration.enforcement.calls import enforce, state_of
from tests.support.databases import fresh_postgres
from tests.support.enforcement import Group, enforcement_settings, running_enforcement
from tests.support.membership import forget_keys
from tests.support.services import channel_to
from tests.support.tcpproxy import TcpProxy
from tests.support.waiting import eventually

if TYPE_CHECKING:
    from gmbot.v1.enforcement_pb2_grpc import EnforcementServiceAsyncStub as Stub

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


@contextlib.asynccontextmanager
async def proxy_to(url: str, default_port: int) -> AsyncIterator[TcpProxy]:
    target = make_url(url)
    proxy = TcpProxy(target.host or "127.0.0.1", target.port or default_port)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.cut()


@contextlib.asynccontextmanager
async def watched(port: int) -> AsyncIterator[list[int]]:
    """Every health status the service announces, in order (grpc.health.v1 Watch)."""
    seen: list[int] = []

    async def watch() -> None:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stream = health_pb2_grpc.HealthStub(channel).Watch(
                health_pb2.HealthCheckRequest(service="")
            )
            async for reply in stream:
                seen.append(reply.status)  # noqa: PERF401 - each as it comes

    task = asyncio.create_task(watch())
    try:
        yield seen
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _failures() -> float:
    """Failed rounds of the supervised loops so far (metrics are per process)."""
    return sum(
        REGISTRY.get_sample_value("gmbot_enforcement_worker_failures_total", {"loop": loop}) or 0.0
        for loop in ("worker", "sweeper")
    )


async def test_postgres_and_redis_cut_mid_burst_every_action_is_done_once_health_follows(
    world: Group, postgres_server_url: str, redis_url: str
) -> None:
    users = [await world.member(f"U{i}") for i in range(30)]
    messages = {u: await world.said(u) for u in users}
    failures_before = _failures()
    async with (
        fresh_postgres(postgres_server_url) as database_url,
        proxy_to(database_url, 5432) as database,
        proxy_to(redis_url, 6379) as redis,
    ):
        settings = enforcement_settings(
            world.sandbox.url,
            world.token,
            _via(database_url, database.port),
            _via(redis_url, redis.port),
            workers=8,
            # A worker waits out an outage shorter than its lease where it is, instead of
            # leaving the action for a rerun that repeats its Bot API calls.
            lease_seconds=15,
            requests_per_second=200,
            group_messages_per_minute=1000,
        )
        async with (
            running_enforcement(settings) as service,
            channel_to(service.port) as channel,
            watched(service.port) as health,
        ):
            stub: Stub = enforcement_pb2_grpc.EnforcementServiceStub(channel)
            await eventually(lambda: _said(health, SERVING))
            await world.control.set_faults(latency=0.05)
            accepted = [await enforce(stub, world, u, f"outage:{u}", messages[u]) for u in users]
            await eventually(lambda: _restricted_at_least(world, 6), seconds=20)

            await database.cut()
            await redis.cut()
            await forget_keys(redis_url, settings.redis_prefix)  # Redis comes back empty
            restricted_at_cut = len(await _ok(world, "restrictChatMember"))
            await eventually(lambda: _said(health, NOT_SERVING), seconds=10)
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await enforce(stub, world, users[0], "during-the-outage")
            await asyncio.sleep(1.0)
            await database.start()
            await redis.start()
            await eventually(lambda: _said(health, SERVING, after=NOT_SERVING), seconds=20)

            await eventually(lambda: _all_done(stub, world, accepted), seconds=60)
            await asyncio.sleep(1.0)  # anything repeated late would show now

    assert restricted_at_cut < len(users)  # the cut did land mid-burst
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE  # not "accepted"
    assert _failures() > failures_before
    deleted = collections.Counter(m for ids in await world.deletions() for m in ids)
    # Every message gone; an action cut between its deletion and its recorded end deletes again
    # (harmless: gone stays gone). What must not repeat, mutes and warnings, is counted below.
    assert set(deleted) == set(messages.values())
    assert max(deleted.values()) <= 2
    restricted = await _restricted_per_member(world)
    assert restricted == collections.Counter(dict.fromkeys(users, 1))
    assert await _warned_per_member(world, users) == collections.Counter(dict.fromkeys(users, 1))


async def test_a_replica_cut_off_from_postgres_leaves_its_actions_to_another(
    world: Group, postgres_server_url: str, redis_url: str
) -> None:
    """The action stays claimable by any replica: what the cut-off replica held (claimed, or
    taken from the stream) runs out its lease and the other replica carries it out, while the
    cut-off one says NOT_SERVING; back, it says SERVING and overwrites nothing."""
    users = [await world.member(f"U{i}") for i in range(24)]
    messages = {u: await world.said(u) for u in users}
    async with (
        fresh_postgres(postgres_server_url) as database_url,
        proxy_to(database_url, 5432) as database,
    ):
        direct = enforcement_settings(
            world.sandbox.url,
            world.token,
            database_url,
            redis_url,
            workers=4,
            lease_seconds=2,
            requests_per_second=200,
            group_messages_per_minute=1000,
        )
        proxied = direct.model_copy(update={"database_url": _via(database_url, database.port)})
        async with (
            running_enforcement(proxied) as cut_off,
            running_enforcement(direct) as other,
            channel_to(cut_off.port) as cut_off_channel,
            channel_to(other.port) as other_channel,
            watched(cut_off.port) as cut_off_health,
            watched(other.port) as other_health,
        ):
            stub: Stub = enforcement_pb2_grpc.EnforcementServiceStub(cut_off_channel)
            other_stub: Stub = enforcement_pb2_grpc.EnforcementServiceStub(other_channel)
            await world.control.set_faults(latency=0.05)
            accepted = [await enforce(stub, world, u, f"replica:{u}", messages[u]) for u in users]
            await eventually(lambda: _restricted_at_least(world, 4), seconds=20)

            await database.cut()
            restricted_at_cut = len(await _ok(world, "restrictChatMember"))
            await eventually(lambda: _said(cut_off_health, NOT_SERVING), seconds=10)
            await eventually(lambda: _all_done(other_stub, world, accepted), seconds=60)
            other_said = list(other_health)
            await database.start()
            await eventually(lambda: _said(cut_off_health, SERVING, after=NOT_SERVING), seconds=20)
            await asyncio.sleep(1.0)  # anything overwritten late would show now
            assert await _all_done(other_stub, world, accepted)  # nothing overwritten since

    assert restricted_at_cut < len(users)  # the cut did land mid-burst
    assert other_said == [SERVING]
    deletions = await world.deletions()
    # Batched (≤ 6 calls when quiet, 7+ in a loaded CI, as the RPCs come one by one); a batch the
    # cut-off replica sent before it could record it is sent again by the replica that takes it
    # over (Telegram skips the ids already gone): a call more, never a message more.
    assert {m for ids in deletions for m in ids} == set(messages.values())
    assert len(deletions) <= len(users) // 2, deletions
    restricted = await _restricted_per_member(world)
    assert set(restricted) == set(users)
    # A Bot API call the cut-off replica made but could not record is made again by the
    # other (Telegram has no idempotency keys): at most one per worker it had.
    assert sum(restricted.values()) - len(users) <= proxied.workers


async def _all_done(stub: Stub, world: Group, accepted: list[pb.EnforceResponse]) -> bool:
    states = [await state_of(stub, world, a.action_id) for a in accepted]
    return all(s == pb.ACTION_STATE_DONE for s in states)


async def _said(seen: list[int], status: int, after: int | None = None) -> bool:
    """Whether health announced `status` (after having announced `after`)."""
    if after is None:
        return status in seen
    return after in seen and status in seen[seen.index(after) + 1 :]


async def _ok(world: Group, method: str) -> list[dict[str, Any]]:
    return [c for c in await world.calls(method) if c["ok"]]


async def _restricted_at_least(world: Group, count: int) -> bool:
    return len(await _ok(world, "restrictChatMember")) >= count


async def _restricted_per_member(world: Group) -> collections.Counter[int]:
    """How many times each member was restricted (successful restrictChatMember calls)."""
    calls = await _ok(world, "restrictChatMember")
    return collections.Counter(int(c["params"]["user_id"]) for c in calls)


async def _warned_per_member(world: Group, users: list[int]) -> collections.Counter[int]:
    """How many warnings mention each of `users`."""
    return collections.Counter(
        user
        for call in await _ok(world, "sendMessage")
        for user in users
        if f'tg://user?id={user}"' in call["params"]["text"]
    )


def _via(url: str, port: int) -> str:
    """The URL of a server (PostgreSQL, Redis) through the proxy on `port`."""
    return make_url(url).set(port=port).render_as_string(hide_password=False)
