"""The Redis Cluster client GMBot uses: redis-py's, made to wait for a free connection.

redis-py's cluster client fails a command with MaxConnectionsError once a node's connections are
all busy, where the pool GMBot gives one Redis (BlockingConnectionPool) waits a moment for one:
a raid's burst of checks, claims and budget asks would turn into fallbacks ("Redis unreachable")
on a cluster and only queue for a moment on one Redis. Here every command and pipeline waits for
one of `connections` permits first; each holds at most one connection per node, so a node never
runs out.
"""

from __future__ import annotations

import asyncio
from typing import Any

from redis.asyncio import ConnectionPool
from redis.asyncio.client import PubSub
from redis.asyncio.cluster import ClusterPipeline, RedisCluster
from redis.exceptions import ConnectionError as RedisConnectionError

# Connections a node keeps beyond the permits: each pub/sub subscription holds one of its own.
SUBSCRIPTION_HEADROOM = 8


class WaitingRedisCluster(RedisCluster):
    def __init__(self, *, connections: int, wait_seconds: float, **kwargs: Any) -> None:
        super().__init__(max_connections=connections + SUBSCRIPTION_HEADROOM, **kwargs)
        self._permits = asyncio.Semaphore(connections)
        self._wait_seconds = wait_seconds

    async def acquire(self) -> None:
        """One permit, waited for at most `wait_seconds` (a plain try/finally around each call,
        and no timer when one is free: this runs for every command)."""
        if self._permits.locked():
            try:
                async with asyncio.timeout(self._wait_seconds):
                    await self._permits.acquire()
            except TimeoutError:
                # What BlockingConnectionPool raises when its wait runs out: a Redis error
                # callers already treat as "not now".
                raise RedisConnectionError("no free Redis Cluster connection") from None
        else:
            await self._permits.acquire()
        if self._initialize:
            # The cluster's map first, once: commands that set out before it was known broke
            # each other's connections (redis-py 8.1, a new client's first burst).
            try:
                await self.initialize()
            except BaseException:
                self.release()
                raise

    def release(self) -> None:
        self._permits.release()

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        await self.acquire()
        try:
            return await super().execute_command(*args, **kwargs)
        finally:
            self.release()

    def pubsub(self, **kwargs: Any) -> PubSub:  # type: ignore[override]
        """A plain subscription on one node: classic PUBLISH reaches the subscribers of every
        node, so one hears everything (GMBot uses no sharded channels). redis-py's ClusterPubSub
        hung when a listening subscription was cancelled (8.1), holding up a service's stop."""
        node = self.get_default_node() or next(iter(self.nodes_manager.startup_nodes.values()))
        pool = ConnectionPool(connection_class=node.connection_class, **node.connection_kwargs)
        return PubSub(pool, **kwargs)

    def pipeline(self, transaction: Any | None = None, shard_hint: Any | None = None) -> Any:
        if shard_hint:
            return super().pipeline(transaction, shard_hint)  # refused as redis-py refuses it
        return _WaitingPipeline(self, transaction)


class _WaitingPipeline(ClusterPipeline):
    def __init__(self, client: WaitingRedisCluster, transaction: Any | None) -> None:
        super().__init__(client, transaction)
        self._waiting_client = client
        # Declared by redis-py's typing protocol, set by its client classes, never read by a
        # pipeline: without it mypy takes the class for abstract.
        self._event_dispatcher = client._event_dispatcher

    async def execute(self, raise_on_error: bool = True, allow_redirections: bool = True) -> Any:
        client = self._waiting_client
        await client.acquire()
        try:
            return await super().execute(raise_on_error, allow_redirections)
        finally:
            client.release()
