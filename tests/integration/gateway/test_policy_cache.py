"""Policies cached in the gateway against a real tenancy service, invalidated across replicas
through a real Redis."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from redis.asyncio.cluster import RedisCluster

from gmbot.gateway.clients.policies import PolicyCache
from gmbot.gateway.clients.tenancy import policy_from
from gmbot.runtime.redis import create_redis, is_cluster
from gmbot.v1 import tenancy_pb2 as tenancy
from gmbot.v1 import tenancy_pb2_grpc
from tests.support.services import channel_to, running_tenancy
from tests.support.waiting import eventually

if TYPE_CHECKING:
    from gmbot.v1.tenancy_pb2_grpc import TenancyServiceAsyncStub


@pytest.fixture
async def stub(tmp_path: Path) -> AsyncIterator[TenancyServiceAsyncStub]:
    async with (
        running_tenancy(f"sqlite+aiosqlite:///{tmp_path / 't.db'}") as service,
        channel_to(service.port) as channel,
    ):
        yield tenancy_pb2_grpc.TenancyServiceStub(channel)


def _group() -> int:
    return -1001000000000 - random.randrange(1, 10**9)


async def _protect(stub: TenancyServiceAsyncStub, group_id: int) -> tenancy.GroupPolicy:
    response = await stub.ProtectGroup(
        tenancy.ProtectGroupRequest(
            group_id=group_id,
            group_title="g",
            owner=tenancy.Owner(user_id=1),
            channels=[tenancy.Channel(channel_id=-1002000000001, username="news_channel")],
        )
    )
    return response.policy


async def test_a_cached_policy_costs_no_call_until_it_expires(
    stub: TenancyServiceAsyncStub,
) -> None:
    group_id = _group()
    cache = PolicyCache(stub, ttl_seconds=60)

    assert await cache.get(group_id) is None  # not protected yet, and remembered as such
    await _protect(stub, group_id)

    assert await cache.get(group_id) is None
    expired = PolicyCache(stub, ttl_seconds=0)
    policy = await expired.get(group_id)
    assert policy is not None
    assert policy.enabled


@pytest.mark.redis_cluster
async def test_a_change_announced_by_one_replica_reaches_the_other(
    stub: TenancyServiceAsyncStub, redis_url: str
) -> None:
    group_id = _group()
    first_redis, second_redis = create_redis(redis_url), create_redis(redis_url)
    # A prefix of its own: the subscriber counted below is the second replica, no other test's.
    prefix = f"test:{uuid.uuid4().hex}:"
    first = PolicyCache(stub, ttl_seconds=3600, redis=first_redis, prefix=prefix)
    second = PolicyCache(stub, ttl_seconds=3600, redis=second_redis, prefix=prefix)
    await second.start()

    async def subscribed() -> bool:
        # A Redis Cluster counts each node's subscribers apart: ask every node.
        nodes = {"target_nodes": RedisCluster.ALL_NODES} if is_cluster(first_redis) else {}
        [(_, subscribers)] = await first_redis.pubsub_numsub(f"{prefix}policy-changed", **nodes)
        return bool(subscribers == 1)

    try:
        await eventually(subscribed, what="the second replica subscribed")
        assert await second.get(group_id) is None
        policy = await _protect(stub, group_id)

        await first.changed(group_id, policy_from(policy))

        async def arrived() -> bool:
            return await second.get(group_id) is not None

        await eventually(arrived, 2.5, what="the change at the other replica")
        seen = await second.get(group_id)
        assert seen is not None
        assert seen.version == policy.version
    finally:
        await second.stop()
        await first_redis.aclose()
        await second_redis.aclose()
