"""Each update handled once, even when Telegram redelivers it or several replicas run.

An update is claimed before it is handled (so a concurrent redelivery waits) and marked done
after. A claim lives a few seconds and is renewed while its handler runs: a replica killed
mid-way leaves a claim that lapses within seconds, after which the update is handled again
(every action it causes is idempotent downstream), instead of holding its chat for a minute.

"Done" is known to this process at once and written to Redis within a few milliseconds, the
marks of that moment together, one call a block: a Redis round trip per update before its answer
was a tenth of the gateway's CPU at 1,000 updates/s. Until the mark is written the claim stands,
so a redelivery meanwhile is answered "busy" and tried again later, never handled twice; a
replica killed before writing leaves a claim that lapses like any other.

Claims go out the same way: those asked in one turn of the event loop (a getUpdates batch's
hundred updates start together) share one pipeline. One round trip each held a pooled connection
apiece: a batch spread over fifty groups (a hundred order keys at once) asked for more than the
pool's 64 and waited for connections, at 0.7x the throughput of one busy group.

Redis keeps an update's "done" as one bit (done_marks): Telegram numbers a bot's updates one by
one, so a day of them at 5,000 a second is a few thousand blocks of 8 KiB, not 450 million keys.
A claim stays a key of its own, under the name the release before used for claims and marks
alike: a claim of either release holds off the other, and a mark of the release before still
reads as done (its day runs out on its own). The release before reads no bit: during a rolling
upgrade, an update one of its replicas is handed again after a replica of this one handled it is
judged again (and never punished twice: enforcement's idempotency keys).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import structlog

from gmbot.gateway.flows.claims import Claim
from gmbot.gateway.intake.done_marks import MARK_DONE, BotUpdate, by_block
from gmbot.runtime.expiring import ExpiringLru
from gmbot.runtime.redis import REDIS_ERRORS, RedisClient
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
# nothing else: a "done" mark of the release before must keep its day.
_RENEW_CLAIM = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

# What the ledger claims: an update (which it also marks done), or any other key a flow names
# (a join's, handled once whichever of its two announcements comes first).
Claimable = BotUpdate | str


def _key(claimable: Claimable) -> str:
    return claimable if isinstance(claimable, str) else claimable.key


@dataclass
class _Renewal:
    """A claim's renewal: over once its handler is."""

    over: bool = False
    task: asyncio.Task[None] | None = None


