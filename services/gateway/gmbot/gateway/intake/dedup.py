"""Each update handled once, even when Telegram redelivers it or several replicas run.

An update is claimed before it is handled (so a concurrent redelivery waits) and marked done
after. A claim lives a few seconds and is renewed while its handler runs: a replica killed
mid-way leaves a claim that lapses within seconds, after which the update is handled again
(every action it causes is idempotent downstream), instead of holding its chat for a minute.

"Done" is known to this process at once and written to Redis within a few milliseconds, the
marks of that moment together in one pipeline: a Redis round trip per update before its answer
was a tenth of the gateway's CPU at 1,000 updates/s. Until the mark is written the claim stands,
so a redelivery meanwhile is answered "busy" and tried again later, never handled twice; a
replica killed before writing leaves a claim that lapses like any other.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import structlog
from redis.asyncio import Redis

from gmbot.gateway.flows.claims import Claim
from gmbot.runtime.expiring import ExpiringLru
from gmbot.runtime.redis import REDIS_ERRORS
from gmbot.runtime.tasks import cancel_and_wait

log = structlog.get_logger("gmbot.gateway.intake.dedup")

# Telegram keeps an undelivered update 24 hours: remembering longer is pointless.
DONE_SECONDS = 25 * 3600
CLAIM_SECONDS = 5.0
# A held claim is renewed this often, well inside its lifetime.
RENEW_SECONDS = CLAIM_SECONDS / 3
DONE_WRITE_SECONDS = 0.02
_LOCAL_MAX = 200_000


_CLAIMED = b"claimed"
# KEYS: the update's key. ARGV: "claimed", the claim's lifetime in ms. Extends a claim, and
# nothing else: a "done" mark must keep its day.
_RENEW_CLAIM = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


@dataclass
class _Renewal:
    """A claim's renewal: over once its handler is."""

    over: bool = False
    task: asyncio.Task[None] | None = None


class UpdateLedger:
    def __init__(self, redis: Redis | None = None, prefix: str = "gmbot:gateway:") -> None:
        self._redis = redis
        self._prefix = f"{prefix}update:"
        # update key -> "claimed" or "done", when Redis is not there (or not answering)
        self._local: ExpiringLru[str, str] = ExpiringLru(_LOCAL_MAX)
        self._unwritten: list[str] = []  # done here, not yet in Redis
        self._writer: asyncio.Task[None] | None = None
        self._renew_claim = None if redis is None else redis.register_script(_RENEW_CLAIM)

    async def claim(self, key: str) -> Claim:
        if self._local.get(key, time.monotonic()) == "done":  # handled here: no need to ask
            return Claim.DONE
        if self._redis is not None:
            try:
                return await self._claim_redis(self._redis, key)
            except REDIS_ERRORS:
                log.warning("dedup falls back to this process", key=key)
        return self._claim_local(key)

    @contextlib.asynccontextmanager
    async def holding(self, key: str) -> AsyncIterator[None]:
        """Keeps a claim alive while its handler runs (however long it waits for the budget).

        Most updates are handled in well under a renewal period: the renewer starts only for
        those still running when the first renewal is due."""
        renewal = _Renewal()

        def renew() -> None:
            renewal.task = asyncio.create_task(self._renew(key, renewal))

        timer = asyncio.get_running_loop().call_later(RENEW_SECONDS, renew)
        try:
            yield
        finally:
            renewal.over = True
            timer.cancel()
            if renewal.task is not None:
                renewal.task.cancel()
                # Bounded: a cancellation that lands inside a Redis call can be lost there (a
                # command whose timeout races the cancel is retried by redis-py). Awaiting such
                # a renewer held its update in hand forever and stalled long polling (issue 21);
                # left alone, it ends at its next turn, and never renews what is no longer a claim.
                await asyncio.wait({renewal.task}, timeout=RENEW_SECONDS)

    async def _renew(self, key: str, renewal: _Renewal) -> None:
        while not renewal.over:
            if self._local.get(key, time.monotonic()) == "claimed":
                self._set_local(key, "claimed", CLAIM_SECONDS)
            if self._renew_claim is not None:
                try:
                    await self._renew_claim(
                        keys=[self._prefix + key], args=[_CLAIMED, int(CLAIM_SECONDS * 1000)]
                    )
                except REDIS_ERRORS:
                    log.warning("claim not renewed", key=key)
            await asyncio.sleep(RENEW_SECONDS)

    async def done(self, key: str) -> None:
        self._set_local(key, "done", DONE_SECONDS)
        if self._redis is not None:
            self._unwritten.append(key)
            if self._writer is None:
                self._writer = asyncio.create_task(self._write_soon(self._redis))

    async def _write_soon(self, redis: Redis) -> None:
        await asyncio.sleep(DONE_WRITE_SECONDS)
        self._writer = None
        await self._write(redis)

    async def _write(self, redis: Redis) -> None:
        keys, self._unwritten = self._unwritten, []
        if not keys:
            return
        try:
            async with redis.pipeline(transaction=False) as pipe:
                for key in keys:
                    pipe.set(self._prefix + key, b"done", ex=DONE_SECONDS)
                await pipe.execute()
        except REDIS_ERRORS:
            log.warning("dedup marks kept in this process only", updates=len(keys))

    async def stop(self) -> None:
        """Writes the marks still held (called before Redis is closed)."""
        await cancel_and_wait(self._writer)
        self._writer = None
        if self._redis is not None:
            await self._write(self._redis)

    async def release(self, key: str) -> None:
        """Gives a claim back after a failure, so a redelivery can be handled at once."""
        self._local.pop(key)
        if self._redis is not None:
            try:
                await self._redis.delete(self._prefix + key)
            except REDIS_ERRORS:
                log.warning("claim left to expire", key=key)

    async def _claim_redis(self, redis: Redis, key: str) -> Claim:
        if await redis.set(self._prefix + key, _CLAIMED, nx=True, ex=int(CLAIM_SECONDS)):
            return Claim.ACQUIRED
        state = await redis.get(self._prefix + key)
        if state is None:  # expired between the two calls
            return await self._claim_redis(redis, key)
        return Claim.DONE if state == b"done" else Claim.BUSY

    def _claim_local(self, key: str) -> Claim:
        state = self._local.get(key, time.monotonic())
        if state is not None:
            return Claim.DONE if state == "done" else Claim.BUSY
        self._set_local(key, "claimed", CLAIM_SECONDS)
        return Claim.ACQUIRED

    def _set_local(self, key: str, state: str, seconds: float) -> None:
        self._local.put(key, state, time.monotonic() + seconds)
