"""Who was seen in a group: the per-group index beside presence, in Redis and in this process,
and ListGroupMembers paging through it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import grpc
import pytest

from gmbot.membership.domain.ports import Store
from gmbot.membership.storage.local_store import LocalStore
from gmbot.membership.storage.redis_store import RedisStore
from gmbot.runtime.redis import create_redis
from gmbot.v1 import membership_pb2 as pb
from tests.support.membership import World

pytestmark = pytest.mark.redis_cluster

if TYPE_CHECKING:
    from gmbot.v1.membership_pb2_grpc import MembershipServiceAsyncStub as Stub

DAY = 86400.0
GROUP = -1001000000001


@pytest.fixture(params=["redis", "local"])
async def store(request: pytest.FixtureRequest, redis_url: str) -> AsyncIterator[Store]:
    if request.param == "local":
        yield LocalStore()
        return
    redis = create_redis(redis_url)
    prefix = f"test:members:{uuid.uuid4().hex}:"
    yield RedisStore(redis, prefix)
    keys = [key async for key in redis.scan_iter(f"{prefix}*")]
    if keys:
        await redis.delete(*keys)
    await redis.aclose()


async def test_a_group_lists_the_users_seen_in_it_ascending_and_paged(store: Store) -> None:
    for user_id in (30, 10, 20, 10):
        await store.touch(user_id, GROUP, now=1000.0, window=DAY)
    await store.touch(40, GROUP - 1, now=1000.0, window=DAY)

    assert await store.members(GROUP, 1001.0, DAY, after=0, limit=10) == [10, 20, 30]
    assert await store.members(GROUP, 1001.0, DAY, after=10, limit=1) == [20]
    assert await store.members(GROUP - 1, 1001.0, DAY, after=0, limit=10) == [40]
    assert await store.members(GROUP - 2, 1001.0, DAY, after=0, limit=10) == []


async def test_a_group_forgets_whom_presence_forgets(store: Store) -> None:
    await store.touch(7, GROUP, now=0.0, window=DAY)
    await store.touch(8, GROUP, now=DAY, window=DAY)

    assert await store.members(GROUP, 1.5 * DAY, DAY, after=0, limit=10) == [8]
    assert await store.groups(7, 1.5 * DAY, DAY) == []


async def test_in_process_a_group_keeps_the_users_seen_most_recently() -> None:
    store = LocalStore(users_per_group=2, seen_groups=1)

    for user_id in (1, 2, 3):
        await store.touch(user_id, GROUP, now=1000.0 + user_id, window=DAY)
    assert await store.members(GROUP, 1004.0, DAY, after=0, limit=10) == [2, 3]

    await store.touch(9, GROUP - 1, now=1005.0, window=DAY)  # one group at most: the older goes
    assert await store.members(GROUP, 1006.0, DAY, after=0, limit=10) == []
    assert await store.members(GROUP - 1, 1006.0, DAY, after=0, limit=10) == [9]


async def test_list_group_members_pages_through_the_users_seen(
    world: World, membership: Stub
) -> None:
    users = sorted([await world.user() for _ in range(3)])
    await membership.RecordPresenceBatch(
        pb.RecordPresenceBatchRequest(
            presences=[pb.RecordPresenceRequest(group_id=world.group, user_id=u) for u in users]
        )
    )

    first = await membership.ListGroupMembers(
        pb.ListGroupMembersRequest(group_id=world.group, page_size=2)
    )
    second = await membership.ListGroupMembers(
        pb.ListGroupMembersRequest(
            group_id=world.group, page_size=2, page_token=first.next_page_token
        )
    )
    whole = await membership.ListGroupMembers(pb.ListGroupMembersRequest(group_id=world.group))

    assert list(first.user_ids) == users[:2]
    assert first.next_page_token
    assert list(second.user_ids) == users[2:]
    assert second.next_page_token == ""
    assert list(whole.user_ids) == users


@pytest.mark.parametrize(
    "request_",
    [
        pb.ListGroupMembersRequest(group_id=42),
        pb.ListGroupMembersRequest(group_id=-1001000000001, page_size=1001),
        pb.ListGroupMembersRequest(group_id=-1001000000001, page_token="not-ours"),
    ],
    ids=["bad-group", "page-too-large", "foreign-token"],
)
async def test_list_group_members_refuses_bad_requests(
    membership: Stub, request_: pb.ListGroupMembersRequest
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await membership.ListGroupMembers(request_)

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
