"""Group policies from tenancy, cached: a message in a group costs no call while the policy is
fresh. A change made through any gateway replica is announced over Redis and drops the cached
copy everywhere; the TTL covers changes made behind the gateways' backs."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog

from gmbot.gateway.clients.backends import NotFound, call
from gmbot.gateway.clients.tenancy import policy_from
from gmbot.gateway.domain.policy import GroupPolicy
from gmbot.runtime.expiring import ExpiringLru
from gmbot.runtime.redis import REDIS_ERRORS, RedisClient, published
from gmbot.runtime.tasks import cancel_and_wait
from gmbot.v1 import tenancy_pb2 as tenancy

if TYPE_CHECKING:
    from gmbot.v1.tenancy_pb2_grpc import TenancyServiceAsyncStub

log = structlog.get_logger("gmbot.gateway.clients.policies")

_MAX_ENTRIES = 100_000


@dataclass(frozen=True)
class Known:
    """What tenancy said of a group: its policy, or None for "never protected"."""

    policy: GroupPolicy | None


class PolicyCache:
    def __init__(
        self,
        stub: TenancyServiceAsyncStub,
        ttl_seconds: float,
        redis: RedisClient | None = None,
        prefix: str = "gmbot:gateway:",
    ) -> None:
        self._channel = f"{prefix}policy-changed".encode()
        self._stub = stub
        self._ttl = ttl_seconds
        self._redis = redis
        # group id -> (policy or None for "not protected", expiry on the monotonic clock)
        self._entries: ExpiringLru[int, Known] = ExpiringLru(_MAX_ENTRIES)
        self._listener: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    async def get(self, group_id: int) -> GroupPolicy | None:
        """The group's policy, or None when it was never protected."""
        if (known := self._entries.get(group_id, time.monotonic())) is not None:
            return known.policy
        try:
            response = await call(
                "tenancy",
                self._stub.GetGroupPolicy(tenancy.GetGroupPolicyRequest(group_id=group_id)),
            )
            policy: GroupPolicy | None = policy_from(response.policy)
        except NotFound:
            policy = None
        self.remember(group_id, policy)
        return policy

    async def fresh(self, group_id: int) -> GroupPolicy | None:
        """The group's policy as tenancy has it now (the local copy was found stale)."""
        self._entries.pop(group_id)
        return await self.get(group_id)

    def remember(self, group_id: int, policy: GroupPolicy | None) -> None:
        self._entries.put(group_id, Known(policy), time.monotonic() + self._ttl)

    async def changed(self, group_id: int, policy: GroupPolicy | None) -> None:
        """Records a change made here and tells the other replicas to forget their copy."""
        self.remember(group_id, policy)
        if self._redis is None:
            return
        try:
            await self._redis.publish(self._channel, str(group_id).encode())
        except REDIS_ERRORS:
            log.warning("policy change not announced; other replicas wait for their TTL")

    async def start(self) -> None:
        if self._redis is not None:
            self._listener = asyncio.create_task(self._listen(self._redis))

    async def stop(self) -> None:
        self._stopping.set()  # ends the listener even if redis-py's read loses the cancellation
        await cancel_and_wait(self._listener)

    async def _listen(self, redis: RedisClient) -> None:
        while not self._stopping.is_set():
            try:
                async with redis.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    async for data in published(pubsub, self._stopping):
                        self._entries.pop(int(data))
            except REDIS_ERRORS:
                # While Redis is away, changes elsewhere are seen after the TTL.
                log.warning("policy announcements lost; resubscribing")
                await asyncio.sleep(1)
