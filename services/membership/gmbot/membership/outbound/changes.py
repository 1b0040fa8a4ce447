"""What membership learns, fanned out to every subscriber (each gateway replica's near cache).

With Redis, a change is published there and every membership replica relays what it hears to
its own subscribers, so a change recorded by one replica reaches the streams held by all. Without
Redis there is one replica and the fan-out stays in this process.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import structlog

from gmbot.membership.domain.answers import Answer
from gmbot.membership.domain.ports import SubscriberTooSlow
from gmbot.membership.metrics import CHANGE_SUBSCRIBERS, CHANGES_PUBLISHED
from gmbot.runtime.redis import REDIS_ERRORS, RedisClient, published
from gmbot.runtime.tasks import cancel_and_wait
from gmbot.runtime.timestamps import to_timestamp
from gmbot.v1 import membership_pb2 as pb

log = structlog.get_logger("gmbot.membership.changes")

# A subscriber this far behind is cut off: it forgets what it kept and subscribes again, which
# is always correct, where a queue without a bound would only postpone the failure.
SUBSCRIBER_BACKLOG = 10_000


class _Subscription:
    def __init__(self) -> None:
        # None ends the stream (membership is stopping).
        self.queue: asyncio.Queue[pb.MembershipChange | None] = asyncio.Queue(SUBSCRIBER_BACKLOG)
        self.overflowed = False

    def offer(self, change: pb.MembershipChange | None) -> None:
        try:
            self.queue.put_nowait(change)
        except asyncio.QueueFull:
            self.overflowed = True


class ChangeFeed:
    def __init__(self, redis: RedisClient | None = None, prefix: str = "gmbot:membership:") -> None:
        self._redis = redis
        self._channel = f"{prefix}changes".encode()
        self._subscriptions: set[_Subscription] = set()
        self._relay: asyncio.Task[None] | None = None
        self._relaying = asyncio.Event()
        self._stopping = asyncio.Event()
        self._ended = False

    async def answer_changed(self, channel_id: int, user_id: int, answer: Answer) -> None:
        await self._publish(
            pb.MembershipChange(
                answer=pb.AnswerChanged(
                    user_id=user_id,
                    channel_id=channel_id,
                    status=answer.status.value,
                    observed_at=to_timestamp(answer.observed_at),
                )
            )
        )

    async def administrators_changed(self, chat_id: int) -> None:
        await self._publish(
            pb.MembershipChange(administrators=pb.AdministratorsChanged(chat_id=chat_id))
        )

    async def _publish(self, change: pb.MembershipChange) -> None:
        CHANGES_PUBLISHED.labels(change.WhichOneof("change") or "").inc()
        if self._redis is not None:
            try:
                await self._redis.publish(self._channel, change.SerializeToString())
                return
            except REDIS_ERRORS as error:
                # The other replicas miss this one; their subscribers' TTLs cover it.
                log.warning("change not relayed through Redis", error=str(error))
        self._fan_out(change)

    def _fan_out(self, change: pb.MembershipChange) -> None:
        for subscription in self._subscriptions:
            subscription.offer(change)

    async def subscribe(self) -> AsyncIterator[pb.MembershipChange]:
        """`ready` first, then every change until the subscriber stops reading or falls behind."""
        if self._ended:
            return
        if self._redis is not None:
            await self._relaying.wait()
        subscription = _Subscription()
        self._subscriptions.add(subscription)
        CHANGE_SUBSCRIBERS.inc()
        try:
            yield pb.MembershipChange(ready=True)
            while True:
                change = await subscription.queue.get()
                if subscription.overflowed:
                    raise SubscriberTooSlow
                if change is None:
                    return
                yield change
        finally:
            self._subscriptions.discard(subscription)
            CHANGE_SUBSCRIBERS.dec()

    async def start(self) -> None:
        if self._redis is not None:
            self._relay = asyncio.create_task(self._relay_from(self._redis))

    async def end_streams(self) -> None:
        """Ends every stream now, so a graceful stop is not held up by subscribers that would
        never hang up (they subscribe again, elsewhere or to this replica once it is back)."""
        self._ended = True
        for subscription in self._subscriptions:
            if subscription.queue.full():
                subscription.overflowed = True  # ends at its next read
            else:
                subscription.queue.put_nowait(None)

    async def stop(self) -> None:
        self._stopping.set()  # ends the relay even if redis-py's read loses the cancellation
        await cancel_and_wait(self._relay)

    async def _relay_from(self, redis: RedisClient) -> None:
        while not self._stopping.is_set():
            try:
                async with redis.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    self._relaying.set()
                    async for data in published(pubsub, self._stopping):
                        self._fan_out(pb.MembershipChange.FromString(data))
            except REDIS_ERRORS as error:
                # Changes published meanwhile are lost to this replica's subscribers: end their
                # streams, so they forget what they kept instead of trusting it.
                log.warning("change relay lost; resubscribing", error=str(error))
                for subscription in self._subscriptions:
                    subscription.overflowed = True
                    subscription.offer(pb.MembershipChange(ready=True))
                await asyncio.sleep(1)
