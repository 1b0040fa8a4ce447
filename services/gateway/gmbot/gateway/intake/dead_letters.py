"""Updates the gateway could not handle, kept for people instead of confirmed and forgotten.

An update whose back end keeps failing is delivered again, with growing pauses, for as long as
Telegram would keep it; after that, and at once for an error that retrying cannot fix (a bug, a
back end's INTERNAL), it is written here with the reason and confirmed, so it cannot hold up the
updates behind it. Operators list and replay them (`gmbot dead-letters`, through the gateway's
admin endpoints).

A dead letter is a whole update, so personal data: it is kept for the retention the operator sets
and no longer. With Redis configured it lives there only (shared by every replica; the images
run with a read-only root): a Redis that cannot take it now leaves the update unconfirmed, to be
delivered again. Without Redis, in a file.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import structlog

from gmbot.gateway.metrics import DEAD_LETTERS
from gmbot.runtime.expiring import ExpiringLru
from gmbot.runtime.redis import REDIS_ERRORS, RedisClient, is_cluster

log = structlog.get_logger("gmbot.gateway.intake.dead_letters")

# Telegram keeps an undelivered update 24 hours: counting its failures longer is pointless.
FAILURES_SECONDS = 25 * 3600
MAX_KEPT = 10_000


@dataclass(frozen=True)
class DeadLetter:
    id: str
    update_id: int
    type: str
    reason: str
    attempts: int
    at: float
    update: dict[str, Any]


@dataclass(frozen=True)
class Failures:
    """An update's failed deliveries so far: how many, and since when (Unix time)."""

    count: int
    since: float


class DeadLetters:
    def __init__(
        self, redis: RedisClient | None, prefix: str, file: Path, retention: float
    ) -> None:
        """`retention`: seconds a dead letter is kept."""
        self._redis = redis
        # The letters and their index under one hash tag: one transaction writes both, in one
        # slot of a Redis Cluster.
        self._key = f"{prefix}{{dead-letters}}"
        # Letter id -> when it was set aside: what the retention prunes by.
        self._index = f"{self._key}:at"
        # Their names before the tag: on a single Redis, letters a release from before set
        # aside are read from there too until they expire (docs/redis-cluster.md).
        self._legacy_key = f"{prefix}dead-letters"
        self._legacy_index = f"{prefix}dead-letters:at"
        self._failures_prefix = f"{prefix}failures:"
        self._file = file
        self._retention = retention
        self._local_failures: ExpiringLru[int, Failures] = ExpiringLru(100_000)

    def check_writable(self) -> None:
        """Fails at start-up, naming the setting, when dead letters could not be kept: a file
        that cannot be written would leave a failing update unconfirmed for a day."""
        if self._redis is not None:
            return
        try:
            self._file.parent.mkdir(parents=True, exist_ok=True)
            with self._file.open("a", encoding="utf-8"):
                pass
        except OSError as error:
            raise SystemExit(
                f"DEAD_LETTER_FILE {self._file} cannot be written ({error.strerror}): point it "
                "at a writable volume, or set REDIS_URL to keep dead letters in Redis"
            ) from None

    async def failed_again(self, update_id: int) -> Failures:
        """Counts one more failed delivery of the update (across replicas)."""
        now = time.time()
        if self._redis is not None:
            key = f"{self._failures_prefix}{update_id}"
            try:
                async with self._redis.pipeline(transaction=True) as pipe:
                    pipe.hsetnx(key, "since", now)
                    pipe.hincrby(key, "count", 1)
                    pipe.hget(key, "since")
                    pipe.expire(key, FAILURES_SECONDS)
                    _, count, since, _ = await pipe.execute()
                return Failures(int(count), float(since))
            except REDIS_ERRORS:
                log.warning("failures counted in this process only", update_id=update_id)
        monotonic = time.monotonic()
        before = self._local_failures.get(update_id, monotonic) or Failures(0, now)
        failures = Failures(before.count + 1, before.since)
        self._local_failures.put(update_id, failures, monotonic + FAILURES_SECONDS)
        return failures

    async def record(
        self, update: dict[str, Any], update_type: str, reason: str, attempts: int
    ) -> DeadLetter:
        """Keeps the update; raises when it cannot be kept now (then it must not be confirmed)."""
        letter = DeadLetter(
            id=uuid.uuid4().hex,
            update_id=int(update.get("update_id", 0)),
            type=update_type,
            reason=reason[:500],
            attempts=attempts,
            at=time.time(),
            update=update,
        )
        raw = json.dumps(asdict(letter))
        if self._redis is not None:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hset(self._key, letter.id, raw)
                pipe.zadd(self._index, {letter.id: letter.at})
                # Whatever is left once the newest letter is past the retention goes at once.
                pipe.expire(self._key, int(self._retention) + 1)
                pipe.expire(self._index, int(self._retention) + 1)
                await pipe.execute()
        else:
            self._file.parent.mkdir(parents=True, exist_ok=True)
            with self._file.open("a", encoding="utf-8") as out:
                out.write(raw + "\n")
        DEAD_LETTERS.labels(update_type).inc()
        log.error(
            "update set aside as a dead letter",
            update_id=letter.update_id,
            type=update_type,
            reason=letter.reason,
            attempts=attempts,
        )
        return letter

    async def all(self) -> list[DeadLetter]:
        """The letters within the retention, oldest first; older ones are deleted on the way."""
        oldest = time.time() - self._retention
        letters = [DeadLetter(**json.loads(raw)) for raw in await self._raw(oldest)]
        kept = sorted((x for x in letters if x.at > oldest), key=lambda letter: letter.at)
        return kept[-MAX_KEPT:]

    async def _raw(self, oldest: float) -> list[str]:
        if self._redis is not None:
            expired = await self._redis.zrangebyscore(self._index, "-inf", oldest)
            if expired:
                async with self._redis.pipeline(transaction=True) as pipe:
                    pipe.hdel(self._key, *expired)
                    pipe.zrem(self._index, *expired)
                    await pipe.execute()
            stored = await self._redis.hgetall(self._key)
            if self._before_the_tag():
                stored = {**await self._redis.hgetall(self._legacy_key), **stored}
            return [raw.decode() if isinstance(raw, bytes) else raw for raw in stored.values()]
        if not self._file.exists():
            return []
        lines = [line for line in self._file.read_text("utf-8").splitlines() if line]
        kept = [line for line in lines if json.loads(line)["at"] > oldest]
        if len(kept) < len(lines):
            self._rewrite(kept)
        return kept

    def _before_the_tag(self) -> bool:
        """Whether letters may be kept under their names from before the hash tag: on a single
        Redis (a Redis Cluster never held them; the releases before could not use one)."""
        return self._redis is not None and not is_cluster(self._redis)

    async def remove(self, letter_id: str) -> None:
        if self._redis is not None:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hdel(self._key, letter_id)
                pipe.zrem(self._index, letter_id)
                if self._before_the_tag():
                    pipe.hdel(self._legacy_key, letter_id)
                    pipe.zrem(self._legacy_index, letter_id)
                await pipe.execute()
            return
        if self._file.exists():
            self._rewrite(
                [
                    line
                    for line in self._file.read_text("utf-8").splitlines()
                    if line and json.loads(line)["id"] != letter_id
                ]
            )

    def _rewrite(self, lines: list[str]) -> None:
        self._file.write_text("".join(f"{line}\n" for line in lines), "utf-8")