class UpdateLedger:
    def __init__(self, redis: RedisClient | None = None, prefix: str = "gmbot:gateway:") -> None:
        self._redis = redis
        self._root = prefix
        self._prefix = f"{prefix}update:"
        # claim key -> "claimed" or "done", when Redis is not there (or not answering)
        self._local: ExpiringLru[str, str] = ExpiringLru(_LOCAL_MAX)
        self._unwritten: list[BotUpdate] = []  # done here, not yet in Redis
        self._writer: asyncio.Task[None] | None = None
        # Claims asked this turn of the loop, each with what its asker awaits: (marked, acquired).
        self._asking: list[tuple[Claimable, asyncio.Future[tuple[bool, bool]]]] = []
        self._sending: set[asyncio.Task[None]] = set()
        self._renew_claim = None if redis is None else redis.register_script(_RENEW_CLAIM)
        self._mark_done = None if redis is None else redis.register_script(MARK_DONE)

    async def claim(self, claimable: Claimable) -> Claim:
        key = _key(claimable)
        if self._local.get(key, time.monotonic()) == "done":  # handled here: no need to ask
            return Claim.DONE
        if self._redis is not None:
            try:
                return await self._claim_redis(self._redis, claimable)
            except REDIS_ERRORS:
                log.warning("dedup falls back to this process", key=key)
        return self._claim_local(key)

    @contextlib.asynccontextmanager
    async def holding(self, claimable: Claimable) -> AsyncIterator[None]:
        """Keeps a claim alive while its handler runs (however long it waits for the budget).

        Most updates are handled in well under a renewal period: the renewer starts only for
        those still running when the first renewal is due."""
        key = _key(claimable)
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

    async def done(self, update: BotUpdate) -> None:
        self._set_local(update.key, "done", DONE_SECONDS)
        if self._redis is not None:
            self._unwritten.append(update)
            if self._writer is None:
                self._writer = asyncio.create_task(self._write_soon())

    async def _write_soon(self) -> None:
        await asyncio.sleep(DONE_WRITE_SECONDS)
        self._writer = None
        await self._write()

    async def _write(self) -> None:
        """Sets the bits of the marks held, a call a block. Each update's claim is left to
        lapse: it outlives the bit's write by seconds, so a replica asking for both
        (_claim_redis) finds one or the other, never neither."""
        updates, self._unwritten = self._unwritten, []
        if not updates or self._mark_done is None:
            return
        try:
            for block, bits in by_block(self._root, updates).items():
                await self._mark_done(keys=[block], args=[DONE_SECONDS, *bits])
        except REDIS_ERRORS:
            log.warning("dedup marks kept in this process only", updates=len(updates))

    async def stop(self) -> None:
        """Writes the marks still held (called before Redis is closed)."""
        await cancel_and_wait(self._writer)
        self._writer = None
        await self._write()

    async def release(self, claimable: Claimable) -> None:
        """Gives a claim back after a failure, so a redelivery can be handled at once."""
        key = _key(claimable)
        self._local.pop(key)
        if self._redis is not None:
            try:
                await self._redis.delete(self._prefix + key)
            except REDIS_ERRORS:
                log.warning("claim left to expire", key=key)

    async def _claim_redis(self, redis: RedisClient, claimable: Claimable) -> Claim:
        """One round trip, shared: an update's bit, and the claim. A replica marks an update done
        while its claim still stands, for seconds more (CLAIM_SECONDS - RENEW_SECONDS at
        least), so a bit found unset with a claim found free means the update is not done (or
        its mark never reached Redis). On a cluster the two are asked of two nodes at once:
        which answers first matters only if they answer seconds apart."""
        marked, acquired = await self._ask(redis, claimable)
        if marked:
            return Claim.DONE
        if acquired:
            return Claim.ACQUIRED
        state = await redis.get(self._prefix + _key(claimable))
        if state is None:  # expired between the two calls
            return await self._claim_redis(redis, claimable)
        # "done": a mark of the release before, under the claim's name.
        return Claim.DONE if state == b"done" else Claim.BUSY

    def _ask(self, redis: RedisClient, claimable: Claimable) -> asyncio.Future[tuple[bool, bool]]:
        """Whether the update's bit is set, and whether its claim was taken: asked with the
        other claims of this turn of the loop."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[tuple[bool, bool]] = loop.create_future()
        if not self._asking:
            loop.call_soon(self._send_claims, redis)
        self._asking.append((claimable, answer))
        return answer

    def _send_claims(self, redis: RedisClient) -> None:
        asking, self._asking = self._asking, []
        task = asyncio.create_task(self._claim_together(redis, asking))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _claim_together(
        self, redis: RedisClient, asking: list[tuple[Claimable, asyncio.Future[tuple[bool, bool]]]]
    ) -> None:
        try:
            async with redis.pipeline(transaction=False) as pipe:
                for claimable, _ in asking:
                    if isinstance(claimable, BotUpdate):
                        pipe.getbit(claimable.block(self._root), claimable.bit)
                    key = self._prefix + _key(claimable)
                    pipe.set(key, _CLAIMED, nx=True, ex=int(CLAIM_SECONDS))
                replies = iter(await pipe.execute())
        except asyncio.CancelledError:  # shutting down: so are the askers' waits
            for _, answer in asking:
                answer.cancel()
            raise
        except Exception as error:  # each asker decides (a Redis error: its fallback)
            for _, answer in asking:
                if not answer.done():
                    answer.set_exception(error)
            return
        for claimable, answer in asking:
            marked = bool(next(replies)) if isinstance(claimable, BotUpdate) else False
            acquired = bool(next(replies))
            if not answer.done():  # its asker may have been cancelled meanwhile
                answer.set_result((marked, acquired))

    def _claim_local(self, key: str) -> Claim:
        state = self._local.get(key, time.monotonic())
        if state is not None:
            return Claim.DONE if state == "done" else Claim.BUSY
        self._set_local(key, "claimed", CLAIM_SECONDS)
        return Claim.ACQUIRED

    def _set_local(self, key: str, state: str, seconds: float) -> None:
        self._local.put(key, state, time.monotonic() + seconds)
