"""The work queue in Redis: two Streams, urgent actions (deletions, mutes, releases) before
housekeeping, read by one consumer group, so an entry taken by a worker that died is claimed back
(XAUTOCLAIM) by another. The ledger holds the truth; the queue only hands out action ids.
"""

from __future__ import annotations

import contextlib
from typing import Any

from redis.exceptions import ResponseError

from gmbot.enforcement.domain.work_queue import Delivery, Lane
from gmbot.enforcement.outbound.keys import Keys
from gmbot.runtime.redis import REDIS_ERRORS, RedisClient, is_cluster, is_missing_group
from gmbot.runtime.tracing import sent

_ACTION = b"action"
_ADOPTED_PER_ROUND = 500


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _delivery(fields: dict[bytes, bytes], lane: Lane, entry_id: bytes | str) -> Delivery:
    trace = {_text(k): _text(v) for k, v in fields.items() if k != _ACTION}
    return Delivery(fields[_ACTION].decode(), lane, _text(entry_id), trace)


class RedisStreamQueue:
    unreachable: tuple[type[BaseException], ...] = REDIS_ERRORS

    def __init__(self, redis: RedisClient, keys: Keys, consumer: str, reclaim_after: float) -> None:
        self._redis = redis
        self._keys = keys
        self._consumer = consumer
        self._reclaim_ms = int(reclaim_after * 1000)
        self._streams = {lane: keys.stream(lane.name.lower()) for lane in Lane}
        self._lanes = {name: lane for lane, name in self._streams.items()}

    async def setup(self) -> None:
        for stream in self._streams.values():
            with contextlib.suppress(ResponseError):  # BUSYGROUP: it exists already
                await self._redis.xgroup_create(
                    stream, self._keys.consumer_group, id="0", mkstream=True
                )
        if not is_cluster(self._redis):
            for lane, stream in self._streams.items():
                await self._adopt(self._keys.legacy_stream(lane.name.lower()), stream)

    async def _adopt(self, legacy: str, stream: str) -> None:
        """Moves what a release from before the hash tag queued into this lane, so a rolling
        upgrade hands it out at once. An entry that release's workers still hold may be handed
        out twice: the ledger's claim lets one through. What it queues after this start is its
        own workers' (or, once they are gone, the sweeper's, from the ledger)."""
        while True:
            entries: Any = await self._redis.xrange(legacy, count=_ADOPTED_PER_ROUND)
            if not entries:
                return
            async with self._redis.pipeline(transaction=False) as pipe:
                for _, fields in entries:
                    pipe.xadd(stream, fields)
                pipe.xdel(legacy, *(entry_id for entry_id, _ in entries))
                await pipe.execute()

    async def put(self, action_id: str, lane: Lane) -> None:
        fields: dict[Any, Any] = {_ACTION: action_id, **sent()}
        await self._redis.xadd(self._streams[lane], fields)

    async def _reclaimed(self, lane: Lane, count: int) -> list[Delivery]:
        """Entries a dead (or stuck) consumer left unacknowledged."""
        claimed: Any = await self._redis.xautoclaim(
            self._streams[lane],
            self._keys.consumer_group,
            self._consumer,
            min_idle_time=self._reclaim_ms,
            start_id="0-0",
            count=count,
        )
        return [_delivery(fields, lane, entry_id) for entry_id, fields in claimed[1] if fields]

    async def _read(self, streams: dict[Any, Any], block: int | None, count: int) -> list[Delivery]:
        answer: Any = await self._redis.xreadgroup(
            self._keys.consumer_group, self._consumer, streams, count=count, block=block
        )
        return [
            _delivery(fields, self._lanes[_text(stream)], entry_id)
            for stream, entries in answer or []
            for entry_id, fields in entries
        ]

    async def take(self, wait_seconds: float, count: int = 1) -> list[Delivery]:
        try:
            return await self._take(wait_seconds, count)
        except ResponseError as error:
            if not is_missing_group(error):
                raise
        # Redis lost the streams (restarted without persistence): make them again. What they
        # held is in the ledger, and the sweeper hands it out again.
        await self.setup()
        return []

    async def _take(self, wait_seconds: float, count: int) -> list[Delivery]:
        taken: list[Delivery] = []
        for lane in Lane:
            taken += await self._reclaimed(lane, count - len(taken))
            if len(taken) == count:
                return taken
        for lane in Lane:  # urgent first, without waiting
            taken += await self._read({self._streams[lane]: ">"}, None, count - len(taken))
            if len(taken) == count:
                return taken
        if taken:
            return taken
        streams = dict.fromkeys(self._streams.values(), ">")
        return await self._read(streams, int(wait_seconds * 1000), count)

    async def ack(self, delivery: Delivery) -> None:
        stream = self._streams[delivery.lane]
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.xack(stream, self._keys.consumer_group, delivery.entry_id)
            pipe.xdel(stream, delivery.entry_id)
            await pipe.execute()

    async def heartbeat(self, seconds: float) -> None:
        """Says this consumer is alive (operators see who works; a missing one died)."""
        await self._redis.set(self._keys.heartbeat(self._consumer), b"1", ex=max(1, int(seconds)))
